# SPDX-License-Identifier: EUPL-1.2
"""The supervision numbers (domain/supervision.py) on seeded tasks and instances,
with the engine's clock standing at T0 (Monday 02.03.2026 09:00 in Riga)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain import supervision
from domain.accounts import services as accounts
from domain.accounts.models import User
from domain.models import Municipality
from engine.models import ProcessInstance
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.supervision_data import AT_RISK_UNTIL, seed_supervision

DEPARTMENTS = {
    "lietvedis": "Lietvedība",
    "specialists": "Speciālisti",
    "finansists": "Finanšu nodaļa",
    "vaditajs": "Vadība",
}


@pytest.fixture
def ilze(db_session: Session) -> User:
    for code in (MUNI, OTHER_MUNI):
        if db_session.get(Municipality, code) is None:
            db_session.add(Municipality(code=code, name=code.title(), atvk=None))
        db_session.flush()
        for key, name in DEPARTMENTS.items():
            accounts.ensure_department(db_session, code, key, name)
    return accounts.create_user(
        db_session,
        username="ilze",
        full_name="Ilze Bērziņa",
        municipality=MUNI,
        password="test-parole-1",  # noqa: S106
        roles=("specialist",),
        departments=("lietvedis",),
    )


@pytest.fixture
def seeded(
    db_session: Session, deployed: dict[str, int], ilze: User, platform: Platform
) -> dict[str, ProcessInstance]:
    return seed_supervision(db_session, deployed, platform.pii)


def test_frame_counts_working_days_and_weeks() -> None:
    frame = supervision.frame(T0, WorkingCalendar())
    assert frame.at_risk_until == AT_RISK_UNTIL
    assert frame.week_labels[0] == date(2025, 12, 15)
    assert frame.week_labels[-1] == date(2026, 3, 2)
    assert len(frame.week_labels) == supervision.WEEKS


def test_deadline_numbers(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    frame = supervision.frame(T0, WorkingCalendar())
    d = supervision.deadlines(db_session, MUNI, frame, {"tree_felling": "Koki"})
    t = d.total
    assert (t.open, t.overdue, t.at_risk, t.unassigned, t.breached) == (6, 2, 2, 4, 1)

    def by(rows: list[supervision.Row]) -> dict[str | None, tuple[int, ...]]:
        return {
            r.key: (
                r.counts.open,
                r.counts.unassigned,
                r.counts.overdue,
                r.counts.at_risk,
                r.counts.breached,
            )
            for r in rows
        }

    assert by(d.by_department) == {
        "lietvedis": (2, 1, 1, 1, 0),
        "specialists": (1, 0, 1, 0, 0),
        "finansists": (3, 3, 0, 1, 1),
    }
    assert by(d.by_process) == {
        "tree_felling": (3, 1, 2, 1, 0),
        "dog_fee": (3, 3, 0, 1, 1),
    }
    assert by(d.by_person) == {
        "ilze": (2, 0, 1, 1, 1),
        None: (4, 4, 1, 1, 0),
    }
    labels = {r.key: r.label for r in d.by_person + d.by_process + d.by_department}
    assert labels["ilze"] == "Ilze Bērziņa"
    assert labels["tree_felling"] == "Koki"
    assert labels["finansists"] == "Finanšu nodaļa"


def test_cycle_time_percentiles_against_the_target(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    calendar = WorkingCalendar()
    frame = supervision.frame(T0, calendar)
    found = {
        c.process_key: c
        for c in supervision.cycle_times(
            db_session,
            MUNI,
            frame,
            calendar,
            {"tree_felling": ("Koki", 30), "dog_fee": ("Suņi", 30)},
        )
    }
    target_days = (
        calendar.add_working_days(date(2026, 3, 2), 30) - date(2026, 3, 2)
    ).days
    tree = found["tree_felling"]
    assert (tree.completed, tree.p50_days, tree.p90_days) == (5, 3.0, 7.6)
    assert tree.target_working_days == 30
    assert tree.target_days == target_days
    assert not tree.p50_over and not tree.p90_over
    dog = found["dog_fee"]
    assert (dog.completed, dog.p50_days, dog.p90_days) == (1, 60.0, 60.0)
    assert dog.p50_over and dog.p90_over


def test_started_and_completed_per_week(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    weeks = supervision.weekly(
        db_session, MUNI, supervision.frame(T0, WorkingCalendar())
    )
    by_start = {w.start: (w.started, w.completed) for w in weeks}
    assert by_start == {
        date(2025, 12, 15): (0, 0),
        date(2025, 12, 22): (0, 0),
        date(2025, 12, 29): (1, 0),  # the 60-day dog fee case
        date(2026, 1, 5): (0, 0),
        date(2026, 1, 12): (0, 0),
        date(2026, 1, 19): (0, 0),
        date(2026, 1, 26): (0, 0),
        date(2026, 2, 2): (0, 0),
        date(2026, 2, 9): (1, 0),  # c
        date(2026, 2, 16): (2, 0),  # b, the 10-day case
        date(2026, 2, 23): (5, 6),  # 4 short cases + the cancelled; 6 completed
        date(2026, 3, 2): (1, 0),  # a
    }


def test_waiting_per_element(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    found = supervision.waiting_by_element(db_session, MUNI, "tree_felling", T0)
    assert [(w.element_id, w.count, w.overdue) for w in found] == [
        ("register_application", 2, 1),
        ("inspect_trees", 1, 1),
    ]


def test_open_incidents_of_the_municipality(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    total, incidents = supervision.open_incidents(db_session, MUNI)
    assert total == 1
    assert [i.instance_id for i in incidents] == [seeded["a"].id]
    assert incidents[0].process_key == "tree_felling"
    assert incidents[0].case_number == "PKIP-2026-000042"
