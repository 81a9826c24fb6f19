# SPDX-License-Identifier: EUPL-1.2
"""Case accounting end to end: a dog-fee case through the persistent engine produces
its status events, append-only, and PSPP's simulator receives them once each, in
order per case — under faults, after a day's outage, after a repeated delivery —
with the service card published first; reconcile finds and requeues a lost case."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connectors.systems.pspp.operators import simulator
from connectors.systems.pspp.simulator import PsppSimulator
from core.contracts import CallContext
from domain import accounting, cases
from domain.models import Municipality
from engine.clock import ManualClock, real_now
from engine.models import DELIVERED, HELD, PENDING, Incident, OutboxMessage, UserTask
from pkip.platform import Platform
from tasks import outbox
from tests.conftest import MUNI, PROCESS_DIR, drain_outbox
from tests.domain.conftest import DOG_OWNER, DOG_START
from tests.engine.factories import (
    DRAFT,
    INSPECTION_OK,
    SIGNED,
    TREE_REGISTRATION,
    deliver_commands,
    paid,
)
from webapp.cli import main

RIGA_ATVK = "0001000"
PSPP_ORDER = ["registered", "in_progress", "waiting_for_client", "decision_made"]
PSPP_ORDER += ["completed"]
OUR_ORDER = ["submitted", "registered", "in_progress", "waiting_for_client"]
OUR_ORDER += ["decided", "result_delivered", "closed"]


@pytest.fixture
def sim() -> Iterator[PsppSimulator]:
    found = simulator()
    found.reset()
    found.cards.pop("PKIP-012")  # the dog fee is not in the catalogue yet
    yield found
    found.reset()


@pytest.fixture
def live(committed: Platform, sim: PsppSimulator) -> Platform:
    with committed.transaction() as session:
        session.add(Municipality(code=MUNI, name="Rīgas valstspilsēta", atvk=RIGA_ATVK))
    committed.deploy([PROCESS_DIR])
    return committed


def _start(platform: Platform) -> str:
    with platform.transaction() as session:
        case = cases.start_case(
            platform.engine(session),
            session,
            "dog_fee",
            municipality=MUNI,
            data=dict(DOG_START),
            actor="lietvede",
            client=cases.Client("Jānis Bērziņš", DOG_OWNER),
            channel=cases.E_SERVICE,
        )
        return case.number


def _review(platform: Platform, number: str) -> None:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        task = session.scalars(
            select(UserTask).where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
        ).one()
        platform.engine(session).complete_task(
            task.id, {"approved": True}, actor="anna"
        )


def _request_payment(platform: Platform, number: str) -> None:
    """The payment request (a command of the case, not of the PSPP feed): after
    it the case waits for the client's payment."""
    with platform.transaction() as session:
        engine = platform.engine(session)
        deliver_commands(engine, cases.get_case(session, number, MUNI).instance_id)


def _pay(platform: Platform, number: str) -> None:
    _request_payment(platform, number)
    with platform.transaction() as session:
        platform.engine(session).correlate_message(
            "payment_received",
            municipality=MUNI,
            correlation={"case_number": number},
            payload=paid(number),
        )


def _run_case(platform: Platform, deliver_between: bool = True) -> str:
    number = _start(platform)
    for step in (_review, _pay):
        if deliver_between:
            outbox.deliver_due(platform)
        step(platform, number)
    return number


def _ours(platform: Platform, number: str) -> list[accounting.CaseStatusEvent]:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        return accounting.history(session, case.id)


def _received(sim: PsppSimulator, number: str) -> list[tuple[int, str, str]]:
    return [
        (e["sequence"], e["status"], e["event_id"]) for e in sim.case_events(number)
    ]


def test_a_dog_fee_case_reaches_pspp_in_order_card_first(
    live: Platform, sim: PsppSimulator
) -> None:
    number = _run_case(live)
    outbox.deliver_due(live)
    ours = _ours(live, number)
    assert [e.status for e in ours] == OUR_ORDER
    assert [e.sequence for e in ours] == list(range(1, 8))
    reported = [e for e in ours if e.pspp_status]
    assert [e.pspp_status for e in reported] == PSPP_ORDER
    # PSPP has exactly our events: their ids, in order
    assert _received(sim, number) == [
        (e.pspp_sequence, e.pspp_status, e.event_id) for e in reported
    ]
    # the card was published (PSPP refuses a case of a service not in it)
    assert sim.published == ["PKIP-012"]
    assert sim.cards["PKIP-012"]["card"]["provider"]["atvk"] == RIGA_ATVK
    # planned dates in working days: registered by the next working day, the
    # decision within the diagram's 30 working days
    registered, decided = ours[1], ours[4]
    assert registered.planned_at is not None and decided.planned_at is not None
    assert registered.planned_at.isoformat() == "2026-03-03T21:59:59+00:00"
    assert decided.planned_at > registered.planned_at
    assert not decided.late
    page = sim.page().get_data(as_text=True)
    assert number in page and "Gaida klienta informāciju" in page


def test_the_history_is_append_only(live: Platform) -> None:
    number = _start(live)
    with (
        pytest.raises(ValueError, match="append-only"),
        live.transaction() as session,
    ):
        case = cases.get_case(session, number, MUNI)
        first = accounting.history(session, case.id)[0]
        first.status = "closed"
        session.flush()


def test_a_later_event_waits_for_an_earlier_one_under_faults(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    number = _start(live)
    _review(live, number)
    sim.inject("case_event", "http500", 1)
    stats = outbox.deliver_due(live)  # the card, then the first event fails
    assert stats.retried == 1
    assert _received(sim, number) == []
    with live.transaction() as session:
        statuses = [
            m.status
            for m in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.operator == "pspp.case_event")
                .order_by(OutboxMessage.id)
            )
        ]
    assert statuses == [PENDING, HELD, HELD]  # the later ones are not even due
    clock.advance(seconds=3)
    outbox.deliver_due(live)
    assert [s for s, _, _ in _received(sim, number)] == [1, 2, 3]


def test_a_day_of_outage_then_everything_in_order(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    sim.inject("publish_service", "http500", 10_000)
    sim.inject("get_service_card", "http500", 10_000)
    number = _run_case(live)
    for _ in range(24):  # PSPP down for a day; the job keeps sweeping
        clock.advance(hours=1)
        outbox.deliver_due(live)
    assert _received(sim, number) == []
    with live.transaction() as session:
        # a feed keeps trying while PSPP is away: no incident, nothing failed
        assert session.scalars(select(Incident)).all() == []
    sim.faults.clear()
    clock.advance(hours=1)
    outbox.deliver_due(live)
    assert [st for _, st, _ in _received(sim, number)] == PSPP_ORDER


def test_a_repeated_delivery_is_one_event_at_pspp(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    number = _run_case(live)
    drain_outbox(live)
    before = _received(sim, number)
    with live.transaction() as session:
        # as if the worker died after the send, before its commit
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.operator == "pspp.case_event")
        ).first()
        assert message is not None and message.status == DELIVERED
        message.status = PENDING
    clock.advance(seconds=live.retry_policy.lease_seconds + 1)  # its lease runs out
    assert outbox.deliver_due(live).delivered == 1
    assert _received(sim, number) == before
    assert sim.ledger.duplicates >= 1


def test_reconcile_finds_and_requeues_a_lost_case(
    live: Platform,
    sim: PsppSimulator,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = _run_case(live)
    other = _run_case(live)
    outbox.deliver_due(live)
    with live.transaction() as session:
        assert accounting.find_divergent(session, live.connectors, MUNI) == []
    sim.forget_case(number)

    monkeypatch.setenv("PKIP_DATABASE_URL", live.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    runner = CliRunner()
    listed = runner.invoke(main, ["pspp", "reconcile", "--municipality", MUNI])
    assert listed.exit_code == 1, listed.output
    assert f"{number}: PSPP trūkst 5 notikumu (no Nr. 1)" in listed.output
    assert other not in listed.output
    assert "atšķiras: 1" in listed.output

    fixed = runner.invoke(
        main, ["pspp", "reconcile", "--municipality", MUNI, "--requeue"]
    )
    assert fixed.exit_code == 0, fixed.output
    assert "nosūtīs atkārtoti: 5" in fixed.output
    clock.now = real_now()  # the command ran on the real clock
    outbox.deliver_due(live)
    assert [st for _, st, _ in _received(sim, number)] == PSPP_ORDER
    again = runner.invoke(main, ["pspp", "reconcile"])
    assert again.exit_code == 0 and "atšķiras: 0" in again.output


class _Gate:
    """A registry whose PSPP event sends stop until released: a worker caught in
    the middle of a delivery."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.go = threading.Event()

    def has_operator(self, name: str) -> bool:
        return bool(self.inner.has_operator(name))

    def is_command(self, name: str) -> bool:
        return bool(self.inner.is_command(name))

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        if name == "pspp.case_event":
            self.entered.set()
            self.go.wait(10)
        return self.inner.call(name, params, context)


@pytest.mark.skipif(
    not os.environ.get("PKIP_DATABASE_URL", "").startswith("postgresql"),
    reason="row locks between two workers: PostgreSQL (CI)",
)
def test_an_event_queued_while_a_worker_sends_the_one_before(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    number = _start(live)
    outbox.deliver_due(live)
    _review(live, number)
    _request_payment(live, number)  # waiting_for_client (the payment): due now
    gate = _Gate(live.connectors)
    worker = Platform(live.settings, clock=clock, connectors=gate)  # type: ignore[arg-type]
    sending = threading.Thread(target=outbox.send_batch, args=(worker,))
    sending.start()
    try:
        assert gate.entered.wait(10)
        threading.Timer(0.3, gate.go.set).start()
        _pay(live, number)  # queues "decided" behind the message being sent
    finally:
        gate.go.set()
        sending.join(10)
        worker.dispose()
    with live.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        decided = next(
            e for e in accounting.history(session, case.id) if e.status == "decided"
        )
        message = session.get(OutboxMessage, decided.outbox_message_id)
        # Never stranded behind a delivered message (nothing would release it): the
        # worker sends outside a transaction, so either "decided" was queued first
        # and held, and the worker's record of the delivery (which locks the same
        # row) released it; or the record came first and it was due at once.
        assert message is not None
        assert message.status == PENDING
        assert message.next_attempt_at <= clock()
    outbox.deliver_due(live)
    assert [st for _, st, _ in _received(sim, number)] == PSPP_ORDER


def _complete_ready(platform: Platform, number: str, data: dict[str, Any]) -> None:
    with platform.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        task = session.scalars(
            select(UserTask).where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
        ).one()
        platform.engine(session).complete_task(task.id, data, actor="janis")


def test_a_tree_felling_case_from_registration_to_permit(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    with live.transaction() as session:
        number = cases.start_case(
            live.engine(session),
            session,
            "tree_felling",
            municipality=MUNI,
            data={},
            actor="lietvede",
            client=cases.Client("Ilze Ozola", DOG_OWNER),
            channel=cases.OFFICE,
        ).number
    for data in (TREE_REGISTRATION, INSPECTION_OK, DRAFT, SIGNED):
        clock.advance(hours=1)
        _complete_ready(live, number, data)
        outbox.deliver_due(live)
    drain_outbox(live)  # the permit is rendered and delivered, then the case ends
    ours = _ours(live, number)
    # clerks' tasks one after another: in progress throughout, then decided
    assert [e.status for e in ours] == [
        "submitted",
        "registered",
        "in_progress",
        "decided",
        "result_delivered",
        "closed",
    ]
    received = sim.case_events(number)
    assert [e["status"] for e in received] == [
        "registered",
        "in_progress",
        "decision_made",
        "completed",
    ]
    assert {e["channel"] for e in received} == {"in_person"}
    assert received[-1]["time"] == ours[-1].at.isoformat()


def test_a_cancelled_case_is_reported_cancelled_and_then_nothing(
    live: Platform, sim: PsppSimulator
) -> None:
    number = _start(live)
    with live.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        live.engine(session).cancel(case.instance_id, actor="vaditaja")
    outbox.deliver_due(live)
    assert [e["status"] for e in sim.case_events(number)] == [
        "registered",
        "in_progress",
        "cancelled",
    ]
    with live.transaction() as session:
        case = cases.get_case(session, number, MUNI)
        instance = live.engine(session).get_instance(case.instance_id)
        assert accounting.record(session, case, instance, now=case.created_at) == []
