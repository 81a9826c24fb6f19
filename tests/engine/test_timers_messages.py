# SPDX-License-Identifier: EUPL-1.2
"""Timers (interrupting, non-interrupting) on a controllable clock; messages."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import ManualClock
from engine.models import MessageSubscription, ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tasks import jobs
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR, T0
from tests.engine.factories import (
    TREE_REGISTRATION,
    deliver_commands,
    dog_fee_start,
    ready_task,
    ready_tasks,
)


def test_interrupting_timer_escalates_an_idle_review(
    engine: ProcessEngine, deployed: dict[str, int], clock: ManualClock
) -> None:
    inst = engine.start("dog_fee", municipality=MUNI, data=dog_fee_start())
    review = ready_task(engine.session, inst.id, "review_fee")
    assert inst.next_timer_at == T0 + timedelta(days=10)
    assert engine.due_timer_instances() == []

    clock.advance(days=9, hours=23)
    assert engine.fire_timers(inst.id) is None  # not due yet: nothing happens
    assert review.state == UserTask.READY

    clock.advance(hours=2)
    assert engine.due_timer_instances() == [inst.id]
    engine.fire_timers(inst.id)
    assert review.state == UserTask.CANCELLED
    overdue = ready_task(engine.session, inst.id, "review_overdue")
    assert overdue.candidate_group == "vaditajs"
    assert ("timer_fired", "review_fee_timeout") in [
        (e.kind, e.element_id) for e in engine.history(inst.id)
    ]
    assert inst.next_timer_at is None


def test_non_interrupting_timer_keeps_the_task(
    engine: ProcessEngine, deployed: dict[str, int], clock: ManualClock
) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    engine.complete_task(
        ready_task(engine.session, inst.id, "register_application").id,
        TREE_REGISTRATION,
        actor="a",
    )
    inspect = ready_task(engine.session, inst.id, "inspect_trees")
    clock.advance(days=3, seconds=1)
    engine.fire_timers(inst.id)
    assert inspect.state == UserTask.READY
    kinds = [(e.kind, e.element_id) for e in engine.history(inst.id)]
    assert ("timer_fired", "inspection_reminder_timer") in kinds
    assert ("step_completed", "send_reminder") in kinds
    assert inst.status == ProcessInstance.RUNNING


def test_suspended_instances_do_not_fire(
    engine: ProcessEngine, deployed: dict[str, int], clock: ManualClock
) -> None:
    inst = engine.start("dog_fee", municipality=MUNI, data=dog_fee_start())
    engine.suspend(inst.id, actor="admin")
    clock.advance(days=11)
    assert engine.due_timer_instances() == []
    engine.resume(
        inst.id, actor="admin"
    )  # a timer that fell due while suspended fires on resume
    assert ready_task(engine.session, inst.id, "review_overdue")


def test_timer_job_advances_due_instances(
    committed: Platform, clock: ManualClock
) -> None:
    from engine.deploy import read_files

    platform = committed
    with platform.transaction() as s:
        platform.deployer(s).deploy(read_files([PROCESS_DIR]))
        ids = [
            platform.engine(s)
            .start("dog_fee", municipality=MUNI, data=dog_fee_start(f"SN-{i}"))
            .id
            for i in range(3)
        ]
    assert jobs.fire_due_timers(platform) == 0
    clock.advance(days=10, seconds=1)
    assert jobs.fire_due_timers(platform) == 3
    with platform.transaction() as s:
        for inst_id in ids:
            assert [t.element_id for t in ready_tasks(s, inst_id)] == ["review_overdue"]
    assert jobs.fire_due_timers(platform) == 0


def _waiting_for_payment(
    engine: ProcessEngine, case: str, municipality: str = MUNI
) -> ProcessInstance:
    inst = engine.start("dog_fee", municipality=municipality, data=dog_fee_start(case))
    engine.complete_task(
        ready_task(engine.session, inst.id, "review_fee").id,
        {"approved": True},
        actor="a",
    )
    deliver_commands(engine, inst.id)  # the payment request: now it waits
    return inst


def test_message_goes_only_to_the_correlated_instance(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    a = _waiting_for_payment(engine, "SN-A")
    b = _waiting_for_payment(engine, "SN-B")
    other = _waiting_for_payment(engine, "SN-B", municipality=OTHER_MUNI)
    subs = engine.session.query(MessageSubscription).filter_by(instance_id=b.id).all()
    assert [(s.message_name, s.correlation) for s in subs] == [
        ("payment_received", '{"case_number": "SN-B"}')
    ]

    assert (
        engine.correlate_message(
            "payment_received",
            municipality=MUNI,
            correlation={"case_number": "SN-X"},
            payload={},
        )
        == []
    )
    got = engine.correlate_message(
        "payment_received",
        municipality=MUNI,
        correlation={"case_number": "SN-B"},
        payload={"case_number": "SN-B", "status": "paid", "amount": "60.00"},
    )
    assert [i.id for i in got] == [b.id]
    assert b.status == ProcessInstance.COMPLETED
    assert (
        a.status == ProcessInstance.RUNNING and other.status == ProcessInstance.RUNNING
    )
    assert (
        engine.session.query(MessageSubscription).filter_by(instance_id=b.id).count()
        == 0
    )
    # taken inside the payment sub-process (a call activity)
    received = [e for e in engine.history(b.id) if e.element_id == "wait_payment"]
    assert received[0].details == {"subprocess": "payment"}


def test_message_start_event_starts_a_new_instance(
    engine: ProcessEngine, platform: Platform
) -> None:
    from engine.deploy import read_files
    from tests.conftest import TEST_BPMN

    platform.deployer(engine.session).deploy(
        read_files([TEST_BPMN / "message_start.bpmn"])
    )
    started = engine.correlate_message(
        "application_received",
        municipality=MUNI,
        payload={"subject": "Iesniegums par koku"},
    )
    assert len(started) == 1 and started[0].process_key == "edelivery_intake"
    task = ready_task(engine.session, started[0].id, "register")
    engine.complete_task(task.id, {}, actor="lietvede")
    assert started[0].status == ProcessInstance.COMPLETED


def test_intermediate_timer_waits_then_continues(
    engine: ProcessEngine, platform: Platform, clock: ManualClock
) -> None:
    from engine.deploy import read_files
    from tests.conftest import TEST_BPMN

    platform.deployer(engine.session).deploy(
        read_files([TEST_BPMN / "wait_timer.bpmn"])
    )
    inst = engine.start("appeal_window", municipality=MUNI)
    assert ready_tasks(engine.session, inst.id) == []
    # one calendar month from 02.03.2026
    assert inst.next_timer_at == T0 + timedelta(days=31)
    clock.advance(days=30)
    assert engine.fire_timers(inst.id) is None
    clock.advance(days=1, seconds=1)
    engine.fire_timers(inst.id)
    assert ready_task(engine.session, inst.id, "archive")
    assert ("timer_fired", "wait_month") in [
        (e.kind, e.element_id) for e in engine.history(inst.id)
    ]
