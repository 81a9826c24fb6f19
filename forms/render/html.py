# SPDX-License-Identifier: EUPL-1.2
"""A tiny HTML element builder and the names and ids of form fields.

Every string that reaches the page goes through :func:`markupsafe.escape` here,
either as an attribute value or as text; only other :class:`Markup` (built by this
module) is inserted unescaped. The rest of the package never writes ``<`` itself.

Names and ids are deterministic from the field's path:

* name: ``<prefix>.<path>`` — ``f.applicant.children.0.name``
* id:   ``<prefix>-<path>`` — ``f-applicant-children-0-name``; characters other than
  letters, digits and ``_`` in a path part become ``_``. Helper elements hang off the
  id with a double dash (``f-x--hint``, ``f-x--error``, ``f-x--2`` for the second
  radio button), which a path part can never produce.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from markupsafe import Markup, escape

__all__ = ["element", "field_id", "field_name", "join", "valid_prefix"]

_VOID: Final = frozenset({"br", "hr", "img", "input", "link", "meta"})
_ID_UNSAFE: Final = re.compile(r"[^\w]")
_PREFIX_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

Path = tuple[str | int, ...]
Child = Markup | str | int | None
AttrValue = str | int | bool | None


def valid_prefix(prefix: str) -> str:
    """Return ``prefix`` or raise ValueError when it cannot start names and ids."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"form prefix must match [A-Za-z][A-Za-z0-9_]*: {prefix!r}")
    return prefix


def field_name(prefix: str, path: Path) -> str:
    """``f.applicant.children.0.name`` for path ``("applicant", "children", 0, …)``."""
    return ".".join([prefix, *(str(part) for part in path)])


def field_id(prefix: str, path: Path) -> str:
    """``f-applicant-children-0-name``: the name with ``-`` and HTML-id-safe parts."""
    return "-".join([prefix, *(_ID_UNSAFE.sub("_", str(part)) for part in path)])


def _attributes(attributes: Mapping[str, AttrValue]) -> str:
    parts: list[str] = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {key}")
        else:
            parts.append(f' {key}="{escape(str(value))}"')
    return "".join(parts)


def join(children: Iterable[Child], separator: str = "") -> Markup:
    """Concatenate children, escaping every plain string."""
    return escape(separator).join(
        escape(child) for child in children if child is not None
    )


def element(
    tag: str, attributes: Mapping[str, AttrValue] | None = None, *children: Child
) -> Markup:
    """``<tag attr="…">children</tag>``; ``None``/``False`` attributes are left out,
    ``True`` ones written bare (``required``)."""
    opening = f"<{tag}{_attributes(attributes or {})}>"
    if tag in _VOID:
        return Markup(opening)  # noqa: S704 - tag is ours, attributes escaped above
    return Markup(opening) + join(children) + Markup(f"</{tag}>")  # noqa: S704
