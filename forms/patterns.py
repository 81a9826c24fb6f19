# SPDX-License-Identifier: EUPL-1.2
"""JSON Schema ``pattern`` with the semantics the specification gives it.

JSON Schema patterns are ECMA-262 regular expressions, where ``$`` (without the
multiline flag) matches only at the very end. jsonschema applies them with Python's
``re.search``, where ``$`` also matches before a final newline: ``^[0-9]{11}$``
accepted ``"01000010001\\n"``. ``FormValidator`` is Draft 2020-12 whose ``pattern``
reads an unescaped ``$`` outside a character class as ``\\Z``; use it wherever a
schema written for other systems or for forms validates input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Final

from jsonschema import Draft202012Validator, ValidationError, validators

__all__ = ["FormValidator", "ecma_regex"]


@lru_cache(maxsize=512)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled with ``$`` matching only at the end of the text."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out))


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(
        instance
    ):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


FormValidator: Final = validators.extend(Draft202012Validator, {"pattern": _pattern})
