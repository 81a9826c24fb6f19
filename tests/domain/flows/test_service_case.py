# SPDX-License-Identifier: EUPL-1.2
"""Processes 3–4 end to end through the persistent engine and the outbox: the
generic service case (service_case.bpmn) from an e-address letter to the result
sent back, the paper path, the VPVKAC hand-over (vpvkac_handover.bpmn calls the
generic case) and a case closed because the client never answered — each with its
status history and the PSPP events in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from connectors.systems.depp import contract as env
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.operators import depp_client
from connectors.systems.depp.simulator import DeppSimulator, default_simulator
from connectors.systems.pspp.operators import simulator as pspp_simulator
from connectors.systems.pspp.simulator import PsppSimulator
from domain import accounting, cases
from domain.documents import services as documents
from domain.intake import desk
from domain.intake import services as intake
from domain.intake.models import IntakeItem
from domain.intake.services import FileData
from domain.models import Municipality
from engine.clock import ManualClock
from engine.models import DELIVERED, OutboxMessage, ProcessInstance
from pkip.platform import Platform
from tasks.edelivery import poll_depp
from tasks.jobs import fire_due_timers
from tests.conftest import MUNI, PROCESS_DIR, T0, drain_outbox
from tests.domain.documents.pdf import pdf_text
from tests.engine.factories import ready_task

RIGA_ATVK = "0001000"
WITH_EADDRESS = "161175-19997"  # active in the DEPP simulator
WITHOUT_EADDRESS = "328673-00679"  # a valid code with no e-address
TITLE = "Iesniegums par žoga būvniecību pie ēkas"
CHECKED = {"application_subject": "Žoga būvniecība", "application_complete": True}
DRAFT = {
    "decision_title": "Lēmums par žoga būvniecību",
    "decision_text": "Atļaut būvēt koka žogu 1,5 m augstumā.",
}
GRANT = {"decision": "grant"}


@pytest.fixture
def pspp() -> Iterator[PsppSimulator]:
    found = pspp_simulator()
    found.reset()
    yield found
    found.reset()


@pytest.fixture
def depp() -> Iterator[DeppSimulator]:
    found = default_simulator()
    found.reset()
    yield found
    found.reset()


@pytest.fixture
def live(committed: Platform, pspp: PsppSimulator, depp: DeppSimulator) -> Platform:
    with committed.transaction() as session:
        session.add(
            Municipality(
                code=MUNI, name="Rīgas valstspilsētas pašvaldība", atvk=RIGA_ATVK
            )
        )
    committed.deploy([PROCESS_DIR])
    return committed


# -- steps ------------------------------------------------------------------------
def _letter_to_intake(platform: Platform, depp: DeppSimulator) -> int:
    own = depp_client(MUNI).own_address
    depp.deliver(
        "_PRIVATE@16117519997",
        own,
        document_kind="Iesniegums",
        title=TITLE,
        attachments=(env.Attachment("iesniegums.pdf", env.PDF, demo_pdf("Zogs")),),
    )
    report = poll_depp(platform, MUNI)
    assert report.unrouted >= 1
    with platform.transaction() as session:
        item = session.scalars(
            select(IntakeItem).where(IntakeItem.subject == TITLE)
        ).one()
        return item.id


def _start_from_letter(platform: Platform, item_id: int) -> str:
    with platform.transaction() as session:
        engine = platform.engine(session)
        item = intake.get_item(session, MUNI, item_id)
        intake.assign(item, "lietvede")
        case = intake.start_case_from(
            engine,
            session,
            item,
            "service_case",
            client=cases.Client("Jānis Bērziņš", WITH_EADDRESS),
            actor="lietvede",
        )
        return case.number


def _start_office(platform: Platform, identifier: str) -> str:
    with platform.transaction() as session:
        case = cases.start_case(
            platform.engine(session),
            session,
            "service_case",
            municipality=MUNI,
            data={},
            actor="lietvede",
            client=cases.Client("Žanis Ķēniņš", identifier),
            channel=cases.OFFICE,
        )
        return case.number


def _instance(platform: Platform, number: str) -> ProcessInstance:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        instance = session.get(ProcessInstance, case.instance_id)
        assert instance is not None
        session.expunge_all()
        return instance


def _do(
    platform: Platform, number: str, element: str, data: dict[str, Any], actor: str
) -> None:
    instance_id = _instance(platform, number).id
    with platform.transaction() as session:
        task = ready_task(session, instance_id, element)
        platform.engine(session).complete_task(task.id, data, actor=actor)


def _decide(platform: Platform, number: str) -> None:
    _do(platform, number, "check_application", CHECKED, "lietvede")
    _do(platform, number, "draft_decision", DRAFT, "janis")
    _do(platform, number, "decide", GRANT, "vaditaja")


def _history(platform: Platform, number: str) -> list[tuple[str, Any]]:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        return [(e.status, e.at) for e in accounting.history(session, case.id)]


def _statuses(platform: Platform, number: str) -> list[str]:
    return [status for status, _ in _history(platform, number)]


def _pspp(pspp: PsppSimulator, number: str) -> list[tuple[int, str]]:
    return [(e["sequence"], e["status"]) for e in pspp.case_events(number)]


def _documents(platform: Platform, number: str) -> list[Any]:
    with platform.transaction() as session:
        found = documents.case_documents(session, MUNI, number)
        session.expunge_all()
        return found


# -- (a) e-address in, e-address out ------------------------------------------------
def test_a_letter_by_e_address_is_decided_and_answered_to_the_e_address(
    live: Platform, depp: DeppSimulator, pspp: PsppSimulator, clock: ManualClock
) -> None:
    item_id = _letter_to_intake(live, depp)
    number = _start_from_letter(live, item_id)
    with live.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        assert (case.channel, case.process_key) == ("e_address", "service_case")

    clock.now = T0 + timedelta(hours=2)
    _decide(live, number)
    assert _statuses(live, number)[-1] == "decided"
    drain_outbox(live)  # the card, the statuses, the PDF, the send

    [(document, [delivery])] = _documents(live, number)
    assert pdf_text(document.content) == (
        "Rīgas valstspilsētas pašvaldība\n"
        "Reģ. Nr. RIGA-2026-D-00001\n"
        "02.03.2026\n"
        "LĒMUMS\n"
        f"Lieta Nr. {number}. Saņēmējs: Jānis Bērziņš.\n"
        "Lēmums par žoga būvniecību\n"
        "Atļaut būvēt koka žogu 1,5 m augstumā.\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas."
    )
    assert (delivery.channel, delivery.state) == ("e_address", "sent")
    [sent] = [
        m
        for m in depp.mailbox("_PRIVATE@16117519997")
        if m.title.endswith("(RIGA-2026-D-00001)")
    ]
    assert sent.attachments[0].content == document.content
    # sent on Monday: the client counts as having it on Wednesday (2nd working day)
    assert _instance(live, number).status == "running"
    assert "result_delivered" not in _statuses(live, number)
    clock.now = T0 + timedelta(days=1, hours=12)  # Tuesday evening: not yet
    assert fire_due_timers(live) == 0
    clock.now = T0 + timedelta(days=2)  # Wednesday 09:00 Riga
    assert fire_due_timers(live) == 1
    drain_outbox(live)

    instance = _instance(live, number)
    assert (instance.status, instance.end_event) == ("completed", "end_closed")
    history = _history(live, number)
    assert [s for s, _ in history] == [
        "submitted",
        "registered",
        "in_progress",
        "decided",
        "result_delivered",
        "closed",
    ]
    at = dict(history)
    assert at["decided"] == T0 + timedelta(hours=2)  # when the head decided
    assert at["result_delivered"] == T0 + timedelta(days=2)  # the day it counts
    assert _pspp(pspp, number) == [
        (1, "registered"),
        (2, "in_progress"),
        (3, "decision_made"),
        (4, "completed"),
    ]
    with live.transaction() as session:
        sends = session.scalars(
            select(OutboxMessage).where(OutboxMessage.instance_id == instance.id)
        ).all()
        assert {m.status for m in sends} == {DELIVERED}


# -- (b) no e-address: the print queue -----------------------------------------------
def test_b_without_an_e_address_the_result_waits_for_the_print_queue(
    live: Platform, pspp: PsppSimulator, clock: ManualClock
) -> None:
    number = _start_office(live, WITHOUT_EADDRESS)
    _decide(live, number)
    drain_outbox(live)
    [(document, [delivery])] = _documents(live, number)
    assert (delivery.channel, delivery.state) == ("paper", "to_print")
    assert _instance(live, number).status == "running"
    with live.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        # the print queue's wait is not the client's turn
        assert case.status == "waiting" and "Izsniegts" in case.status_label
    clock.now = T0 + timedelta(days=1)
    with live.transaction() as session:
        engine = live.engine(session)
        documents.mark_delivery(
            session, MUNI, delivery.id, "printed", actor="lietvede", now=clock.now
        )
        documents.mark_delivery(
            session,
            MUNI,
            delivery.id,
            "handed_over",
            actor="lietvede",
            now=clock.now,
            engine=engine,
        )
    drain_outbox(live)
    assert _instance(live, number).end_event == "end_closed"
    history = _history(live, number)
    assert [s for s, _ in history] == [
        "submitted",
        "registered",
        "in_progress",
        "decided",
        "result_delivered",
        "closed",
    ]
    assert dict(history)["result_delivered"] == T0 + timedelta(days=1)
    assert [s for _, s in _pspp(pspp, number)] == [
        "registered",
        "in_progress",
        "decision_made",
        "completed",
    ]


def test_b_a_posted_result_counts_on_the_seventh_day(
    live: Platform, clock: ManualClock
) -> None:
    number = _start_office(live, WITHOUT_EADDRESS)
    _decide(live, number)
    drain_outbox(live)
    [(_, [delivery])] = _documents(live, number)
    with live.transaction() as session:
        engine = live.engine(session)
        for state in ("printed", "posted"):
            documents.mark_delivery(
                session,
                MUNI,
                delivery.id,
                state,
                actor="lietvede",
                now=T0,
                engine=engine,
            )
    assert "result_delivered" not in _statuses(live, number)
    clock.now = T0 + timedelta(days=6)
    assert fire_due_timers(live) == 0
    clock.now = T0 + timedelta(days=7)
    assert fire_due_timers(live) == 1
    assert _statuses(live, number)[-2:] == ["result_delivered", "closed"]


# -- (c) VPVKAC ---------------------------------------------------------------------
def test_c_an_application_taken_at_vpvkac_is_collected_there(
    live: Platform, pspp: PsppSimulator
) -> None:
    with live.transaction() as session:
        case, item = desk.register_vpvkac(
            live.engine(session),
            session,
            live.pii,
            municipality=MUNI,
            process_key="vpvkac_handover",
            client=cases.Client("Jānis Bērziņš", WITH_EADDRESS),
            subject="Iesniegums par žoga būvniecību",
            files=[FileData("skenets.pdf", "application/pdf", demo_pdf("Skenets"))],
            actor="vpvkac1",
        )
        number, item_id = case.number, item.id
        assert case.channel == "vpvkac"
    with live.transaction() as session:
        item = intake.get_item(session, MUNI, item_id)
        assert (item.status, item.case_number) == ("started", number)
    _decide(live, number)
    drain_outbox(live)
    # the client has an e-address, but collects the result at the centre
    [(_, [delivery])] = _documents(live, number)
    assert (delivery.channel, delivery.state) == ("paper", "to_print")
    with live.transaction() as session:
        engine = live.engine(session)
        for state in ("printed", "handed_over"):
            documents.mark_delivery(
                session,
                MUNI,
                delivery.id,
                state,
                actor="lietvede",
                now=T0,
                engine=engine,
            )
    drain_outbox(live)
    instance = _instance(live, number)
    assert (instance.status, instance.end_event) == ("completed", "end_vpvkac")
    assert _statuses(live, number) == [
        "submitted",
        "registered",
        "in_progress",
        "decided",
        "result_delivered",
        "closed",
    ]
    events = pspp.case_events(number)
    assert [e["status"] for e in events] == [
        "registered",
        "in_progress",
        "decision_made",
        "completed",
    ]
    assert {e["channel"] for e in events} == {"vpvkac"}


# -- (d) waiting for the client ------------------------------------------------------
INCOMPLETE = {
    "application_subject": "Žoga būvniecība",
    "application_complete": False,
    "missing_information": "Zemes robežu plāna kopija.",
    "reply_working_days": 5,
}


def test_d_the_client_never_answers_and_the_case_closes_undecided(
    live: Platform, depp: DeppSimulator, pspp: PsppSimulator, clock: ManualClock
) -> None:
    number = _start_office(live, WITH_EADDRESS)
    _do(live, number, "check_application", INCOMPLETE, "lietvede")
    drain_outbox(live)
    [(request, [delivery])] = _documents(live, number)
    text = pdf_text(request.content)
    assert "PIEPRASĪJUMS" in text and "Zemes robežu plāna kopija." in text
    # five working days from Monday 2 March: Monday 9 March
    assert "līdz 09.03.2026" in text
    assert delivery.channel == "e_address"
    assert _statuses(live, number)[-1] == "waiting_for_client"
    # a reminder after the fourth working day (Friday 6 March, end of day)
    clock.now = T0 + timedelta(days=4)
    assert fire_due_timers(live) == 0
    clock.now = T0 + timedelta(days=5)
    assert fire_due_timers(live) == 1
    drain_outbox(live)
    _, (reminder, [sent]) = _documents(live, number)
    text = pdf_text(reminder.content)
    assert "ATGĀDINĀJUMS" in text and "Termiņš – 09.03.2026." in text
    assert sent.channel == "e_address"
    # sending the reminder is still the client's turn: nothing new for PSPP
    assert _statuses(live, number)[-2:] == ["in_progress", "waiting_for_client"]
    clock.now = T0 + timedelta(days=7)  # Monday 9 March, the last day
    assert fire_due_timers(live) == 0
    clock.now = T0 + timedelta(days=8)
    assert fire_due_timers(live) == 1
    drain_outbox(live)
    instance = _instance(live, number)
    assert (instance.status, instance.end_event) == ("completed", "end_no_reply")
    assert _statuses(live, number) == [
        "submitted",
        "registered",
        "in_progress",
        "waiting_for_client",
        "closed",
    ]
    assert [s for _, s in _pspp(pspp, number)] == [
        "registered",
        "in_progress",
        "waiting_for_client",
    ]


def test_d_a_reply_attached_in_intake_brings_the_case_back(
    live: Platform, depp: DeppSimulator
) -> None:
    number = _start_office(live, WITH_EADDRESS)
    _do(live, number, "check_application", INCOMPLETE, "lietvede")
    drain_outbox(live)
    item_id = _letter_to_intake(live, depp)
    with live.transaction() as session:
        item = intake.get_item(session, MUNI, item_id)
        intake.attach(
            session, item, number, actor="lietvede", now=T0, engine=live.engine(session)
        )
    _do(live, number, "check_application", CHECKED, "lietvede")
    assert _statuses(live, number)[-2:] == ["waiting_for_client", "in_progress"]
    _do(live, number, "draft_decision", DRAFT, "janis")
    _do(live, number, "decide", {"decision": "refuse"}, "vaditaja")
    drain_outbox(live)
    documents_made = _documents(live, number)
    assert [d.document_type for d, _ in documents_made] == ["notice", "refusal"]
    assert _statuses(live, number)[-1] == "decided"  # refused: a decision too
