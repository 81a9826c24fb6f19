# SPDX-License-Identifier: EUPL-1.2
"""Compensation (BPMN 2.0 §10.6.5, §13.5.5) through the persistent engine and
`pkip bpmn run`: diagrams tests/engine/bpmn/conformance/fl_compensation*.bpmn."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.deploy import read_files
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine.factories import ready_task
from tests.engine.flow_conformance import both, diagram, via_cli


def test_compensation_throw_runs_the_handlers_of_completed_activities(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    data = {"accepted": False}
    for outcome in both(platform, db_session, engine, "fl_compensation", data):
        # "skipped" never ran, so its handler does not either
        assert outcome.counts == {
            "start": 1,
            "book": 1,
            "pay": 1,
            "ok": 1,
            "refund": 1,
            "unbook": 1,
            "undo": 1,
            "notify": 1,
            "end_undo": 1,
        }
        # the handlers ran, and waited for, before "notify"; both changes kept
        assert outcome.data["notified"] == [False, False]
        assert (outcome.data["booked"], outcome.data["paid"]) == (False, False)
        assert outcome.end == "end_undo"
    code, printed = via_cli("fl_compensation", data)
    order = [k for k in printed.counts if k in ("refund", "unbook")]
    assert order == ["refund", "unbook"]  # the most recently completed first


def test_compensation_is_not_thrown_on_the_path_that_needs_none(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    data = {"accepted": True}
    for outcome in both(platform, db_session, engine, "fl_compensation", data):
        assert not {"refund", "unbook", "unextra"} & set(outcome.counts)
        assert outcome.end == "end_ok" and outcome.data["paid"] is True


def test_compensation_end_event_with_activity_ref(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    for outcome in both(platform, db_session, engine, "fl_compensation_end", {}):
        assert outcome.counts == {
            "start": 1,
            "book": 1,
            "pay": 1,
            "unbook": 1,
            "end_undo": 1,
        }
        assert outcome.data == {"booked": False, "paid": True}
        assert outcome.end == "end_undo"


def test_compensation_handler_user_task_across_wait_states(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_compensation_wait"
    platform.deployer(db_session).deploy(read_files([diagram(name)]))
    instance = engine.start(name, municipality=MUNI, data={})
    confirm = ready_task(db_session, instance.id, "confirm")
    instance = engine.complete_task(confirm.id, {}, actor="anna")
    unbook = ready_task(db_session, instance.id, "unbook")
    assert instance.status == ProcessInstance.RUNNING  # "undo" waits for it
    assert "undo" not in [e.element_id for e in engine.history(instance.id)]
    instance = engine.complete_task(unbook.id, {"booked": False}, actor="anna")
    assert (instance.status, instance.end_event) == ("completed", "end")
    history = engine.history(instance.id)
    ran = [e.element_id for e in history if e.kind not in ("task_ready", "ended")]
    assert ran[-3:] == ["unbook", "undo", "end"]
    assert engine.workflow(instance).data["booked"] is False
    code, printed = via_cli(name, {}, "--auto", "--task", 'unbook={"booked": false}')
    assert code == 0, printed.error
    assert printed.data["booked"] is False and printed.end == "end"


def test_compensation_inside_a_sub_process_and_the_process_goes_on(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_compensation_sub"
    for outcome in both(platform, db_session, engine, name, {}):
        assert outcome.counts["unbook"] == 1 and "refund" not in outcome.counts
        assert outcome.counts["sub"] == 1 and outcome.end == "o_end"
        assert outcome.data == {"booked": False, "paid": True, "after": False}
    # the embedded sub-process is not a definition of its own
    result = platform.deployer(db_session).deploy(read_files([diagram(name)]))
    assert [r.definition.key for r in result] == [name]
