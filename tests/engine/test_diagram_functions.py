# SPDX-License-Identifier: EUPL-1.2
"""The functions diagrams may call: bound to the engine's clock and calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.calendar import WorkingCalendar
from engine.diagram_functions import diagram_functions
from engine.scripting import RestrictedScriptEngine


def test_working_days_from_now_skips_holidays_and_is_a_timer_date() -> None:
    # Thursday 30.04.2026: 1 May (Fri) and 4 May (Mon) are public holidays
    now = datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
    functions = diagram_functions(WorkingCalendar(), lambda: now)
    due = functions["working_days_from_now"](2)
    assert due == "2026-05-06T20:59:59+00:00"  # Wednesday, 23:59:59 Riga
    assert datetime.fromisoformat(due).tzinfo is not None
    with pytest.raises(ValueError, match="0..366"):
        functions["working_days_from_now"](-1)


def test_a_script_calls_it_in_the_sandbox() -> None:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    scripts = RestrictedScriptEngine(
        functions=diagram_functions(WorkingCalendar(), lambda: now)
    )
    found = scripts.environment.evaluate("working_days_from_now(days)", {"days": 5})
    assert found == "2026-03-09T21:59:59+00:00"  # Monday 9 March, 23:59:59 Riga
