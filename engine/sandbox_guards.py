# SPDX-License-Identifier: EUPL-1.2
"""Guards that size an operation's result before it runs (the memory limit's part).

The instrumentation (:mod:`engine.sandbox`) puts these in place of ``+``, ``*``,
``%``, ``**``, ``<<`` and their augmented forms, of every f-string and of the value of
a slice assignment (methods such as ``ljust`` are sized in
:mod:`engine.sandbox_methods`); :mod:`engine.sandbox_builtins` wraps ``str``,
``repr``, ``format``, ``sum`` and ``range`` with them. Each estimates the result's
size from its inputs (lengths, widths, counts — never by building it) and charges the
running script's meter (:mod:`engine.sandbox_memory`) before the real operation runs.
Operations that cannot build much more than their inputs hold (``strip``, ``upper``,
``list(x)``) are not guarded one by one; a loop of them is found by the meter's
measurements.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from engine.sandbox_check import (
    _ADD,
    _IADD,
    _ILSHIFT,
    _IMOD,
    _IMUL,
    _IPOW,
    _LSHIFT,
    _MOD,
    _MUL,
    _POW,
)
from engine.sandbox_memory import (
    ScriptLimitExceeded,
    char_bytes,
    charge,
    current_meter,
    text_size,
)

MAX_ITEMS = 1_000_000
"""Largest ``range``, and largest str/bytes/list/tuple that ``*`` may repeat into."""

MAX_INT_BITS = 100_000
"""Largest integer (about 30,000 digits) that ``*``, ``**`` and ``<<`` may produce."""

_SEQUENCES = (str, bytes, list, tuple)
TEXTS = (str, bytes)
_HUGE = 1 << 62  # an estimate that no limit admits
_FEW = 128  # fewer items than this make less than SMALL bytes: not worth sizing


def too_big(what: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"{what} would exceed the sandbox's size limit")


def unit(*sequences: Any) -> int:
    """Bytes per item of a sequence built from ``sequences``."""
    first = sequences[0]
    if isinstance(first, str):
        return char_bytes(*sequences)
    return 1 if isinstance(first, bytes) else 8


def items_cost(iterable: Any) -> int:
    """Bytes a container takes for the items of ``iterable`` (0: not known ahead)."""
    if isinstance(iterable, range):
        return 40 * len(iterable)  # the ints are made as well
    try:
        return 8 * len(iterable)
    except TypeError:  # an iterator: its items come one by one, under the deadline
        return 0


# ---------------------------------------------------------------- operators


def _check_mul(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise too_big("the product")
        return
    seq, times = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
    if isinstance(seq, _SEQUENCES) and isinstance(times, int):
        count = len(seq) * times
        if count > MAX_ITEMS:
            raise too_big("the repetition")
        charge(count * unit(seq), "the repetition")


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        count = len(left) + len(right)
        if count >= _FEW:
            charge(count * unit(left, right), "the concatenation")


def _check_iadd(left: Any, right: Any) -> None:
    if isinstance(left, list):  # `l += iterable` extends l in place
        if len(left) >= _FEW or not isinstance(right, list | tuple):
            charge(8 * len(left) + items_cost(right), "the extension")
    else:
        _check_add(left, right)


def _check_pow(base: Any, exponent: Any) -> None:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base) > 1
        and exponent > 0
        and (base.bit_length() - 1) * exponent > MAX_INT_BITS
    ):
        raise too_big("the power")


def _check_lshift(value: Any, shift: Any) -> None:
    if (
        isinstance(value, int)
        and isinstance(shift, int)
        and shift > 0
        and value.bit_length() + shift > MAX_INT_BITS
    ):
        raise too_big("the shift")


def _check_mod(template: Any, values: Any) -> None:
    if isinstance(template, TEXTS):
        charge(percent_size(template, values), "the % formatting")


def _guard(
    check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]
) -> Callable[[Any, Any], Any]:
    def guarded(left: Any, right: Any) -> Any:
        check(left, right)
        return op(left, right)

    return guarded


# The four that loops use most, written out: one Python call each, and numbers first.


def _add(left: Any, right: Any) -> Any:
    if type(left) in _NUMBERS:
        return left + right
    _check_add(left, right)
    return left + right


def _iadd(left: Any, right: Any) -> Any:
    if type(left) in _NUMBERS:
        return left + right
    _check_iadd(left, right)
    left += right
    return left


def _mul(left: Any, right: Any) -> Any:
    if type(left) is int and type(right) is int:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise too_big("the product")
        return left * right
    _check_mul(left, right)
    return left * right


def _imul(left: Any, right: Any) -> Any:
    _check_mul(left, right)
    left *= right
    return left


_NUMBERS = frozenset({int, float, bool})

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    _ADD: _add,
    _IADD: _iadd,
    _MUL: _mul,
    _IMUL: _imul,
    _MOD: _guard(_check_mod, operator.mod),
    _IMOD: _guard(_check_mod, operator.imod),
    _POW: _guard(_check_pow, operator.pow),
    _IPOW: _guard(_check_pow, operator.ipow),
    _LSHIFT: _guard(_check_lshift, operator.lshift),
    _ILSHIFT: _guard(_check_lshift, operator.ilshift),
}
"""The guarded operators by their reserved names (in-place ones for ``op=``)."""


def aug_item(container: Any, key: Any, guard: str, value: Any) -> None:
    """``container[key] op= value`` with the in-place guard named ``guard``."""
    container[key] = OPERATORS[guard](container[key], value)


def sized(value: Any) -> Any:
    """The value of a slice assignment (``l[:0] = l`` doubles ``l``) or of a ``*l``
    in a display or a call (``[*l, *l, …]``), charged.

    Twice: a list assigned into itself is copied first, a tuple display is built as
    a list and copied.
    """
    charge(2 * items_cost(value), "copying the items")
    return value


# ---------------------------------------------------------------- formatting

_SPEC = re.compile(
    r"(?:(?P<fill>.)?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)(?P<group>[_,]?)"
    r"(?:\.(?P<precision>\d*))?[a-zA-Z%]?",
    re.DOTALL,
)


def _number(digits: str | None) -> int:
    if not digits:
        return 0
    return _HUGE if len(digits) > 15 else int(digits)


def _spec_size(spec: str, base: int) -> int:
    """Characters of a value of ``base`` characters formatted with ``spec``."""
    if not spec:
        return base
    found = _SPEC.fullmatch(spec)
    if found is None:  # a date's strftime pattern: '%c' is 2 characters, gives 24
        return base + 16 * len(spec) + 64
    width, precision = _number(found["width"]), _number(found["precision"])
    if found["group"]:
        base *= 2
    return max(width, base + precision)


def field_size(value: Any, conversion: str | None, spec: str) -> int:
    """Bytes of ``format(value, spec)`` after the ``!s``/``!r``/``!a`` conversion."""
    budget = current_meter().limit
    if isinstance(value, str) and conversion in (None, "s"):
        base, unit = len(value), char_bytes(value, spec)
    elif conversion == "a":
        base, unit = 10 * text_size(value, budget), 1
    else:
        base, unit = text_size(value, budget), char_bytes(spec)
        if isinstance(value, list | tuple | dict | set | frozenset):
            unit = 4  # its text keeps the non-ASCII strings in it as they are
    return _spec_size(spec, base) * unit


_CONVERSIONS: dict[str | None, Callable[[Any], Any]] = {
    None: lambda value: value,
    "s": str,
    "r": repr,
    "a": ascii,
}
_CONVERSION_CODES = {-1: None, 115: "s", 114: "r", 97: "a"}


SHORT_TEXT = frozenset(
    {int, float, bool, type(None), Decimal, date, datetime, time, timedelta}
)
"""Types whose text is short (an int has at most 4,300 digits, see
``sys.get_int_max_str_digits``; a ``Decimal`` at most its exponent limit)."""


def fstring_field(value: Any, conversion: int, spec: str) -> str:
    """One ``{value!conversion:spec}`` of an f-string, charged before it is built."""
    if len(spec) < 4 and type(value) in SHORT_TEXT:  # f'{n}', f'{x:.2f}': < 1 KB
        return (
            format(value, spec)
            if conversion == -1
            else format(_CONVERSIONS[_CONVERSION_CODES[conversion]](value), spec)
        )
    name = _CONVERSION_CODES[conversion]
    if name is not None or spec or not isinstance(value, str):  # else: value itself
        charge(field_size(value, name, spec), "the f-string")
    return format(_CONVERSIONS[name](value), spec)


def fstring(parts: tuple[str, ...]) -> str:
    """An f-string's pieces joined, the total charged first (``f'{s}{s}'``)."""
    if len(parts) == 1:
        return parts[0]
    charge(sum(map(len, parts)) * char_bytes(*parts), "the f-string")
    return "".join(parts)


class _Converted:
    __slots__ = ("value", "conversion")

    def __init__(self, value: Any, conversion: str | None) -> None:
        self.value = value
        self.conversion = conversion


class _ChargingFormatter(string.Formatter):
    """``str.format`` in Python, each field and the total checked before built."""

    def __init__(self) -> None:
        self.total = 0

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion not in _CONVERSIONS:  # the error str.format gives
            raise ValueError(f"Unknown conversion specifier {conversion}")
        return _Converted(value, conversion)  # converted in format_field, after sizing

    def format_field(self, value: Any, format_spec: str) -> Any:
        if not isinstance(value, _Converted):
            return super().format_field(value, format_spec)
        size = field_size(value.value, value.conversion, format_spec)
        # Every piece is copied into the result ('{0}{0}{0}'), joined only at the
        # end: check the total so far, charge it once it is built.
        self.total += size
        charge(self.total, "'format'", keep=False)
        converted = _CONVERSIONS[value.conversion](value.value)
        return format(converted, format_spec)


def format_method(template: str) -> Callable[..., str]:
    """``template.format`` for a literal template (the static check allows no other)."""

    def format_(*args: Any, **kwargs: Any) -> str:
        formatter = _ChargingFormatter()
        result = formatter.vformat(template, args, kwargs)
        charge(formatter.total, "'format'")
        return result

    return format_


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?"
    r"[hlL]?(?P<type>.)",
    re.DOTALL,
)


def percent_size(template: str | bytes, values: Any) -> int:
    """Bytes of ``template % values``: its text plus every field's width and value."""
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    budget = current_meter().limit
    mapping = values if isinstance(values, Mapping) else None
    positional = list(values) if isinstance(values, tuple) else [values]
    total = len(text)
    for found in _PERCENT.finditer(text):
        if found["type"] == "%":
            continue
        extra = 0
        for part in ("width", "precision"):
            if found[part] == "*":
                star = positional.pop(0) if positional else 0
                extra += star if isinstance(star, int) and star > 0 else 0
            else:
                extra += _number(found[part])
        if found["key"] is not None and mapping is not None:
            value = mapping.get(found["key"])
        else:
            value = positional.pop(0) if positional else None
        total += extra + text_size(value, budget)
        if total > budget:
            break
    return total * (1 if isinstance(template, bytes) else char_bytes(text))
