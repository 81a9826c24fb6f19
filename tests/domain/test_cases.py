# SPDX-License-Identifier: EUPL-1.2
"""Service cases: numbering (also under concurrency), starting, status, the view."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from domain import cases
from domain.models import Municipality
from engine.clock import ManualClock
from engine.errors import NotFound
from engine.models import ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR
from tests.domain.conftest import DOG_OWNER
from tests.engine.factories import deliver_commands, paid

StartCase = Callable[..., cases.ServiceCase]


def test_start_numbers_the_case_and_starts_the_process(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    case = start_case()
    assert case.number == f"{MUNI}-2026-000001"
    assert (case.service_code, case.process_key) == ("PKIP-012", "dog_fee")
    assert case.process_name == "Suņu turēšanas nodeva"
    instance = db_session.get(ProcessInstance, case.instance_id)
    assert instance is not None and instance.business_key == case.number
    # the diagram correlates the payment on case_number: it is in the data
    data = cases.instance_data(engine, instance)
    assert data["case_number"] == case.number
    assert data["applicant_code"] == DOG_OWNER
    assert (case.status, case.status_label) == (cases.IN_PROGRESS, "Apstiprināt nodevu")

    second = start_case()
    assert second.number == f"{MUNI}-2026-000002"
    other = start_case(municipality=OTHER_MUNI)
    assert other.number == f"{OTHER_MUNI}-2026-000001"


def test_numbers_restart_each_year(start_case: StartCase, clock: ManualClock) -> None:
    start_case()
    clock.now = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # already 2027 in Riga
    assert start_case().number == f"{MUNI}-2027-000001"


def test_invalid_client_and_channel_are_field_errors(start_case: StartCase) -> None:
    with pytest.raises(FormValidationError) as raised:
        start_case(client=cases.Client(" ", "123"), channel="fax")
    assert raised.value.form_key == cases.CASE_FORM
    assert {e.path for e in raised.value.errors} == {
        "client_name",
        "client_identifier",
        "channel",
    }
    assert all(e.message for e in raised.value.errors)


def test_identifiers_are_normalised_and_masked() -> None:
    assert cases.normalize_identifier("16117519997") == "161175-19997"
    assert cases.normalize_identifier(" 40003521600 ") == "40003521600"
    assert cases.normalize_identifier("161175-19998") is None
    assert cases.mask_identifier("161175-19997") == "16****-****7"
    assert cases.mask_identifier("40003521600") == "40********0"
    assert cases.mask_identifier("") == ""


def test_completing_moves_the_status_and_the_view_shows_history(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    from domain import inbox

    case = start_case()
    viewer = inbox.Viewer("finansiste", MUNI, frozenset({"finansists"}))
    [task] = db_session.scalars(
        select(UserTask).where(UserTask.instance_id == case.instance_id)
    ).all()
    inbox.claim(engine, viewer, task.id)
    inbox.complete(engine, viewer, task.id, {"approved": True})
    # the payment sub-process's request waits for the outbox first
    assert (case.status, case.status_label) == (cases.WAITING, "Pieprasīt maksājumu")
    deliver_commands(engine, case.instance_id)
    assert case.status == cases.WAITING

    view = cases.case_view(engine, case)
    kinds = [h.kind for h in view.history]
    assert kinds[0] == "started" and "claimed" in kinds and "task_completed" in kinds
    completed = next(h for h in view.history if h.kind == "task_completed")
    assert (completed.actor, completed.element_name) == (
        "finansiste",
        "Apstiprināt nodevu",
    )
    assert {"start_dog_fee", "check_ldc_dogs", "review_fee"} <= set(
        view.finished_elements
    )
    assert view.current_elements == ["await_payment"]
    assert [t.element_id for t in view.finished_tasks] == ["review_fee"]
    assert view.open_tasks == [] and view.incidents == []
    assert "<bpmn:definitions" in view.diagram()["xml"]

    engine.correlate_message(
        "payment_received",
        municipality=MUNI,
        correlation={"case_number": case.number},
        payload=paid(case.number),
    )
    # the engine's advance already recorded it: a job's refresh finds nothing new
    assert (case.status, case.status_label) == (cases.COMPLETED, "Nodeva samaksāta")
    assert not cases.refresh_statuses(db_session, [case.instance_id], now=engine.now())
    assert case.closed_at is not None and case.is_closed


def test_a_failing_start_is_an_incident_in_the_view(
    start_case: StartCase, engine: ProcessEngine
) -> None:
    # the animal registry does not answer (three attempts): the look-up fails
    from connectors.systems.viss.simulator import default_simulator

    sim = default_simulator()
    sim.inject("ldc.dogs", "http500", count=3)
    try:
        case = start_case()
    finally:
        sim.clear()
    view = cases.case_view(engine, case)
    [incident] = view.incidents
    assert incident.element_id == "check_ldc_dogs"
    assert view.incident_elements == ["check_ldc_dogs"]
    assert view.status == cases.WAITING


def test_documents_are_found_in_the_data() -> None:
    upload = {
        "name": "plans.pdf",
        "mime": "application/pdf",
        "size": 4,
        "sha256": "ab" * 32,
        "content_base64": "JVBERg==",
    }
    data = {"x": 1, "attachments": [{"file": upload}, {"file": upload}], "y": upload}
    [doc] = cases.find_documents(data)
    assert (doc.path, doc.name, doc.size) == ("attachments.0.file", "plans.pdf", 4)
    found, content = cases.document_content(data, "ab" * 32)
    assert found == doc and content == "JVBERg=="
    with pytest.raises(KeyError):
        cases.document_content(data, "cd" * 32)


def test_get_case_is_scoped(start_case: StartCase, db_session: Session) -> None:
    case = start_case()
    assert cases.get_case(db_session, case.number, MUNI) is case
    with pytest.raises(NotFound):
        cases.get_case(db_session, case.number, OTHER_MUNI)


def test_list_cases_filters_and_pages(
    start_case: StartCase, db_session: Session
) -> None:
    for _ in range(3):
        start_case()
    start_case("tree_felling")
    start_case(municipality=OTHER_MUNI)
    page = cases.list_cases(db_session, MUNI, cases.CaseFilter(per_page=2))
    assert (page.total, page.pages, len(page.cases)) == (4, 2, 2)
    assert page.cases[0].number == f"{MUNI}-2026-000004"  # newest first
    trees = cases.list_cases(db_session, MUNI, cases.CaseFilter(process="tree_felling"))
    assert [c.process_key for c in trees.cases] == ["tree_felling"]
    one = cases.list_cases(
        db_session, MUNI, cases.CaseFilter(number=f"{MUNI}-2026-000002")
    )
    assert [c.number for c in one.cases] == [f"{MUNI}-2026-000002"]
    assert (
        cases.list_cases(db_session, MUNI, cases.CaseFilter(status="closed")).total == 0
    )


def test_two_concurrent_starts_get_different_numbers(committed: Platform) -> None:
    with committed.transaction() as session:
        session.add(Municipality(code=MUNI, name="Rīga", atvk=None))
    committed.deploy([PROCESS_DIR])
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            with committed.transaction() as session:
                case = cases.start_case(
                    committed.engine(session),
                    session,
                    "tree_felling",
                    municipality=MUNI,
                    data={},
                    actor="lietvede",
                    client=cases.Client("Ilze Ozola", DOG_OWNER),
                    channel=cases.E_SERVICE,
                )
                numbers.append(case.number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"{MUNI}-2026-000001", f"{MUNI}-2026-000002"]
