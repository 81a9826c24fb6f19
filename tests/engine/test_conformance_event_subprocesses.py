# SPDX-License-Identifier: EUPL-1.2
"""BPMN 2.0 conformance, events (1): event sub-processes, boundary events on
sub-processes and call activities, terminate inside a sub-process.

Each diagram in tests/engine/bpmn/conformance/ev_*.bpmn is drawn from the
specification and run twice: through `pkip bpmn run` and through the persistent
engine (every operation loads the instance from the database and saves it again).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.deploy import DeployError
from engine.models import MessageSubscription, ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import T0
from tests.engine.conformance_helpers import (
    MUNI,
    before,
    cli_run,
    completed,
    deploy,
    fire_until_idle,
)

# -- interrupting timer event sub-process (BPMN 2.0, 10.3.5) --------------------------


def test_interrupting_timer_event_subprocess_runs_instead_of_the_process() -> None:
    code, out = cli_run("ev_esp_timer_interrupting.bpmn")
    assert code == 0 and out["status"] == "completed"
    assert before(out["completed"], "start", "esp_start", "escalate", "esp_end")
    assert not {"wait_day", "after", "end"} & set(out["completed"])
    assert out["end_event"] == "esp_end" and out["data"]["escalated"] is True


def test_interrupting_timer_event_subprocess_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    deploy(db_session, platform, "ev_esp_timer_interrupting.bpmn")
    inst = engine.start("ev_esp_timer_int", municipality=MUNI)
    assert inst.status == ProcessInstance.RUNNING
    assert inst.next_timer_at == T0.replace(hour=T0.hour + 1)  # PT1H before P1D
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "esp_end"
    done = completed(db_session, inst.id)
    assert before(done, "esp_start", "escalate", "esp_end")
    assert not {"wait_day", "after", "end"} & set(done)


# -- non-interrupting timer cycle event sub-process -----------------------------------


def test_timer_cycle_event_subprocess_repeats_beside_the_process() -> None:
    code, out = cli_run("ev_esp_timer_cycle.bpmn")
    assert code == 0 and out["status"] == "completed"
    assert out["completed"].count("remind") == 3  # R3/PT1H within the PT3H30M wait
    assert out["end_event"] == "end" and "wait_3h" in out["completed"]


def test_timer_cycle_event_subprocess_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    deploy(db_session, platform, "ev_esp_timer_cycle.bpmn")
    inst = engine.start("ev_esp_timer_cycle", municipality=MUNI)
    fire_until_idle(engine, clock, inst)
    done = completed(db_session, inst.id)
    assert done.count("remind") == 3
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert done.index("wait_3h") > max(i for i, e in enumerate(done) if e == "remind")


# -- message event sub-processes inside a sub-process ---------------------------------


def test_message_event_subprocesses_of_a_subprocess() -> None:
    code, out = cli_run(
        "ev_esp_message.bpmn",
        "--message",
        'note_added={"note": "zvanīja"}',
        "--message",
        'withdrawn={"by": "iesniedzējs"}',
    )
    assert code == 0 and out["status"] == "completed", out
    order = out["completed"]
    # non-interrupting: the note is recorded and the sub-process goes on waiting;
    # interrupting: the withdrawal ends the sub-process, the process continues after
    assert before(order, "note_start", "record_note", "withdraw_start")
    assert before(order, "close_withdrawn", "handling", "after", "end")
    assert "wait_day" not in order and "h_end" not in order


def test_non_interrupting_message_keeps_the_subprocess_running() -> None:
    code, out = cli_run("ev_esp_message.bpmn", "--message", 'note_added={"n": 1}')
    assert code == 0, out
    assert before(out["completed"], "record_note", "wait_day", "h_end", "after")
    assert "close_withdrawn" not in out["completed"]


def test_message_event_subprocesses_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_esp_message.bpmn")
    inst = engine.start("ev_esp_message", municipality=MUNI)
    names = {
        s.message_name
        for s in db_session.query(MessageSubscription).filter_by(instance_id=inst.id)
    }
    assert {"note_added", "withdrawn"} <= names  # waits of a running sub-process
    assert engine.correlate_message(
        "note_added", municipality=MUNI, payload={"n": 1}
    ) == [inst]
    assert inst.status == ProcessInstance.RUNNING
    engine.correlate_message("withdrawn", municipality=MUNI, payload={"w": 1})
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    done = completed(db_session, inst.id)
    assert before(done, "record_note", "close_withdrawn", "after", "end")
    assert "wait_day" not in done


# -- signal and escalation event sub-processes ----------------------------------------


def test_signal_and_escalation_event_subprocesses_start_on_their_event() -> None:
    code, out = cli_run("ev_esp_signal_escalation.bpmn")
    assert code == 0 and out["status"] == "completed"
    order = out["completed"]
    # SpiffWorkflow 3.2 alone starts the escalation handler at the process start
    assert before(order, "throw_alarm", "alarm_start", "on_alarm")
    assert before(order, "throw_late", "late_start", "on_late")
    assert out["end_event"] == "end"


def test_signal_and_escalation_event_subprocesses_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    deploy(db_session, platform, "ev_esp_signal_escalation.bpmn")
    inst = engine.start("ev_esp_signal_escalation", municipality=MUNI)
    done = completed(db_session, inst.id)
    assert before(done, "throw_late", "on_late") and "on_alarm" in done
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"


# -- error event sub-process catching an error two levels down ------------------------


def test_error_event_subprocess_catches_across_levels_and_interrupts() -> None:
    code, out = cli_run("ev_esp_error.bpmn")
    assert code == 0 and out["status"] == "completed"
    order = out["completed"]
    assert before(order, "i_error", "error_start", "handle_error", "error_end")
    assert not {"o_end", "outer", "after", "end"} & set(order)
    assert out["end_event"] == "error_end"


def test_error_event_subprocess_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    deploy(db_session, platform, "ev_esp_error.bpmn")
    inst = engine.start("ev_esp_error", municipality=MUNI)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "error_end"
    done = completed(db_session, inst.id)
    assert before(done, "i_error", "handle_error") and "after" not in done


# -- conditional events: refused by name ----------------------------------------------


def test_conditional_event_is_refused_at_deploy(
    db_session: Session, platform: Platform
) -> None:
    with pytest.raises(DeployError) as refused:
        deploy(db_session, platform, "ev_esp_conditional.bpmn")
    problem = refused.value.problems[0]
    assert problem.element_id == "big_start" and "nosacījuma" in problem.reason
    result = cli_run_refused("ev_esp_conditional.bpmn")
    assert result[0] == 2 and "big_start" in result[1] and "nosacījuma" in result[1]


def cli_run_refused(name: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from tests.engine.conformance_helpers import CONFORMANCE
    from webapp.cli import main

    result = CliRunner().invoke(main, ["bpmn", "run", str(CONFORMANCE / name)])
    return result.exit_code, result.stderr


# -- boundary timers on a sub-process -------------------------------------------------


def test_boundary_timers_on_a_subprocess() -> None:
    code, out = cli_run("ev_boundary_subprocess_timer.bpmn")
    assert code == 0 and out["status"] == "completed"
    order = out["completed"]
    assert order.count("remind") == 2  # 20 h and 40 h, before the 58 h deadline
    assert before(order, "wait_2d", "deadline", "escalate", "end_late")
    # interrupting: what was still running inside is cancelled
    assert not {"wait_3d", "r_join", "r_end", "review", "end_on_time"} & set(order)
    assert out["end_event"] == "end_late"


def test_boundary_timers_on_a_subprocess_persisted(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    deploy(db_session, platform, "ev_boundary_subprocess_timer.bpmn")
    inst = engine.start("ev_boundary_sub_timer", municipality=MUNI)
    fire_until_idle(engine, clock, inst)
    done = completed(db_session, inst.id)
    assert done.count("remind") == 2 and "wait_3d" not in done
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end_late"


# -- boundary events on a call activity -----------------------------------------------


@pytest.mark.parametrize(
    ("mode", "end", "present", "absent"),
    [
        # the non-interrupting reminder (30 min) leaves the called process running
        ("fast", "end_ok", ["remind_caller", "c_wait", "call_check"], {"call_timeout"}),
        # the interrupting timer (2 h) cancels everything inside the called process
        (
            "slow",
            "end_timeout",
            ["remind_caller", "call_timeout"],
            {"c_end", "c_wait_long", "call_check", "end_ok"},
        ),
        ("refuse", "end_refused", ["c_refuse", "call_refused"], {"c_end", "end_ok"}),
    ],
)
def test_boundary_events_on_a_call_activity(
    mode: str,
    end: str,
    present: list[str],
    absent: set[str],
    engine: ProcessEngine,
    db_session: Session,
    platform: Platform,
    clock: ManualClock,
) -> None:
    code, out = cli_run(
        "ev_boundary_call_activity.bpmn", "--data", f'{{"mode": "{mode}"}}'
    )
    assert code == 0 and out["end_event"] == end, out
    assert before(out["completed"], *present)
    assert not absent & set(out["completed"])

    deploy(db_session, platform, "ev_boundary_call_activity.bpmn")
    inst = engine.start("ev_boundary_call", municipality=MUNI, data={"mode": mode})
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == end
    done = completed(db_session, inst.id)
    assert before(done, *present) and not absent & set(done)


# -- terminate end event inside a sub-process -----------------------------------------


def test_terminate_inside_a_subprocess_ends_only_the_subprocess(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    code, out = cli_run("ev_terminate_in_subprocess.bpmn")
    assert code == 0 and out["end_event"] == "end"
    assert before(out["completed"], "quick", "w_terminate", "work", "after", "end")
    assert not {"w_wait", "w_end"} & set(out["completed"])

    deploy(db_session, platform, "ev_terminate_in_subprocess.bpmn")
    inst = engine.start("ev_terminate_sub", municipality=MUNI)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert inst.next_timer_at is None  # the cancelled branch's timer is gone
    done = completed(db_session, inst.id)
    assert before(done, "w_terminate", "after") and "w_wait" not in done


# -- timer event sub-process inside a sub-process; error caught two levels up ---------


def test_timer_event_subprocess_inside_a_subprocess(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    # SpiffWorkflow 3.2 alone runs the handler and then the sub-process's own path
    code, out = cli_run("ev_esp_timer_in_subprocess.bpmn")
    assert code == 0 and out["end_event"] == "end"
    assert before(out["completed"], "r_esp_start", "close_review", "review", "after")
    assert not {"r_wait", "r_end"} & set(out["completed"])

    deploy(db_session, platform, "ev_esp_timer_in_subprocess.bpmn")
    inst = engine.start("ev_esp_timer_sub", municipality=MUNI)
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    done = completed(db_session, inst.id)
    assert before(done, "close_review", "after") and "r_wait" not in done


def test_error_caught_by_a_boundary_two_levels_up(
    engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    code, out = cli_run("ev_error_boundary_nested.bpmn")
    assert code == 0 and out["end_event"] == "end_handled"
    assert before(out["completed"], "i_error", "on_missing", "handle")
    assert not {"o_wait", "o_join", "o_end", "end_normal"} & set(out["completed"])

    deploy(db_session, platform, "ev_error_boundary_nested.bpmn")
    inst = engine.start("ev_error_boundary_nested", municipality=MUNI)
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_handled" and inst.next_timer_at is None
    assert "o_end" not in completed(db_session, inst.id)


def test_timer_boundaries_inside_a_subprocess(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    # The run tries the process, not its sub-process (which SpiffWorkflow also
    # registers as a process, and which `pkip bpmn run` once picked by its name).
    code, out = cli_run("ev_boundary_timer_in_subprocess.bpmn")
    assert code == 0 and out["process"] == "ev_boundary_timer_in_sub"
    order = out["completed"]
    assert order.count("remind") == 2  # R2/P1D, before the P3D deadline
    assert before(order, "remind", "docs_late", "mark_late", "collect", "after", "end")
    assert "receive_docs" not in order and out["end_event"] == "end"

    deploy(db_session, platform, "ev_boundary_timer_in_subprocess.bpmn")
    inst = engine.start("ev_boundary_timer_in_sub", municipality=MUNI)
    assert inst.next_timer_at == T0 + timedelta(days=1)
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    done = completed(db_session, inst.id)
    assert done.count("remind") == 2 and before(done, "mark_late", "after")


def test_an_unbounded_timer_cycle_event_subprocess_ends_with_its_process(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    # R/PT1H beside a PT2H30M wait: two reminders, then the process ends and the
    # event sub-process waiting for a third is cancelled (it lives only while its
    # process is active); SpiffWorkflow alone would keep the process open forever
    code, out = cli_run("ev_esp_cycle_unbounded.bpmn")
    assert code == 0 and out["status"] == "completed" and out["end_event"] == "end"
    assert out["completed"].count("remind") == 2 and out["completed"][-1] == "end"

    deploy(db_session, platform, "ev_esp_cycle_unbounded.bpmn")
    inst = engine.start("ev_esp_cycle_unbounded", municipality=MUNI)
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert inst.next_timer_at is None
    assert completed(db_session, inst.id).count("remind") == 2
