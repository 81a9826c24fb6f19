# SPDX-License-Identifier: EUPL-1.2
"""Tree felling to its end through the persistent engine and the outbox: the permit
or refusal is numbered, rendered, stored and delivered (e-address or paper)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from connectors.systems.depp.simulator import default_simulator
from domain import cases
from domain.documents import services as documents
from domain.documents.models import Delivery, Document
from domain.documents.register import next_registration_number
from domain.models import Municipality
from engine.models import DELIVERED, OutboxMessage, ProcessInstance
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, T0, drain_outbox
from tests.domain.documents.pdf import pdf_text
from tests.engine.factories import (
    DRAFT,
    INSPECTION_NO,
    INSPECTION_OK,
    SIGNED,
    TREE_REGISTRATION,
    ready_task,
)

WITH_EADDRESS = "161175-19997"  # active in the DEPP simulator
WITHOUT_EADDRESS = "328673-00679"  # a valid code with no e-address


def _setup(platform: Platform) -> None:
    with platform.transaction() as session:
        session.add(Municipality(code=MUNI, name="Rīgas valstspilsētas pašvaldība"))
    platform.deploy([PROCESS_DIR])


def _run_case(platform: Platform, client: str, inspection: dict[str, Any]) -> str:
    with platform.transaction() as session:
        case = cases.start_case(
            platform.engine(session),
            session,
            "tree_felling",
            municipality=MUNI,
            data={},
            actor="lietvede",
            client=cases.Client("Žanis Ķēniņš", client),
            channel=cases.E_SERVICE,
        )
        number, instance_id = case.number, case.instance_id
    for element, data, actor in (
        ("register_application", TREE_REGISTRATION, "lietvede"),
        ("inspect_trees", inspection, "janis"),
        ("draft_decision", DRAFT, "janis"),
        ("sign_decision", SIGNED, "vaditaja"),
    ):
        with platform.transaction() as session:
            task = ready_task(session, instance_id, element)
            platform.engine(session).complete_task(task.id, data, actor=actor)
    # render, then (the step continues) deliver — beside the case's status events
    drain_outbox(platform)
    with platform.transaction() as session:
        statuses = {
            m.operator: m.status
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.instance_id == instance_id)
            )
            if m.operator.startswith("documents.")
        }
    assert statuses == {"documents.render": DELIVERED, "documents.deliver": DELIVERED}
    return number


def _finished(
    platform: Platform, number: str
) -> tuple[ProcessInstance, Document, Delivery]:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        instance = session.get(ProcessInstance, case.instance_id)
        [(document, [delivery])] = documents.case_documents(session, MUNI, number)
        session.expunge_all()
        assert instance is not None
        return instance, document, delivery


def test_permit_goes_to_the_e_address(committed: Platform) -> None:
    _setup(committed)
    simulator = default_simulator()
    before = simulator.unique
    number = _run_case(committed, WITH_EADDRESS, INSPECTION_OK)
    instance, document, delivery = _finished(committed, number)
    assert instance.status == "completed" and instance.end_event == "end_permit_issued"
    assert document.registration_number == "RIGA-2026-D-00001"
    assert document.register == "pkip" and document.document_type == "permit"
    assert pdf_text(document.content) == (
        "Rīgas valstspilsētas pašvaldība\n"
        "Reģ. Nr. RIGA-2026-D-00001\n"
        "02.03.2026\n"
        "ATĻAUJA\n"
        f"Lieta Nr. {number}. Saņēmējs: Žanis Ķēniņš.\n"
        "Lēmums par koku ciršanu\n"
        "Atļaut nocirst divas liepas.\n"
        "Adrese: Brīvības iela 1, Rīga\n"
        "Kompensācija: 170,00 EUR\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas."
    )
    assert (delivery.channel, delivery.state) == ("e_address", "sent")
    assert delivery.message_id
    assert simulator.unique == before + 1
    sent = simulator.mailbox(f"_PRIVATE@{WITH_EADDRESS.replace('-', '')}")
    assert any(a.content == document.content for m in sent for a in m.attachments), (
        "the PDF reached the mailbox as issued"
    )


def test_refusal_without_e_address_takes_the_paper_path(committed: Platform) -> None:
    _setup(committed)
    number = _run_case(committed, WITHOUT_EADDRESS, INSPECTION_NO)
    instance, document, delivery = _finished(committed, number)
    assert instance.status == "completed" and instance.end_event == "end_refused"
    assert pdf_text(document.content).splitlines()[3] == "ATTEIKUMS"
    assert (delivery.channel, delivery.state) == ("paper", "to_print")
    with committed.transaction() as session:
        queue = documents.print_queue(session, MUNI)
        assert [d.id for d, _ in queue] == [delivery.id]
        documents.mark_delivery(
            session, MUNI, delivery.id, "printed", actor="lietvede", now=T0
        )
        documents.mark_delivery(
            session, MUNI, delivery.id, "handed_over", actor="lietvede", now=T0
        )
        assert documents.print_queue(session, MUNI) == []
        states = [e.state for e in documents.delivery_history(session, delivery.id)]
        assert states == ["to_print", "printed", "handed_over"]


def test_numbers_are_gap_free_under_two_threads(committed: Platform) -> None:
    _setup(committed)
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def take(rollback: bool) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                try:
                    with committed.transaction() as session:
                        numbers.append(next_registration_number(session, MUNI, T0))
                        if rollback:
                            raise LookupError("rolled back: the number is given back")
                except LookupError:
                    numbers.pop()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(flag,)) for flag in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"RIGA-2026-D-{n:05d}" for n in range(1, 6)]
    with committed.transaction() as session:
        assert next_registration_number(session, MUNI, T0) == "RIGA-2026-D-00006"


def test_a_repeated_delivery_makes_one_document(committed: Platform) -> None:
    _setup(committed)
    number = _run_case(committed, WITHOUT_EADDRESS, INSPECTION_OK)
    _, document, _ = _finished(committed, number)
    again = committed.connectors.call(
        "documents.render",
        {"template": "permit", "fields": {}},
        documents_context(document),
    )
    assert again["document_id"] == document.id
    with committed.transaction() as session:
        assert len(session.scalars(select(Document)).all()) == 1


def documents_context(document: Document) -> Any:
    from core.contracts import CallContext

    return CallContext(
        instance_id=document.instance_id,
        municipality=MUNI,
        idempotency_key=document.idempotency_key,
    )
