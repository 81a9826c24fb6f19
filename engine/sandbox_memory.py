# SPDX-License-Identifier: EUPL-1.2
"""The sandbox's memory limit: the meter every run charges, and size estimates.

Two parts (the why is in docs/engine.md, "Scripts"):

* **Sizing before allocating.** Every operation that can build a result much larger
  than its inputs (``*``, ``+``, ``%``, ``ljust``, ``format`` widths, ``join``,
  ``replace`` …, see :mod:`engine.sandbox_guards`) estimates the result's size first
  and charges it to the run's :class:`Meter`, which refuses it when it would take the
  run past its limit. Nothing big is allocated and checked after.
* **The process's own growth as the safety net.** Charges are estimates and some
  allocations are not charged at all (``append`` in a loop), so the meter also
  measures the resident set size (``/proc/self/statm``, about 15 µs) — every few
  milliseconds of a running script (from the deadline check in every loop) and
  whenever a quarter of the limit was charged since the last measurement. Charges
  that were freed again (a string rebuilt in a loop) thus never add up to a false
  refusal; memory that stays is found within a fraction of the limit.

A breach raises :class:`_OutOfMemory`, a ``BaseException`` that a script's
``except Exception`` cannot swallow; the environment turns it into
:class:`ScriptMemoryExceeded` at the boundary.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any

MB = 1024 * 1024

DEFAULT_MEMORY_LIMIT = 64 * MB
"""Bytes one evaluation or script execution may add to the process."""

SMALL = 1024
"""Results smaller than this are not charged: they cannot matter one by one, and
loops of them are found by the resident-size measurements."""

SAMPLE_INTERVAL = 0.002
"""Seconds of a running script between two measurements of the resident size."""


class ScriptLimitExceeded(OverflowError):
    """An operation would build a number or sequence larger than the sandbox allows."""


class ScriptMemoryExceeded(ScriptLimitExceeded):
    """A script or expression would use more memory than its limit; it was stopped."""

    def __init__(self, limit: int, reason: str, element: str | None = None) -> None:
        self.limit = limit
        self.reason = reason
        self.element = element
        where = f" elementā '{element}'" if element else ""
        super().__init__(
            f"Skripts pārsniedza atmiņas ierobežojumu ({limit / MB:g} MB){where}: "
            f"{reason} (script exceeded its memory limit)"
        )

    def at(self, element: str | None) -> ScriptMemoryExceeded:
        """The same breach, naming the diagram element whose code it was."""
        return ScriptMemoryExceeded(self.limit, self.reason, element)


class _OutOfMemory(BaseException):
    # A BaseException so that `except Exception:` in a script cannot catch it and
    # carry on (the same reason as _TimeUp); converted at the boundary.
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- resident size

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int | None:
    """The process's resident set size, or None where /proc is not available."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            raw = os.read(fd, 128)
        finally:
            os.close(fd)
        return int(raw.split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


class Meter:
    """What one run may still allocate: charged estimates checked against growth.

    The run's growth as far as known is ``measured`` (the resident size's growth
    since the first measurement, plus what was charged before it) and
    ``unmeasured`` (charged since the last measurement, assumed kept). The first
    measurement waits until an eighth of the limit was charged or the script has
    run for ``SAMPLE_INTERVAL``: most scripts never pay for one. Without /proc
    every charge counts as kept.
    """

    __slots__ = ("limit", "baseline", "before_baseline", "measured", "unmeasured")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.baseline: int | None = None
        self.before_baseline = 0
        self.measured = 0
        self.unmeasured = 0

    def charge(self, size: int, what: str, *, keep: bool = True) -> None:
        """Admit an allocation of about ``size`` bytes, or raise before it happens.

        ``keep=False`` only checks: for pieces that are joined later, whose total
        is charged then.
        """
        if size < SMALL:
            return
        pending = self.unmeasured + size
        # Measuring costs ~15 µs: not for every small script's first charge. Until
        # the first measurement every charge counts as kept (see measure()).
        if pending > self.limit // 8 or self.measured + pending > self.limit:
            self.measure()  # the real growth so far, maybe with something freed
        used = self.measured + self.unmeasured
        if used + size > self.limit:
            raise _OutOfMemory(
                f"{what} would take about {_mb(size)} more, with {_mb(used)} in use"
            )
        if keep:
            self.unmeasured += size

    def measure(self) -> None:
        """Measure the growth so far; raise when it is past the limit."""
        rss = resident_bytes()
        if rss is None:
            self.measured += self.unmeasured
        elif self.baseline is None:
            # Charged before the baseline (at most an eighth of the limit): kept.
            self.baseline = rss
            self.before_baseline = self.measured = self.measured + self.unmeasured
        else:
            self.measured = self.before_baseline + max(0, rss - self.baseline)
        self.unmeasured = 0
        if self.measured > self.limit:
            raise _OutOfMemory(f"the script has grown by {_mb(self.measured)}")


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


_CURRENT: ContextVar[Meter | None] = ContextVar("pkip_script_meter", default=None)


def current_meter() -> Meter:
    """The running script's meter (outside a run: a fresh one with the default)."""
    meter = _CURRENT.get()
    return meter if meter is not None else Meter(DEFAULT_MEMORY_LIMIT)


def use_meter(meter: Meter) -> Any:
    """Make ``meter`` the current one; returns the token for :func:`reset_meter`."""
    return _CURRENT.set(meter)


def reset_meter(token: Any) -> None:
    _CURRENT.reset(token)


def charge(size: int, what: str, *, keep: bool = True) -> None:
    """Charge the running script's meter (see :meth:`Meter.charge`)."""
    if size >= SMALL:
        current_meter().charge(size, what, keep=keep)


# ---------------------------------------------------------------- size estimates


def char_bytes(*texts: Any) -> int:
    """Bytes per character of a string built from ``texts`` (4 unless all ASCII)."""
    for text in texts:
        if isinstance(text, str) and not text.isascii():
            return 4
    return 1


_FIXED_TEXT: dict[type, int] = {
    bool: 5,
    type(None): 4,
    float: 330,  # 'f' formatting of 1e308 has 309 digits
    complex: 660,
    date: 40,
    datetime: 60,
    time: 40,
    timedelta: 60,
}


def _scalar_text(item: Any) -> int | None:
    kind = type(item)
    fixed = _FIXED_TEXT.get(kind)
    if fixed is not None:
        return fixed
    if isinstance(item, int):
        return item.bit_length() * 3 // 10 + 2
    if isinstance(item, str):
        if item.isprintable():
            return len(item) + item.count("\\") + 2
        return 10 * len(item) + 2  # '\U0010ffff' escapes
    if isinstance(item, bytes):
        return 4 * len(item) + 3
    if isinstance(item, Decimal):
        exponent = item.as_tuple().exponent
        spread = abs(exponent) if isinstance(exponent, int) else 0
        return len(item.as_tuple().digits) + spread + 16
    return None


_CONTAINERS = (list, tuple, set, frozenset, dict)
_CONTAINER_TYPES = frozenset(_CONTAINERS)


def _own_text(container: Any, nested: list[Any]) -> int:
    """Characters of ``container``'s text without its nested containers, which are
    put in ``nested``. The hot part of the walk: scalars are sized inline."""
    size = 2 + 4 * len(container)
    items = (
        chain.from_iterable(container.items())
        if isinstance(container, dict)
        else container
    )
    for item in items:
        kind = type(item)
        if kind is str:
            size += len(item) + 2 if item.isprintable() else 10 * len(item) + 2
        elif kind is int:
            size += item.bit_length() * 3 // 10 + 2
        elif kind in _CONTAINER_TYPES:
            nested.append(item)
        else:
            scalar = _scalar_text(item)
            if scalar is None:
                if isinstance(item, _CONTAINERS):
                    nested.append(item)
                else:
                    size += 80  # a function, a range: printed as a short name
            else:
                size += scalar
    return size


def text_size(obj: Any, budget: int) -> int:
    """About how many characters ``repr(obj)`` (or its JSON) has, up to ``budget``.

    Counts shared references every time they appear, as printing or serializing
    does: ``a = [a, a]`` forty times is forty small lists and a terabyte of text.
    Each container is walked once (its size is remembered), so the cost follows
    the memory the object takes, not its text; the count stops as soon as it
    passes ``budget``. A cycle counts as ``[...]``.
    """
    size = _scalar_text(obj)
    if size is not None:
        return size
    if not isinstance(obj, _CONTAINERS):
        return 80
    sizes: dict[int, int] = {}  # the objects stay alive meanwhile: ids are stable
    on_path = {id(obj)}
    nested: list[Any] = []
    total = _own_text(obj, nested)
    # A frame: the container, its nested containers, the next one to visit, size.
    frames: list[list[Any]] = [[obj, nested, 0, total]]
    while total <= budget:
        frame = frames[-1]
        children = frame[1]
        if frame[2] == len(children):
            frames.pop()
            ident = id(frame[0])
            on_path.discard(ident)
            sizes[ident] = frame[3]
            if not frames:
                return int(frame[3])
            frames[-1][3] += frame[3]
            continue
        child = children[frame[2]]
        frame[2] += 1
        ident = id(child)
        if ident in sizes:  # shared: its text again, without walking it again
            frame[3] += sizes[ident]
            total += sizes[ident]
        elif ident in on_path:
            frame[3] += 5
            total += 5
        else:
            on_path.add(ident)
            inner: list[Any] = []
            own = _own_text(child, inner)
            frames.append([child, inner, 0, own])
            total += own
    return total
