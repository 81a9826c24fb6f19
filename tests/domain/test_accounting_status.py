# SPDX-License-Identifier: EUPL-1.2
"""The case status model: what the engine's view of a case becomes, the PSPP
mapping, and planned dates in Latvian working days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.systems.pspp import contract
from core.calendar import WorkingCalendar
from domain.accounting import status as model


@pytest.mark.parametrize(
    ("case_status", "waits", "expected"),
    [
        ("in_progress", False, ("in_progress",)),
        ("waiting", True, ("waiting_for_client",)),
        ("waiting", False, ("in_progress",)),  # a timer or a delivery: ours to move
        ("suspended", False, ()),
        ("completed", False, ("decided", "result_delivered", "closed")),
        ("cancelled", False, ("cancelled",)),
    ],
)
def test_derive(case_status: str, waits: bool, expected: tuple[str, ...]) -> None:
    assert model.derive(case_status, waits) == expected


def test_every_status_has_a_label_and_maps_into_the_contract() -> None:
    pspp = set(contract.enum("CaseStatus"))
    assert set(model.LABELS) == set(model.STATUSES) == set(model.PSPP_STATUS)
    reported = {s for s in model.PSPP_STATUS.values() if s is not None}
    assert reported <= pspp
    assert set(model.PSPP_CHANNEL.values()) <= set(contract.enum("Channel"))


def test_planned_dates_skip_weekends_and_public_holidays() -> None:
    calendar = WorkingCalendar()
    # Thursday 30.04.2026: 1 May (Fri) and 4 May (Mon) are public holidays
    registered = datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
    due = model.planned("registered", registered, 20, calendar)
    assert due == datetime(2026, 5, 5, 20, 59, 59, tzinfo=UTC)  # 23:59:59 Riga
    decided = model.planned("decided", registered, 20, calendar)
    delivered = model.planned("result_delivered", registered, 20, calendar)
    assert decided is not None and delivered is not None
    assert calendar.working_days_between(decided.date(), delivered.date()) == 2
    assert model.planned("waiting_for_client", registered, 20, calendar) is None
    assert model.planned("submitted", registered, 20, calendar) is None


@pytest.mark.parametrize(
    ("meta", "term"),
    [
        ({"process": {"targetWorkingDays": "30"}}, 30),
        ({"process": {"targetWorkingDays": "nav"}}, model.DEFAULT_TERM_WORKING_DAYS),
        ({"process": {"targetWorkingDays": "0"}}, model.DEFAULT_TERM_WORKING_DAYS),
        ({}, model.DEFAULT_TERM_WORKING_DAYS),
        (None, model.DEFAULT_TERM_WORKING_DAYS),
    ],
)
def test_term_of(meta: dict[str, object] | None, term: int) -> None:
    assert model.term_of(meta) == term


@pytest.mark.parametrize(
    ("case_status", "passed", "marked", "expected"),
    [
        # the decision step ran; the PDF is on its way
        ("waiting", ("decided",), {"decided"}, ("decided", "in_progress")),
        # a diagram marking both: only the marks decide, the end only closes
        ("completed", (), {"decided", "result_delivered"}, ("closed",)),
        (
            "completed",
            ("decided", "result_delivered"),
            {"decided", "result_delivered"},
            ("decided", "result_delivered", "closed"),
        ),
        # a diagram marking only the decision: the delivery comes with the end
        (
            "completed",
            ("decided",),
            {"decided"},
            ("decided", "result_delivered", "closed"),
        ),
    ],
)
def test_derive_with_marked_steps(
    case_status: str,
    passed: tuple[str, ...],
    marked: set[str],
    expected: tuple[str, ...],
) -> None:
    assert model.derive(case_status, False, passed=passed, marked=marked) == expected


def test_marked_elements_and_client_turn_read_the_definition_meta() -> None:
    meta = {
        "tasks": {
            "decision_taken": {"caseStatus": "decided"},
            "result_delivered": {"caseStatus": "result_delivered"},
            "odd": {"caseStatus": "closed"},  # not a status a step may mark
            "wait_handover": {"clientTurn": "false"},
            "wait_payment": {},
        }
    }
    assert model.marked_elements(meta) == {
        "decision_taken": "decided",
        "result_delivered": "result_delivered",
    }
    assert model.client_turn(meta, "wait_payment") is True
    assert model.client_turn(meta, "wait_handover") is False
    assert model.client_turn(None, "anything") is True
