# SPDX-License-Identifier: EUPL-1.2
"""What a sandboxed script can call at run time, and the limits those calls enforce.

The second and third of the sandbox's layers (see :mod:`engine.sandbox` for all
three): the whitelist :data:`SAFE_BUILTINS`, with the guards the instrumentation
calls (their sizing is in :mod:`engine.sandbox_guards`, the memory meter in
:mod:`engine.sandbox_memory`); ``range`` and ``Decimal`` limited to :data:`MAX_ITEMS`
and :data:`MAX_DECIMAL_EXPONENT`; ``str``, ``repr``, ``format`` and ``sum`` sized
before they build; the decimal context every run uses; the deadline check
(``tick``, which also measures the memory) and the deadline-checking ``map``,
``filter``, ``zip``, ``enumerate`` and ``iter`` that each run adds.
:class:`~engine.sandbox.RestrictedEnvironment` puts them together for every run.
"""

from __future__ import annotations

import decimal
import math
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from engine.sandbox_check import _ATTR, _AUG_ITEM, _FIELD, _FSTRING, _SIZED
from engine.sandbox_guards import (
    MAX_INT_BITS,
    MAX_ITEMS,
    OPERATORS,
    SHORT_TEXT,
    aug_item,
    field_size,
    fstring,
    fstring_field,
    items_cost,
    sized,
    too_big,
)
from engine.sandbox_memory import (
    SAMPLE_INTERVAL,
    Meter,
    ScriptLimitExceeded,
    ScriptMemoryExceeded,
    charge,
)
from engine.sandbox_methods import guarded_attribute

__all__ = [
    "MAX_DECIMAL_EXPONENT",
    "MAX_INT_BITS",
    "MAX_ITEMS",
    "SAFE_BUILTINS",
    "ScriptLimitExceeded",
    "ScriptMemoryExceeded",
]

MAX_DECIMAL_EXPONENT = 10_000
"""Largest exponent, either sign, of a ``Decimal`` built or computed by a script."""


class _TimeUp(BaseException):
    # A BaseException so that `except Exception:` in a script cannot swallow it (bare
    # `except:` is refused statically); converted to ScriptTimeout at the boundary.
    pass


# ---------------------------------------------------------------- runtime guards

_too_big = too_big


class _LimitedRange:
    """``range`` that refuses more than MAX_ITEMS items (``sum`` of one runs in C).

    An instance without ``__dict__``, not a function: everything in the builtins is
    shared by all instances in the process, and a settable attribute
    (``range.note = data``) would be a channel from one municipality's instance to
    another's.
    """

    __slots__ = ()

    def __call__(self, *args: int) -> range:
        result = range(*args)
        try:
            size = len(result)
        except OverflowError:
            size = MAX_ITEMS + 1
        if size > MAX_ITEMS:
            raise _too_big("the range")
        charge(items_cost(result), "the range")  # list(r), set(r) make every int
        return result


class _DecimalType(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, Decimal)

    # A Python class is mutable; shared by every instance in the process, it must not
    # be (`Decimal.from_float = abs` would change other diagrams' results).
    def __setattr__(cls, name: str, value: object) -> None:
        raise TypeError("Decimal cannot be modified")

    def __delattr__(cls, name: str) -> None:
        raise TypeError("Decimal cannot be modified")


class _SandboxDecimal(Decimal, metaclass=_DecimalType):
    """``Decimal`` for scripts: refuses huge exponents, returns a plain ``Decimal``.

    ``int(Decimal("1e1000000"))`` runs for half a minute inside one C call, beyond
    the reach of the deadline checks. Arithmetic is bounded by the context that
    ``_run`` installs; construction ignores the context, hence this check. The
    metaclass keeps ``isinstance(x, Decimal)`` true for every ``Decimal``.
    """

    def __new__(cls, value: Any = "0", context: Any = None) -> Decimal:  # type: ignore[misc]
        result = Decimal(value, context)
        if result.is_finite():
            exponent = result.as_tuple().exponent
            assert isinstance(exponent, int)  # finite numbers have an int exponent
            if max(abs(result.adjusted()), abs(exponent)) > MAX_DECIMAL_EXPONENT:
                raise _too_big("the decimal number")
        return result


_DECIMAL_CONTEXT = decimal.Context(
    Emax=MAX_DECIMAL_EXPONENT, Emin=-MAX_DECIMAL_EXPONENT
)


def _make_tick(time_limit: float, meter: Meter) -> Callable[[], bool]:
    """The deadline check; every ``SAMPLE_INTERVAL`` it also measures the memory."""
    started = time.monotonic()
    deadline = started + time_limit
    next_check = min(deadline, started + SAMPLE_INTERVAL)

    def tick() -> bool:
        nonlocal next_check
        now = time.monotonic()
        if now > next_check:  # one comparison on the common path, as before
            if now > deadline:
                raise _TimeUp
            meter.measure()
            next_check = min(deadline, now + SAMPLE_INTERVAL)
        return True

    return tick


# ---------------------------------------------------------------- sized builtins


class _StrType(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, str)

    def __setattr__(cls, name: str, value: object) -> None:
        raise TypeError("str cannot be modified")

    def __delattr__(cls, name: str) -> None:
        raise TypeError("str cannot be modified")


class _SandboxStr(str, metaclass=_StrType):
    """``str`` for scripts: ``str(x)`` of a container is sized before it is built.

    Forty nested ``a = [a, a]`` are forty small lists whose text is a terabyte. The
    metaclass keeps ``isinstance(x, str)`` and ``str.upper`` working as before.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> str:  # type: ignore[misc]
        if (
            len(args) == 1
            and not kwargs
            and type(args[0]) not in SHORT_TEXT  # str(5): as fast as it can be
            and not isinstance(args[0], str)
        ):
            charge(field_size(args[0], None, ""), "str()")
        return str(*args, **kwargs)


class _Shared:
    """A builtin for scripts as an object without ``__dict__``.

    A function would take attributes (``format.note = data``): a channel from one
    municipality's instance to another's, as everything here is shared.
    """

    __slots__ = ("_function",)

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)


def _repr(obj: Any, /) -> str:
    charge(field_size(obj, "r", ""), "repr()")
    return repr(obj)


def _format(value: Any, format_spec: str = "", /) -> str:
    if format_spec or not isinstance(value, str):  # format(s) is s itself
        charge(field_size(value, None, format_spec), "format()")
    return format(value, format_spec)


def _sum(iterable: Any, /, start: Any = 0) -> Any:
    if not isinstance(start, list | tuple):
        return sum(iterable, start)
    # sum(lists, []) copies every list into the result: sized first.
    items = iterable if isinstance(iterable, list | tuple) else list(iterable)
    try:
        size = 8 * (len(start) + sum(map(len, items)))
    except TypeError:  # not sequences: the real sum says so
        size = 0
    charge(size, "sum()")
    return sum(items, start)


def _ticking_iterators(tick: Callable[[], bool]) -> dict[str, Callable[..., Any]]:
    """``map``, ``filter``, ``zip``, ``enumerate``, ``iter`` that check the deadline.

    The built-in ones iterate in C, out of sight of the inserted checks, so
    ``any(map(l.append, l))`` or ``l.extend(zip(l))`` would spin inside one call for
    ever; and ``iter(f, sentinel)`` never ends. These yield from Python instead.
    """

    def map_(function: Any, iterable: Any, /, *iterables: Any) -> Iterator[Any]:
        # strict=False: map stops at the shortest iterable.
        for args in zip(iterable, *iterables, strict=False):
            tick()
            yield function(*args)

    def filter_(function: Any, iterable: Any, /) -> Iterator[Any]:
        for item in iterable:
            tick()
            if item if function is None else function(item):
                yield item

    def zip_(*iterables: Any, strict: bool = False) -> Iterator[tuple[Any, ...]]:
        for item in zip(*iterables, strict=strict):
            tick()
            yield item

    def enumerate_(iterable: Any, start: int = 0) -> Iterator[tuple[int, Any]]:
        for item in enumerate(iterable, start):
            tick()
            yield item

    def iter_(iterable: Any, /) -> Iterator[Any]:  # no iter(callable, sentinel)
        for item in iterable:
            tick()
            yield item

    return {
        "map": map_,
        "filter": filter_,
        "zip": zip_,
        "enumerate": enumerate_,
        "iter": iter_,
    }


# ---------------------------------------------------------------- builtins

_SAFE_FUNCTIONS: tuple[Any, ...] = (
    abs, all, any, bool, chr, dict, divmod, float, frozenset, int, isinstance, len,
    list, max, min, next, ord, reversed, round, set, sorted, tuple,
)  # fmt: skip
_SAFE_EXCEPTIONS: tuple[type[Exception], ...] = (
    Exception, ArithmeticError, AssertionError, AttributeError, IndexError, KeyError,
    LookupError, NameError, OverflowError, RuntimeError, StopIteration, TypeError,
    ValueError, ZeroDivisionError,
)  # fmt: skip

SAFE_BUILTINS: Mapping[str, Any] = MappingProxyType(
    {
        **{f.__name__: f for f in _SAFE_FUNCTIONS + _SAFE_EXCEPTIONS},
        "range": _LimitedRange(),
        "str": _SandboxStr,
        "repr": _Shared(_repr),
        "format": _Shared(_format),
        "sum": _Shared(_sum),
        # Dates and money: classes only (their non-underscore attributes lead nowhere);
        # never a module, whose attributes include other modules.
        "datetime": datetime,
        "date": date,
        "timedelta": timedelta,
        "timezone": timezone,
        "Decimal": _SandboxDecimal,
        "ROUND_HALF_UP": ROUND_HALF_UP,
        "floor": math.floor,
        "ceil": math.ceil,
        **OPERATORS,
        _AUG_ITEM: aug_item,
        _ATTR: guarded_attribute,
        _FIELD: fstring_field,
        _FSTRING: fstring,
        _SIZED: sized,
    }
)
"""What a script can name besides task data (``True``/``False``/``None`` are keywords).

``range`` is limited to :data:`MAX_ITEMS` items; ``str``, ``repr``, ``format`` and
``sum`` size their result first (:mod:`engine.sandbox_guards`); each run adds
deadline-checking ``map``, ``filter``, ``zip``, ``enumerate`` and one-argument
``iter``."""
