# SPDX-License-Identifier: EUPL-1.2
"""Receiving over e-address and DIV: store, confirm after the commit, hand over once.

These tests commit for real (``committed``): the poll owns its transactions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from connectors.errors import Unavailable
from connectors.systems.depp import contract as env
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.inbox import DeppInbox
from connectors.systems.depp.models import (
    HANDED_OVER,
    PENDING,
    UNROUTED,
    ReceivedAttachment,
    ReceivedMessage,
)
from connectors.systems.depp.simulator import DeppSimulator
from connectors.systems.div.client import DivClient
from connectors.systems.div.simulator import DEMO_SENDER, DivSimulator
from connectors.transport import in_process_session
from engine.clock import ManualClock
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tasks import edelivery
from tasks.edelivery import poll_depp, poll_div
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, pdf
from tests.pii_scan import clear_copies

BPMN = Path(__file__).resolve().parent / "bpmn"
RIGA_EADDRESS = "_DEFAULT@90011524360"
JELGAVA_EADDRESS = "_DEFAULT@90000042516"


@pytest.fixture
def sim(clock: ManualClock) -> DeppSimulator:
    return DeppSimulator(clock=clock)


def _client(sim: DeppSimulator, own: str = RIGA_EADDRESS) -> DeppClient:
    base = "http://depp.sim.pkip"
    return DeppClient(
        address=base, session=in_process_session(base, sim), own_address=own
    )


@pytest.fixture
def client(sim: DeppSimulator) -> DeppClient:
    return _client(sim)


def _deploy(platform: Platform, *names: str) -> None:
    platform.deploy([BPMN / name for name in names], deployed_by="tests")


def _instances(platform: Platform, key: str) -> list[ProcessInstance]:
    with platform.transaction() as session:
        return list(
            session.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.process_key == key)
                .order_by(ProcessInstance.started_at, ProcessInstance.id)
            )
        )


def _rows(platform: Platform, channel: str = "depp") -> list[ReceivedMessage]:
    with platform.transaction() as session:
        return list(
            session.scalars(
                select(ReceivedMessage)
                .where(ReceivedMessage.channel == channel)
                .order_by(ReceivedMessage.id)
            )
        )


def _waiting_data(platform: Platform, instance_id: str) -> dict[str, Any]:
    """The data at the instance's ready user task (what the clerk sees)."""
    with platform.transaction() as session:
        engine: ProcessEngine = platform.engine(session)
        wf = engine._load(engine.get_instance(instance_id))
        [task] = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        return dict(task.data)


def test_poll_stores_confirms_and_starts_each_message_once(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    _deploy(committed, "edelivery_intake.bpmn")
    report = poll_depp(committed, MUNI, client=client)
    assert report.as_dict() | {"channel": "depp"} == {
        "channel": "depp",
        "municipality": MUNI,
        "listed": 2,
        "stored": 2,
        "already_stored": 0,
        "confirmed": 2,
        "confirm_failed": 0,
        "fetch_failed": 0,
        "handed_over": 2,
        "unrouted": 0,
        "handover_failed": 0,
    }
    rows = _rows(committed)
    # a sender's code is stored masked, sealed and hashed (docs/personal-data.md)
    assert [(r.document_kind, r.sender) for r in rows] == [
        ("Iesniegums", "_PRIVATE@16****-****7"),
        ("Vēstule", "_DEFAULT@40****-****0"),
    ]
    application = rows[0]
    assert application.sender_address(committed.pii) == RESIDENT_EADDRESS
    assert application.sender_hash == committed.pii.lookup_hash("161175-19997")
    with committed.transaction() as session:
        assert clear_copies(session, "161175-19997") == []
    assert application.handover == HANDED_OVER and application.confirmed_at == T0
    assert application.received_at == T0 and application.sent_at == T0
    assert application.attachments[0]["name"] == "iesniegums.pdf"
    with committed.transaction() as session:
        [file] = session.scalars(
            select(ReceivedAttachment).where(
                ReceivedAttachment.message_id == application.id
            )
        ).all()
        stored = sim.mailbox(RIGA_EADDRESS)[0].attachments[0]
        assert (file.content, file.sha256) == (stored.content, stored.sha256)
    started = _instances(committed, "edelivery_intake")
    assert sorted(i.id for i in started) == sorted(r.instance_ids[0] for r in rows)
    data = _waiting_data(committed, application.instance_ids[0])
    assert data["received"] == {
        "depp_message_id": application.message_id,
        "channel": "depp",
        "record_id": application.id,
        "message_id": application.message_id,
        "sender": RESIDENT_EADDRESS,
        "document_kind": "Iesniegums",
        "title": "Iesniegums par koku ciršanu pagalmā",
        "in_reply_to": None,
        "sent_at": T0.isoformat(),
        "received_at": T0.isoformat(),
        "attachments": application.attachments,
    }
    assert sim.store.unconfirmed(RIGA_EADDRESS, 10) == []

    again = poll_depp(committed, MUNI, client=client)
    assert (again.listed, again.stored, again.handed_over) == (0, 0, 0)
    assert len(_instances(committed, "edelivery_intake")) == 2
    assert len(_rows(committed)) == 2


def test_a_failed_confirm_is_retried_without_storing_or_starting_again(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    _deploy(committed, "edelivery_intake.bpmn")
    sim.faults.inject("ConfirmMessage", "soap_fault", count=2)
    first = poll_depp(committed, MUNI, client=client)
    assert (first.stored, first.confirmed, first.confirm_failed) == (2, 0, 2)
    assert all(r.confirmed_at is None for r in _rows(committed))
    assert len(_instances(committed, "edelivery_intake")) == 2

    second = poll_depp(committed, MUNI, client=client)
    assert (second.listed, second.stored, second.already_stored) == (2, 0, 2)
    assert (second.confirmed, second.handed_over) == (2, 0)
    assert all(r.confirmed_at == T0 for r in _rows(committed))
    assert len(_instances(committed, "edelivery_intake")) == 2
    assert poll_depp(committed, MUNI, client=client).listed == 0


class _CrashingInbox(DeppInbox):
    """Dies right after the store committed, before confirming (a killed worker)."""

    def confirm(self, message_id: str) -> None:
        raise SystemExit("worker killed")


def test_a_crash_between_store_and_confirm_does_not_duplicate(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    _deploy(committed, "edelivery_intake.bpmn")
    with pytest.raises(SystemExit):
        edelivery.poll_inbox(committed, MUNI, _CrashingInbox(client))
    assert len(_rows(committed)) == 1  # the first message was stored and handed over
    assert len(_instances(committed, "edelivery_intake")) == 1

    report = poll_depp(committed, MUNI, client=client)
    assert (report.listed, report.already_stored, report.stored) == (2, 1, 1)
    assert report.confirmed == 2
    assert len(_rows(committed)) == 2
    assert len(_instances(committed, "edelivery_intake")) == 2


def test_a_failed_handover_keeps_the_message_and_is_retried(
    committed: Platform,
    sim: DeppSimulator,
    client: DeppClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _deploy(committed, "edelivery_intake.bpmn")
    real = ProcessEngine.correlate_message

    def failing(self: ProcessEngine, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("engine hiccup for 161175-19997")

    monkeypatch.setattr(ProcessEngine, "correlate_message", failing)
    first = poll_depp(committed, MUNI, client=client)
    assert (first.stored, first.handover_failed, first.confirmed) == (2, 2, 2)
    rows = _rows(committed)
    assert all(r.handover == PENDING and r.handover_attempts == 1 for r in rows)
    assert "16****-****7" in (rows[0].handover_error or "")
    assert "161175-19997" not in (rows[0].handover_error or "")
    assert _instances(committed, "edelivery_intake") == []

    monkeypatch.setattr(ProcessEngine, "correlate_message", real)
    second = poll_depp(committed, MUNI, client=client)
    assert (second.listed, second.handed_over) == (0, 2)
    rows = _rows(committed)
    assert all(r.handover == HANDED_OVER and r.handover_error is None for r in rows)
    assert [r.handover_attempts for r in rows] == [2, 2]
    assert len(_instances(committed, "edelivery_intake")) == 2
    assert poll_depp(committed, MUNI, client=client).handed_over == 0


def test_without_a_receiving_process_messages_are_stored_unrouted(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    report = poll_depp(committed, MUNI, client=client)
    assert (report.stored, report.unrouted, report.confirmed) == (2, 2, 2)
    assert {r.handover for r in _rows(committed)} == {UNROUTED}


def test_an_answer_continues_the_waiting_instance(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    _deploy(committed, "edelivery_intake.bpmn", "edelivery_reply.bpmn")
    sent = client.send_message(
        recipients=[RESIDENT_EADDRESS],
        document_kind="Vēstule",
        title="Lūdzam iesniegt papildu dokumentus",
        attachments=[pdf()],
        client_message_id="outbox-ask-1",
    )
    with committed.transaction() as session:
        waiting = committed.engine(session).start(
            "await_reply", municipality=MUNI, data={"depp_message_id": sent.message_id}
        )
        waiting_id = waiting.id
    sim.deliver(
        RESIDENT_EADDRESS,
        RIGA_EADDRESS,
        document_kind="Atbilde",
        title="Papildu dokumenti",
        attachments=(pdf("pielikums.pdf"),),
        in_reply_to=sent.message_id,
    )
    report = poll_depp(committed, MUNI, client=client)
    assert (report.stored, report.handed_over) == (3, 3)
    answer = next(r for r in _rows(committed) if r.document_kind == "Atbilde")
    assert answer.instance_ids == [waiting_id]
    assert _waiting_data(committed, waiting_id)["answer"]["in_reply_to"] == (
        sent.message_id
    )
    # the two other messages started intakes; the answer did not
    intakes = _instances(committed, "edelivery_intake")
    assert len(intakes) == 2
    assert not any(
        i.has_incident for i in [*intakes, *_instances(committed, "await_reply")]
    )


def test_a_message_to_two_municipalities_is_stored_for_each(
    committed: Platform, sim: DeppSimulator
) -> None:
    sim.seed = False
    # one message to both: DEPP gives it one id in both mailboxes
    sim.deliver(
        RESIDENT_EADDRESS,
        (RIGA_EADDRESS, JELGAVA_EADDRESS),
        document_kind="Iesniegums",
        title="Kopīgs iesniegums",
        attachments=(pdf(),),
        message_id="shared-1",
    )
    riga = poll_depp(committed, MUNI, client=_client(sim))
    jelgava = poll_depp(committed, OTHER_MUNI, client=_client(sim, JELGAVA_EADDRESS))
    assert (riga.stored, jelgava.stored) == (1, 1)
    assert sorted(r.municipality for r in _rows(committed)) == [OTHER_MUNI, MUNI]


def test_an_unreachable_service_stops_the_poll(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.faults.inject("GetMessageList", "http500")
    with pytest.raises(Unavailable):
        poll_depp(committed, MUNI, client=client)
    sim.faults.inject("GetMessage", "timeout")
    with pytest.raises(Unavailable):
        poll_depp(committed, MUNI, client=client)
    assert _rows(committed) == []
    assert poll_depp(committed, MUNI, client=client).stored == 2


def test_a_message_gone_between_list_and_fetch_is_skipped(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.faults.inject("GetMessage", "soap_fault", code="NotFound")
    report = poll_depp(committed, MUNI, client=client)
    assert (report.fetch_failed, report.stored, report.confirmed) == (1, 1, 1)
    assert poll_depp(committed, MUNI, client=client).stored == 1


def test_div_documents_are_received_the_same_way(
    committed: Platform, clock: ManualClock
) -> None:
    _deploy(committed, "div_intake.bpmn")
    div_sim = DivSimulator(clock=clock)
    base = "http://div.sim.pkip"
    div = DivClient(
        address=base,
        session=in_process_session(base, div_sim),
        institution=RIGA_EADDRESS.removeprefix("_DEFAULT@"),
    )
    div_sim.faults.inject("Confirm", "http500")
    first = poll_div(committed, MUNI, client=div)
    assert (first.stored, first.handed_over, first.confirm_failed) == (1, 1, 1)
    second = poll_div(committed, MUNI, client=div)
    assert (second.already_stored, second.confirmed, second.stored) == (1, 1, 0)
    [row] = _rows(committed, "div")
    assert row.sender_address(committed.pii) == DEMO_SENDER
    assert row.confirmed_at == T0
    [instance] = _instances(committed, "div_intake")
    received = _waiting_data(committed, instance.id)["received"]
    assert received["document_number"] == "1-5/2026/118"
    assert received["channel"] == "div"


def test_poll_all_polls_both_channels_and_survives_an_outage(
    committed: Platform, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    depp_sim, div_sim = DeppSimulator(clock=clock), DivSimulator(clock=clock)
    depp_sim.faults.inject("*", "http500", count=10)
    monkeypatch.setattr(edelivery, "depp_client", lambda m: _client(depp_sim))
    base = "http://div.sim.pkip"
    monkeypatch.setattr(
        edelivery,
        "div_client",
        lambda m: DivClient(
            address=base,
            session=in_process_session(base, div_sim),
            institution="90011524360",
        ),
    )
    reports = edelivery.poll_all(committed, [MUNI])
    assert [(r.channel, r.stored) for r in reports] == [("div", 1)]


def test_attachment_metadata_matches_the_files(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    poll_depp(committed, MUNI, client=client)
    for row in _rows(committed):
        with committed.transaction() as session:
            files = session.scalars(
                select(ReceivedAttachment)
                .where(ReceivedAttachment.message_id == row.id)
                .order_by(ReceivedAttachment.position)
            ).all()
            assert row.attachments == [
                {"name": f.name, "mime": f.mime, "size": f.size, "sha256": f.sha256}
                for f in files
            ]
            assert all(
                env.Attachment(f.name, f.mime, f.content).checked() for f in files
            )
