# SPDX-License-Identifier: EUPL-1.2
"""The inbox services the pages and the REST API share: visibility, counts, the
task actions and their refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from core.contracts import FormValidationError
from domain import cases, inbox
from domain.accounts import services as accounts
from engine.errors import Conflict, NotFound
from engine.models import UserTask
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI, T0

StartCase = Callable[..., cases.ServiceCase]
CLERK = inbox.Viewer("lietvede", MUNI, frozenset({"lietvedis"}))
COLLEAGUE = inbox.Viewer("kolege", MUNI, frozenset({"lietvedis"}))
FINANCE = inbox.Viewer("finansiste", MUNI, frozenset({"finansists"}))
BOSS = inbox.Viewer("vaditaja", MUNI, frozenset({"vaditajs"}), supervisor=True)


def _task(session: Session, case: cases.ServiceCase) -> UserTask:
    return session.scalars(
        select(UserTask).where(
            UserTask.instance_id == case.instance_id, UserTask.state == UserTask.READY
        )
    ).one()


def _page(session: Session, viewer: inbox.Viewer, **flt: object) -> inbox.InboxPage:
    return inbox.inbox(
        session,
        viewer,
        inbox.InboxFilter(**flt),  # type: ignore[arg-type]
        now=T0,
        calendar=WorkingCalendar(),
    )


def test_visibility_and_counts(start_case: StartCase, db_session: Session) -> None:
    trees = [start_case("tree_felling") for _ in range(3)]
    start_case("dog_fee")  # finansists
    start_case("tree_felling", municipality=OTHER_MUNI)
    mine = _task(db_session, trees[0])
    mine.assignee = CLERK.username
    theirs = _task(db_session, trees[1])
    theirs.assignee = COLLEAGUE.username
    db_session.flush()

    page = _page(db_session, CLERK)
    assert {i.task.id for i in page.items} == {mine.id, _task(db_session, trees[2]).id}
    assert page.counts.status == {"": 2, "mine": 1, "group": 1}
    assert page.counts.process == {"tree_felling": 2}
    assert page.counts.total == 2 and page.counts.due[""] == 2
    item = next(i for i in page.items if i.task.id == mine.id)
    assert item.case_number == trees[0].number
    assert item.client_masked == "16****-****7"
    assert item.process_name == "Koku ciršanas atļauja"
    # registration is due the next working day: at risk, not overdue
    assert item.at_risk and not item.overdue

    assert _page(db_session, FINANCE).counts.total == 1
    boss = _page(db_session, BOSS, status="all")
    assert boss.counts.status["all"] == 4 and boss.counts.total == 4
    # "all" is for supervisors only: a clerk asking for it gets the default
    assert _page(db_session, CLERK, status="all").filter.status == ""


def test_due_limits_follow_the_riga_calendar() -> None:
    limits = inbox.DueLimits.at(T0, WorkingCalendar())  # Monday 09:00 in Riga
    assert limits.today_start.isoformat() == "2026-03-02T00:00:00+02:00"
    assert limits.week_end.isoformat() == "2026-03-08T23:59:59+02:00"
    assert limits.at_risk_end.isoformat() == "2026-03-04T23:59:59+02:00"
    assert limits.is_overdue(T0 - timedelta(seconds=1))
    assert not limits.is_at_risk(T0 - timedelta(seconds=1))
    assert limits.is_at_risk(limits.at_risk_end)
    assert not limits.is_at_risk(limits.at_risk_end + timedelta(seconds=1))
    assert not limits.is_overdue(None) and not limits.is_at_risk(None)


def test_claim_unclaim_assign_and_refusals(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    accounts.create_user(
        db_session,
        username="kolege",
        municipality=MUNI,
        password="parole-123456",
        roles=("specialist",),
        departments=("lietvedis",),
        full_name="Kolēģe",
        email="kolege@example.lv",
    )
    task = _task(db_session, start_case("tree_felling"))
    with pytest.raises(NotFound):  # another department's task is not there
        inbox.claim(engine, FINANCE, task.id)
    with pytest.raises(NotFound):
        inbox.claim(
            engine, inbox.Viewer("x", OTHER_MUNI, frozenset({"lietvedis"})), task.id
        )
    inbox.claim(engine, CLERK, task.id)
    with pytest.raises(Conflict):
        inbox.claim(engine, COLLEAGUE, task.id)
    with pytest.raises(inbox.NotAllowed):
        inbox.unclaim(engine, COLLEAGUE, task.id)
    inbox.unclaim(engine, CLERK, task.id)
    with pytest.raises(Conflict):
        inbox.unclaim(engine, CLERK, task.id)

    with pytest.raises(inbox.NotAllowed):
        inbox.assign(engine, CLERK, task.id, "kolege")
    with pytest.raises(inbox.NotAllowed):  # not a member of lietvedis
        inbox.assign(engine, BOSS, task.id, "vaditaja")
    assert inbox.assign(engine, BOSS, task.id, "kolege").assignee == "kolege"
    with pytest.raises(Conflict):
        inbox.complete(engine, CLERK, task.id, {})
    inbox.unclaim(engine, BOSS, task.id)  # supervisors take it back
    assert task.assignee is None


def test_complete_validates_and_records_the_case_status(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    from tests.engine.factories import TREE_REGISTRATION

    case = start_case("tree_felling")
    task = _task(db_session, case)
    with pytest.raises(FormValidationError):
        inbox.complete(engine, CLERK, task.id, {"tree_count": "divi"})
    assert task.state == UserTask.READY
    inbox.complete(engine, CLERK, task.id, TREE_REGISTRATION)
    assert task.state == UserTask.COMPLETED and task.completed_by == "lietvede"
    assert case.status_label == "Apsekot koku"
    with pytest.raises(Conflict):
        inbox.complete(engine, CLERK, task.id, TREE_REGISTRATION)


def test_task_view_has_the_form_the_data_and_earlier_forms(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    from tests.engine.factories import TREE_REGISTRATION

    case = start_case("tree_felling")
    first = _task(db_session, case)
    view = inbox.task_view(engine, CLERK, first.id)
    assert view.schema is not None and "cadastre_number" in view.schema["properties"]
    assert view.data["case_number"] == case.number and view.earlier == []
    assert inbox.initial_values(view.schema, view.data) == {
        "applicant_code": "161175-19997"
    }
    inbox.complete(engine, CLERK, first.id, TREE_REGISTRATION)
    second = _task(db_session, case)
    specialist = inbox.Viewer("specialists", MUNI, frozenset({"specialists"}))
    view = inbox.task_view(engine, specialist, second.id)
    assert [e.form_key for e in view.earlier] == ["tree_felling_registration"]
    assert view.data["species"] == "Parastā liepa"
    assert view.colleagues == []  # only supervisors assign
    assert inbox.task_view(engine, BOSS, second.id).colleagues == []  # nobody there
