# SPDX-License-Identifier: EUPL-1.2
"""Methods that can build much more than they are given, sized before they run.

The instrumentation (:mod:`engine.sandbox`) turns every load of an attribute named in
:data:`GUARDED_METHODS` into :func:`guarded_attribute`: on a string, bytes, list,
dict, int or date the method comes back wrapped, its result's size estimated from
its arguments (a width, a count of separators, a length) and charged to the running
script's meter before the real method runs. Other objects' attributes of the same
names (``date.replace``) come back as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from engine.sandbox_guards import TEXTS, format_method, items_cost, unit
from engine.sandbox_memory import charge

Estimate = Callable[[Any, tuple[Any, ...], dict[str, Any]], int]


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], i: int, name: str) -> Any:
    return args[i] if len(args) > i else kwargs.get(name)


def _int_arg(args: tuple[Any, ...], kwargs: dict[str, Any], i: int, name: str) -> int:
    value = _arg(args, kwargs, i, name)
    return value if isinstance(value, int) else 0


def _padded(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    fill = _arg(args, kwargs, 1, "fillchar")
    width = _int_arg(args, kwargs, 0, "width")
    return max(len(text), width) * unit(text, fill if fill is not None else "")


def _expandtabs(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    tabsize = _arg(args, kwargs, 0, "tabsize")
    tabsize = tabsize if isinstance(tabsize, int) else 8
    tab = "\t" if isinstance(text, str) else b"\t"
    return int((len(text) + text.count(tab) * max(tabsize, 0)) * unit(text))


def _replace(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    old, new = _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new")
    if not isinstance(old, type(text)) or not isinstance(new, type(text)):
        return 0  # the real call names the wrong argument
    times = text.count(old) if old else len(text) + 1
    count = _arg(args, kwargs, 2, "count")
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return (len(text) + times * max(0, len(new) - len(old))) * unit(text, new)


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
    return 64 * pieces + len(text) * unit(text)  # a small string is ~50 bytes


def _splitlines(text: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    breaks = _LINE_BREAKS if isinstance(text, str) else "\n\r"
    return 64 * _pieces(text, breaks) + len(text) * unit(text)


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
    **{(kind, name): _padded for kind in TEXTS for name in _PADDING},
    **{(kind, "expandtabs"): _expandtabs for kind in TEXTS},
    **{(kind, "replace"): _replace for kind in TEXTS},
    **{(kind, "join"): _join for kind in TEXTS},
    **{(kind, name): _split for kind in TEXTS for name in ("split", "rsplit")},
    **{(kind, "splitlines"): _splitlines for kind in TEXTS},
    **{(kind, "maketrans"): _many_keys for kind in TEXTS},
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
