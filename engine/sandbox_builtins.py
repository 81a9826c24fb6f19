# SPDX-License-Identifier: EUPL-1.2
"""What a sandboxed script can call at run time, and the limits those calls enforce.

The second and third of the sandbox's layers (see :mod:`engine.sandbox` for all
three): the whitelist :data:`SAFE_BUILTINS`; the guards the instrumentation puts in
place of ``*``, ``**``, ``<<`` and their augmented forms; ``range`` and ``Decimal``
limited to :data:`MAX_ITEMS` and :data:`MAX_DECIMAL_EXPONENT`; the decimal context
every run uses; the deadline check (``tick``) and the deadline-checking ``map``,
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

from engine.sandbox_check import _AUG_ITEM, _LSHIFT, _MUL, _POW

MAX_ITEMS = 1_000_000
"""Largest ``range``, and largest str/bytes/list/tuple that ``*`` may repeat into."""

MAX_INT_BITS = 100_000
"""Largest integer (about 30,000 digits) that ``*``, ``**`` and ``<<`` may produce."""

MAX_DECIMAL_EXPONENT = 10_000
"""Largest exponent, either sign, of a ``Decimal`` built or computed by a script."""


class ScriptLimitExceeded(OverflowError):
    """An operation would build a number or sequence larger than the sandbox allows."""


class _TimeUp(BaseException):
    # A BaseException so that `except Exception:` in a script cannot swallow it (bare
    # `except:` is refused statically); converted to ScriptTimeout at the boundary.
    pass


# ---------------------------------------------------------------- runtime guards

_Sequence = (str, bytes, list, tuple)


def _too_big(what: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"{what} would exceed the sandbox's size limit")


def _guarded_mul(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_big("the product")
    else:
        seq, times = (left, right) if isinstance(left, _Sequence) else (right, left)
        if (
            isinstance(seq, _Sequence)
            and isinstance(times, int)
            and len(seq) * times > MAX_ITEMS
        ):
            raise _too_big("the repetition")
    return left * right


def _guarded_pow(base: Any, exponent: Any) -> Any:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base) > 1
        and exponent > 0
        and (base.bit_length() - 1) * exponent > MAX_INT_BITS
    ):
        raise _too_big("the power")
    return base**exponent


def _guarded_lshift(value: Any, shift: Any) -> Any:
    if (
        isinstance(value, int)
        and isinstance(shift, int)
        and shift > 0
        and value.bit_length() + shift > MAX_INT_BITS
    ):
        raise _too_big("the shift")
    return value << shift


_GUARDS: dict[str, Callable[[Any, Any], Any]] = {
    _MUL: _guarded_mul,
    _POW: _guarded_pow,
    _LSHIFT: _guarded_lshift,
}


def _aug_item(container: Any, key: Any, guard: str, value: Any) -> None:
    container[key] = _GUARDS[guard](container[key], value)


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


def _make_tick(time_limit: float) -> Callable[[], bool]:
    deadline = time.monotonic() + time_limit

    def tick() -> bool:
        if time.monotonic() > deadline:
            raise _TimeUp
        return True

    return tick


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
    abs, all, any, bool, chr, dict, divmod, float, format, frozenset, int,
    isinstance, len, list, max, min, next, ord, repr, reversed, round, set, sorted,
    str, sum, tuple,
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
        _MUL: _guarded_mul,
        _POW: _guarded_pow,
        _LSHIFT: _guarded_lshift,
        _AUG_ITEM: _aug_item,
    }
)
"""What a script can name besides task data (``True``/``False``/``None`` are keywords).

``range`` is limited to :data:`MAX_ITEMS` items; each run adds deadline-checking
``map``, ``filter``, ``zip``, ``enumerate`` and one-argument ``iter``."""
