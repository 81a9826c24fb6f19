# SPDX-License-Identifier: EUPL-1.2
"""BPMN 2.0 conformance, events (2): end events at the top level, link events,
event-based gateways, signals across processes, message flows between pools, and
what `pkip bpmn run` prints when a run cannot complete.

Each diagram (tests/engine/bpmn/conformance/ev_*.bpmn) runs through `pkip bpmn run`
and through the persistent engine.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.deploy import DeployError
from engine.models import HistoryEvent, Incident, ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import T0, TEST_BPMN
from tests.engine import bpmn_snippets as b
from tests.engine.conformance_helpers import (
    MUNI,
    before,
    cli_run,
    completed,
    deploy,
    fire_until_idle,
    instances_of,
)
from webapp.cli import main

# -- error and escalation end events at the top level ---------------------------------


def test_top_level_error_end_event_ends_the_run_failed() -> None:
    code, out = cli_run("ev_error_end_top.bpmn")
    assert code == 1 and out["status"] == "failed"
    assert out["end_event"] == "end_error" and "FATAL" in out["reason"]
    assert out["completed"] == ["start", "check", "end_error"]


def test_top_level_error_end_event_fails_the_instance(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_error_end_top.bpmn")
    inst = engine.start("ev_error_end_top", municipality=MUNI)
    assert inst.status == ProcessInstance.FAILED  # never "completed"
    assert inst.end_event == "end_error" and inst.ended_at is not None
    [incident] = engine.open_incidents(inst.id)
    assert incident.kind == "error_end" and incident.element_id == "end_error"
    assert "kļūdu" in incident.message and "FATAL" in incident.message
    assert inst.has_incident


def test_escalation_end_events_caught_on_a_boundary_and_uncaught_at_the_top(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    # BPMN 2.0, 10.5.5: an escalation nobody catches has no effect: the case ends
    code, out = cli_run("ev_escalation_end.bpmn")
    assert code == 0 and out["status"] == "completed"
    assert before(out["completed"], "w_escalate", "on_help", "helped")
    assert out["end_event"] == "end_top_escalation"
    assert "end_plain" not in out["completed"]

    deploy(db_session, platform, "ev_escalation_end.bpmn")
    inst = engine.start("ev_escalation_end", municipality=MUNI)
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_top_escalation"
    assert "end_plain" not in completed(db_session, inst.id)


# -- link events -----------------------------------------------------------------------


def test_link_events_continue_at_their_catch_event(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    code, out = cli_run("ev_link.bpmn")
    assert code == 0 and out["end_event"] == "end"
    expected = ["start", "first", "go_page2", "from_page1", "second", "end"]
    assert out["completed"] == expected and out["data"]["step"] == 2

    deploy(db_session, platform, "ev_link.bpmn")
    inst = engine.start("ev_link", municipality=MUNI)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert completed(db_session, inst.id) == expected


def test_an_unpaired_link_is_refused_by_name(
    db_session: Session, platform: Platform
) -> None:
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:intermediateThrowEvent id="jump">'
        '<bpmn:linkEventDefinition name="nowhere"/></bpmn:intermediateThrowEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="jump"/>'
    )
    with pytest.raises(DeployError) as refused:
        platform.deployer(db_session).deploy({"l.bpmn": b.process("l", body)})
    [problem] = refused.value.problems
    assert problem.element_id == "jump"
    assert "saites notikumam 'nowhere'" in problem.reason


# -- event-based gateway with a timer --------------------------------------------------


def test_event_based_gateway_takes_the_first_event() -> None:
    code, out = cli_run("ev_event_gateway.bpmn")
    assert code == 0 and out["end_event"] == "end_unpaid"
    assert "got_paid" not in out["completed"]
    code, out = cli_run("ev_event_gateway.bpmn", "--message", 'paid={"sum": 5}')
    assert code == 0 and out["end_event"] == "end_paid"
    assert "timeout" not in out["completed"]


def test_event_based_gateway_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    deploy(db_session, platform, "ev_event_gateway.bpmn")
    paid = engine.start("ev_event_gateway", municipality=MUNI)
    unpaid = engine.start("ev_event_gateway", municipality=MUNI)
    # the gateway's timer is a due timer like any other (the timer job finds it)
    assert unpaid.next_timer_at == T0 + timedelta(days=14)
    engine.correlate_message("paid", municipality=MUNI, payload={"sum": 5})
    assert {paid.status, unpaid.status} == {ProcessInstance.COMPLETED}
    assert {paid.end_event, unpaid.end_event} == {"end_paid"}
    third = engine.start("ev_event_gateway", municipality=MUNI)
    fire_until_idle(engine, clock, third)
    assert third.status == ProcessInstance.COMPLETED
    assert third.end_event == "end_unpaid"
    assert "got_paid" not in completed(db_session, third.id)


# -- signals across the processes of one deployment -----------------------------------


def test_signals_across_processes_in_a_run() -> None:
    code, out = cli_run("ev_signal_across.bpmn", "--process", "ev_sig_sender")
    assert code == 0 and out["status"] == "completed", out
    by_process = {i["process"]: i for i in out["instances"]}
    # signal start: the receiver starts on "opened"; intermediate catch: the
    # listener (a pool that started with the sender) hears it; signal end +
    # interrupting boundary: "closed" cancels the receiver's work an hour later
    assert by_process["ev_sig_receiver"]["end_event"] == "end_cancelled"
    assert by_process["ev_sig_sender"]["end_event"] == "end_closed"
    assert by_process["ev_sig_listener"]["end_event"] == "l_end"
    order = out["completed"]
    assert before(order, "throw_opened", "on_opened", "end_closed", "on_closed")
    assert before(order, "throw_opened", "hear_opened", "l_end")
    assert not {"w_wait", "w_end", "end_worked"} & set(order)


def test_signals_across_instances_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    assert sorted(deploy(db_session, platform, "ev_signal_across.bpmn")) == [
        "ev_sig_listener",
        "ev_sig_receiver",
        "ev_sig_sender",
    ]
    listener = engine.start("ev_sig_listener", municipality=MUNI)
    other = engine.start("ev_sig_listener", municipality="JELGAVA")
    sender = engine.start("ev_sig_sender", municipality=MUNI)
    assert listener.status == ProcessInstance.COMPLETED  # intermediate catch
    assert other.status == ProcessInstance.RUNNING  # another municipality
    [receiver] = instances_of(db_session, "ev_sig_receiver")
    assert receiver.status == ProcessInstance.RUNNING
    assert "on_opened" in completed(db_session, receiver.id)
    db_session.expire_all()  # what follows reads both instances from the database
    fire_until_idle(engine, clock, sender)
    receiver = engine.get_instance(receiver.id)
    assert sender.status == ProcessInstance.COMPLETED
    assert receiver.status == ProcessInstance.COMPLETED
    assert receiver.end_event == "end_cancelled"
    assert "w_end" not in completed(db_session, receiver.id)


def test_signals_stay_within_the_municipality(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_signal_across.bpmn")
    engine.start("ev_sig_sender", municipality=MUNI)
    engine.start("ev_sig_sender", municipality="JELGAVA")
    receivers = instances_of(db_session, "ev_sig_receiver")
    assert sorted(r.municipality for r in receivers) == ["JELGAVA", MUNI]


# -- message flows between the pools of a collaboration -------------------------------


def test_collaboration_pools_exchange_messages_in_a_run() -> None:
    code, out = cli_run("ev_collaboration_messages.bpmn")
    assert code == 0 and out["status"] == "completed", out
    assert [i["status"] for i in out["instances"]] == ["completed", "completed"]
    assert before(
        out["completed"],
        "send_request",
        "on_request",
        "throw_ack",
        "end_reply",
        "catch_ack",
        "receive_reply",
        "end",
    )


def test_collaboration_pools_exchange_messages_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_collaboration_messages.bpmn")
    client = engine.start("ev_client", municipality=MUNI)
    [office] = instances_of(db_session, "ev_office")
    assert office.status == ProcessInstance.COMPLETED
    assert office.end_event == "end_reply"
    assert client.status == ProcessInstance.COMPLETED and client.end_event == "end"
    assert before(completed(db_session, client.id), "catch_ack", "receive_reply")
    # the request's data went with the message to the other pool
    assert engine.workflow(office).data["request"] == {"text": "Lūdzu izziņu"}


def test_a_message_nobody_waits_for_is_recorded(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_collaboration_messages.bpmn")
    office = engine.start("ev_office", municipality=MUNI, message=("request", {"x": 1}))
    assert office.status == ProcessInstance.COMPLETED
    unclaimed = db_session.scalars(
        select(HistoryEvent).where(
            HistoryEvent.instance_id == office.id,
            HistoryEvent.kind == "message_unclaimed",
        )
    ).all()
    assert sorted(e.details["message"] for e in unclaimed) == ["ack", "reply"]


# -- a run that cannot go on still prints its JSON ------------------------------------


def test_a_stuck_run_prints_what_it_waits_for() -> None:
    result = CliRunner().invoke(
        main, ["bpmn", "run", str(TEST_BPMN / "message_start.bpmn")]
    )
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["status"] == "stuck" and out["waiting"] == ["received"]
    assert out["completed"] == [] and "data" in out
    assert "Traceback" not in result.stdout + result.stderr


def test_a_failing_script_is_json_not_a_traceback() -> None:
    # no "mode" in the data: the gateway's condition cannot be evaluated
    code, out = cli_run("ev_boundary_call_activity.bpmn")
    assert code == 1 and out["status"] == "error"
    assert "mode" in out["reason"] and out["completed"][:2] == ["start", "c_start"]
    assert "c_choice" in out["waiting"]


def test_an_incident_is_not_a_failed_instance(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_boundary_call_activity.bpmn")
    inst = engine.start("ev_boundary_call", municipality=MUNI)
    assert inst.status == ProcessInstance.RUNNING and inst.has_incident
    kinds = [i.kind for i in db_session.scalars(select(Incident))]
    assert "error_end" not in kinds


# -- conditional intermediate catch event --------------------------------------------


def test_conditional_catch_fires_when_another_branch_makes_it_true(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    # SpiffWorkflow 3.2 alone waits forever here: the event keeps the data it
    # arrived with (approved = False)
    code, out = cli_run("ev_conditional_catch.bpmn")
    assert code == 0 and out["status"] == "completed", out
    assert before(out["completed"], "approve", "until_approved", "notify", "end")

    deploy(db_session, platform, "ev_conditional_catch.bpmn")
    inst = engine.start("ev_conditional_catch", municipality=MUNI)
    assert inst.status == ProcessInstance.RUNNING
    assert "until_approved" not in completed(db_session, inst.id)
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert before(completed(db_session, inst.id), "approve", "until_approved")


def test_a_run_lists_loop_and_multi_instance_activities_by_iterations(
    tmp_path: Path,
) -> None:
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:scriptTask id="each"><bpmn:multiInstanceLoopCharacteristics'
        ' isSequential="true"><bpmn:loopCardinality>3</bpmn:loopCardinality>'
        "</bpmn:multiInstanceLoopCharacteristics><bpmn:script>x = 1</bpmn:script>"
        "</bpmn:scriptTask>"
        '<bpmn:scriptTask id="again"><bpmn:standardLoopCharacteristics>'
        "<bpmn:loopCondition>n &gt;= 2</bpmn:loopCondition>"
        "</bpmn:standardLoopCharacteristics><bpmn:script>n = n + 1</bpmn:script>"
        "</bpmn:scriptTask>"
        '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="each"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="again"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="end"/>'
    )
    path = tmp_path / "iterations.bpmn"
    path.write_bytes(b.process("iterations", body))
    result = CliRunner().invoke(main, ["bpmn", "run", str(path), "--data", '{"n": 0}'])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    runs = out["data"]["n"]  # executions of the loop, as its own data counts them
    assert out["completed"].count("each") == 3
    assert out["completed"].count("again") == runs


def test_messages_between_pools_reach_the_instance_with_their_keys(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    code, out = cli_run(
        "ev_collaboration_correlated.bpmn", "--data", '{"case_number": "A-1"}'
    )
    assert code == 0 and out["data"]["answer"] == {"case_number": "A-1", "found": True}

    deploy(db_session, platform, "ev_collaboration_correlated.bpmn")
    first = engine.start("ev_applicant", municipality=MUNI, data={"case_number": "A-1"})
    second = engine.start(
        "ev_applicant", municipality=MUNI, data={"case_number": "B-2"}
    )
    registries = instances_of(db_session, "ev_registry")
    assert len(registries) == 2 and first.status == ProcessInstance.RUNNING
    # the registry of the second case answers first: only the second case moves
    [for_second] = [
        r
        for r in registries
        if engine.workflow(r).last_task.data.get("case_number") == "B-2"
    ]
    fire_until_idle(engine, clock, for_second)
    assert second.status == ProcessInstance.COMPLETED
    assert first.status == ProcessInstance.RUNNING
    assert engine.workflow(second).data["answer"]["case_number"] == "B-2"
