# SPDX-License-Identifier: EUPL-1.2
"""A controllable clock for timers.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly. The engine
must decide "is this timer due" against its own clock (tests move it; the timer job
passes the time it swept at), so the timer module's ``datetime`` name is bound to a
subclass whose ``now()`` asks a context variable. Outside ``use_clock`` it is the real
time, so nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


def real_now() -> datetime:
    return datetime.now(UTC)


_current: ContextVar[Callable[[], datetime] | None] = ContextVar(
    "pkip_clock", default=None
)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _ClockedDatetime:
        source = _current.get()
        if source is None:
            return super().now(tz)
        moment = source()
        if tz is not None:
            moment = moment.astimezone(tz)
        return cls.fromtimestamp(moment.timestamp(), moment.tzinfo)


_spiff_timer.datetime = _ClockedDatetime


@contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, SpiffWorkflow's timers see ``clock()`` as the current time."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class ManualClock:
    """A clock that stands still until moved (tests, the analysts' ``bpmn run``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or real_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now
