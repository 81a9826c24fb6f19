# SPDX-License-Identifier: EUPL-1.2
"""Functions a diagram's scripts and expressions may call, by name.

Trusted code (the sandbox neither interrupts nor meters it), kept small: each takes
plain values and returns plain values, so task data stays serializable. The engine
binds them to its clock and its Latvian working-day calendar
(:class:`engine.advance.EngineCore`), so a timer set from a script agrees with the
task index's due dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.calendar import WorkingCalendar

DESCRIPTIONS = {
    "working_days_from_now": (
        "working_days_from_now(n): the end (23:59:59 Riga time) of the n-th Latvian"
        " working day from today, as an ISO 8601 time — for a timer's timeDate"
    ),
}


def diagram_functions(
    calendar: WorkingCalendar, clock: Callable[[], datetime]
) -> dict[str, Callable[..., Any]]:
    """The functions bound to ``calendar`` and ``clock``."""

    def working_days_from_now(days: Any) -> str:
        count = int(days)
        if count < 0 or count > 366:
            raise ValueError("working_days_from_now: days must be 0..366")
        return calendar.due_at(clock(), working_days=count).isoformat()

    return {"working_days_from_now": working_days_from_now}
