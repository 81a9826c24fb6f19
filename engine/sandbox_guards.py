# SPDX-License-Identifier: EUPL-1.2
"""Guards that size an operation's result before it runs (the memory limit's part).

The instrumentation (:mod:`engine.sandbox`) puts these in place of ``+``, ``*``,
``%``, ``**``, ``<<`` and their augmented forms, of every load of an attribute named
in :data:`GUARDED_METHODS`, of every f-string field and of the value of a slice
assignment; :mod:`engine.sandbox_builtins` wraps ``str``, ``repr``, ``format``,
``sum`` and ``range`` with them. Each estimates the result's size from its inputs
(lengths, widths, counts — never by building it) and charges the running script's
meter (:mod:`engine.sandbox_memory`) before the real operation runs. Operations that
cannot build more than their inputs hold (``strip``, ``upper``, ``list(x)``) are not
guarded one by one; a loop of them is found by the meter's measurements.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Mapping
from datetime import date, time
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
_TEXTS = (str, bytes)
_HUGE = 1 << 62  # an estimate that no limit admits


def too_big(what: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"{what} would exceed the sandbox's size limit")


def _unit(*sequences: Any) -> int:
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
        charge(count * _unit(seq), "the repetition")


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        charge((len(left) + len(right)) * _unit(left, right), "the concatenation")


def _check_iadd(left: Any, right: Any) -> None:
    if isinstance(left, list):  # `l += iterable` extends l in place
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
    if isinstance(template, _TEXTS):
        charge(percent_size(template, values), "the % formatting")


def _guard(
    check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]
) -> Callable[[Any, Any], Any]:
    def guarded(left: Any, right: Any) -> Any:
        check(left, right)
        return op(left, right)

    return guarded


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    _ADD: _guard(_check_add, operator.add),
    _IADD: _guard(_check_iadd, operator.iadd),
    _MUL: _guard(_check_mul, operator.mul),
    _IMUL: _guard(_check_mul, operator.imul),
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
    """The value of a slice assignment (``l[:0] = l`` doubles ``l``), charged.

    Twice: a list assigned into itself is copied first.
    """
    charge(2 * items_cost(value), "the slice assignment")
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


def fstring_field(value: Any, conversion: int, spec: str) -> str:
    """One ``{value!conversion:spec}`` of an f-string, charged before it is built."""
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


# ---------------------------------------------------------------- methods

Estimate = Callable[[Any, tuple[Any, ...], dict[str, Any]], int]


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], i: int, name: str) -> Any:
    return args[i] if len(args) > i else kwargs.get(name)


def _int_arg(args: tuple[Any, ...], kwargs: dict[str, Any], i: int, name: str) -> int:
    value = _arg(args, kwargs, i, name)
    return value if isinstance(value, int) else 0


def _padded(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    fill = _arg(args, kwargs, 1, "fillchar")
    width = _int_arg(args, kwargs, 0, "width")
    return max(len(text), width) * _unit(text, fill if fill is not None else "")


def _expandtabs(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    tabsize = _arg(args, kwargs, 0, "tabsize")
    tabsize = tabsize if isinstance(tabsize, int) else 8
    tab = "\t" if isinstance(text, str) else b"\t"
    return int((len(text) + text.count(tab) * max(tabsize, 0)) * _unit(text))


def _replace(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    old, new = _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new")
    if not isinstance(old, type(text)) or not isinstance(new, type(text)):
        return 0  # the real call names the wrong argument
    times = text.count(old) if old else len(text) + 1
    count = _arg(args, kwargs, 2, "count")
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return (len(text) + times * max(0, len(new) - len(old))) * _unit(text, new)


def _join(separator: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    items = args[0] if args else ()
    try:
        size = sum(map(len, items)) + len(separator) * max(len(items) - 1, 0)
    except TypeError:  # not text: the real join says which item
        return 0
    if isinstance(separator, str):
        ascii_only = separator.isascii() and all(
            isinstance(item, str) and item.isascii() for item in items
        )
        return size * (1 if ascii_only else 4)
    return size


_WHITESPACE = " \t\n\r\x0b\x0c"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _pieces(text: Any, separators: str) -> int:
    if isinstance(text, str) and not text.isascii() and separators is _WHITESPACE:
        return len(text) // 2 + 1  # other whitespace too; a piece needs 2 characters
    marks = separators if isinstance(text, str) else separators.encode("latin-1")
    return int(sum(text.count(marks[i : i + 1]) for i in range(len(marks)))) + 1


def _split(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    separator = _arg(args, kwargs, 0, "sep")
    if separator is None:
        pieces = _pieces(text, _WHITESPACE)
    elif isinstance(separator, type(text)) and separator:
        pieces = text.count(separator) + 1
    else:
        return 0
    maxsplit = _arg(args, kwargs, 1, "maxsplit")
    if isinstance(maxsplit, int) and maxsplit >= 0:
        pieces = min(pieces, maxsplit + 1)
    return 64 * pieces + len(text) * _unit(text)  # a small string is ~50 bytes


def _splitlines(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    breaks = _LINE_BREAKS if isinstance(text, str) else "\n\r"
    return 64 * _pieces(text, breaks) + len(text) * _unit(text)


def _translate(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    table = _arg(args, kwargs, 0, "table")
    values = table.values() if isinstance(table, Mapping) else table
    if not isinstance(table, Mapping | list | tuple):
        values = ()
    longest = max((len(v) for v in values if isinstance(v, str)), default=1)
    return len(text) * max(longest, 1) * 4


def _encode(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    errors = _arg(args, kwargs, 1, "errors")
    escaping = errors in ("xmlcharrefreplace", "backslashreplace", "namereplace")
    return len(text) * (64 if escaping else 4)


def _to_bytes(_: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return _int_arg(args, kwargs, 0, "length")


def _strftime(_: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    pattern = _arg(args, kwargs, 0, "format")
    return 16 * len(pattern) + 64 if isinstance(pattern, str) else 0


def _extend(items: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return items_cost(args[0]) if args else 0


def _many_keys(_: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    keys = args[0] if args else ()
    try:
        count = len(keys)
    except TypeError:
        return 0
    return (132 if isinstance(keys, range) else 100) * count  # an entry, its int


def _format(template: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return 0  # format_method charges every field as it builds it


_KINDS: tuple[type, ...] = (str, bytes, list, dict, int, date, time)
_PADDING = ("ljust", "rjust", "center", "zfill")

_METHODS: dict[tuple[type, str], Estimate] = {
    **{(kind, name): _padded for kind in _TEXTS for name in _PADDING},
    **{(kind, "expandtabs"): _expandtabs for kind in _TEXTS},
    **{(kind, "replace"): _replace for kind in _TEXTS},
    **{(kind, "join"): _join for kind in _TEXTS},
    **{(kind, name): _split for kind in _TEXTS for name in ("split", "rsplit")},
    **{(kind, "splitlines"): _splitlines for kind in _TEXTS},
    **{(kind, "maketrans"): _many_keys for kind in _TEXTS},
    (str, "translate"): _translate,
    (str, "encode"): _encode,
    (str, "format"): _format,
    (list, "extend"): _extend,
    (dict, "fromkeys"): _many_keys,
    (int, "to_bytes"): _to_bytes,
    (date, "strftime"): _strftime,
    (time, "strftime"): _strftime,
}
GUARDED_METHODS = frozenset(name for _, name in _METHODS)
"""Attribute names whose every load goes through :func:`guarded_attribute`."""

_STATIC = frozenset({"maketrans", "fromkeys"})  # no instance to size: args only


def _kind_of(obj: Any) -> type | None:
    for kind in _KINDS:
        if isinstance(obj, kind):
            return kind
    return None


def guarded_attribute(obj: Any, name: str) -> Any:
    """``obj.name``; a method that can build a large result comes back sized.

    Works for bound methods (``s.ljust``), methods taken from the class
    (``str.ljust(s, n)``) and methods passed around (``map(s.ljust, widths)``).
    """
    value = getattr(obj, name)
    if isinstance(obj, type):
        kind = next((k for k in _KINDS if issubclass(obj, k)), None)
        unbound = True
    else:
        kind, unbound = _kind_of(obj), False
    estimate = _METHODS.get((kind, name)) if kind is not None else None
    if estimate is None or kind is None:
        return value
    instance_of: type = kind
    if name == "format" and isinstance(obj, str):
        return format_method(obj)
    what = f"'{name}'"
    static = name in _STATIC
    method = unbound and not static  # str.ljust(s, n): the instance comes first

    def sized_call(*args: Any, **kwargs: Any) -> Any:
        if method and not (args and isinstance(args[0], instance_of)):
            return value(*args, **kwargs)  # the real call says what is wrong
        this, rest = (args[0], args[1:]) if method else (obj, args)
        if name == "join" and rest and not isinstance(rest[0], list | tuple):
            rest = (list(rest[0]), *rest[1:])  # an iterator is read once, here
        charge(estimate(None if static else this, rest, kwargs), what)
        return value(this, *rest, **kwargs) if method else value(*rest, **kwargs)

    return sized_call
