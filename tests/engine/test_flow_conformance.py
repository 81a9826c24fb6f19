# SPDX-License-Identifier: EUPL-1.2
"""BPMN 2.0 flow constructs: each runs as the standard says, through the persistent
engine and through `pkip bpmn run`, or deploy refuses it by name (issue 9, item 2).

The diagrams are in tests/engine/bpmn/conformance/fl_*.bpmn, each with the clause of
the specification it follows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from engine.advance import find_task
from engine.deploy import read_files
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine.factories import ready_task, ready_tasks
from tests.engine.flow_conformance import (
    both,
    diagram,
    persisted,
    plain_spiff,
    refusal,
    via_cli,
)


# -- several flows leaving an activity, several entering one ------------------------
@pytest.mark.parametrize(
    ("x", "ran", "joins"),
    [
        (5, {"task_b", "task_c"}, 2),  # both conditions hold: an inclusive split
        (2, {"task_b"}, 1),
        (0, {"other"}, 1),  # none holds: the activity's default flow
    ],
)
def test_conditional_flows_leaving_an_activity_and_an_uncontrolled_merge(
    platform: Platform,
    db_session: Session,
    engine: ProcessEngine,
    x: int,
    ran: set[str],
    joins: int,
) -> None:
    for outcome in both(platform, db_session, engine, "fl_implicit_split", {"x": x}):
        branches = {"task_b", "task_c", "other"}
        assert {k for k in outcome.counts if k in branches} == ran
        # every token entering "join" runs it once, and each reaches the end event
        assert outcome.counts["join"] == joins
        assert outcome.counts["end"] == joins
        assert outcome.counts["decide"] == 1
        assert outcome.end == "end"
        assert outcome.data["decided"] is True
        assert {k for k in ("b", "c", "other") if k in outcome.data} == {
            {"task_b": "b", "task_c": "c", "other": "other"}[r] for r in ran
        }


def test_an_activity_whose_conditions_all_fail_is_an_incident_naming_it(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name, data = "fl_activity_no_default", {"x": 0}
    stored, instance = persisted(platform, db_session, engine, name, data)
    assert instance.status == ProcessInstance.RUNNING and stored.end is None
    [incident] = engine.open_incidents(instance.id)
    assert incident.element_id == "check"
    assert incident.message.startswith("no darbības 'check' neviena nosacījuma")
    assert "no default flow" in incident.message
    code, printed = via_cli(name, data)
    assert code == 1
    assert "check: no darbības 'check'" in printed.error
    assert "Traceback" not in printed.error


def test_a_single_conditional_flow_is_taken_only_when_it_holds(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_single_condition"
    for outcome in both(platform, db_session, engine, name, {"x": 2}):
        assert outcome.counts == {"start": 1, "check": 1, "go": 1, "side": 1, "end": 2}
    # plain SpiffWorkflow runs "go" although x > 1 does not hold
    assert plain_spiff(name, {"x": 0}).counts["go"] == 1
    stored, instance = persisted(platform, db_session, engine, name, {"x": 0})
    assert "go" not in stored.counts and instance.status == ProcessInstance.RUNNING
    [incident] = engine.open_incidents(instance.id)
    assert incident.element_id == "check"
    code, printed = via_cli(name, {"x": 0})
    assert code == 1 and printed.error.startswith("error: check: no darbības 'check'")


@pytest.mark.parametrize("gateway", ["xor", "or"])
def test_a_gateway_with_no_true_condition_and_no_default_is_an_incident(
    platform: Platform, db_session: Session, engine: ProcessEngine, gateway: str
) -> None:
    name, gateway_id = f"fl_{gateway}_no_default", f"gw_{gateway}"
    stored, instance = persisted(platform, db_session, engine, name, {"x": 0})
    assert instance.status == ProcessInstance.RUNNING
    assert stored.end is None and "low" not in stored.counts
    [incident] = engine.open_incidents(instance.id)
    assert (incident.kind, incident.element_id) == ("task_failed", gateway_id)
    assert incident.message.startswith(
        f"vārtejā '{gateway_id}' neviens nosacījums nav patiess"
    )
    code, printed = via_cli(name, {"x": 0})
    assert code == 1 and f"{gateway_id}: vārtejā '{gateway_id}'" in printed.error
    assert "Traceback" not in printed.error


@pytest.mark.parametrize("gateway", ["xor", "or"])
def test_a_gateway_with_a_true_condition_takes_its_flow(
    platform: Platform, db_session: Session, engine: ProcessEngine, gateway: str
) -> None:
    name = f"fl_{gateway}_no_default"
    for outcome in both(platform, db_session, engine, name, {"x": 2}):
        assert outcome.counts == {
            "start": 1,
            f"gw_{gateway}": 1,
            "high": 1,
            "end_high": 1,
        }
        assert outcome.end == "end_high" and outcome.data == {"x": 2, "high": True}


def test_the_first_flow_defined_wins_not_the_one_drawn_highest(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    # plain SpiffWorkflow takes "second": it orders flows by the diagram's layout
    assert plain_spiff("fl_xor_order", {"x": 5}).data["taken"] == "second"
    for outcome in both(platform, db_session, engine, "fl_xor_order", {"x": 5}):
        assert outcome.counts == {"start": 1, "gw": 1, "first": 1, "end": 1}
        assert outcome.data["taken"] == "first"


# -- multi-instance activities and loops ---------------------------------------------
def test_parallel_multi_instance_one_instance_per_item(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    data = {"items": [1, 2, 3]}
    for outcome in both(platform, db_session, engine, "fl_mi_parallel", data):
        assert outcome.counts == {"start": 1, "double": 3, "end": 1}
        # the items stay in their instances; the outputs are gathered in order
        assert outcome.data == {"items": [1, 2, 3], "doubled": [2, 4, 6]}


def test_multi_instance_completion_condition_cancels_the_remaining_instances(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    data = {"items": [1, 2, 3, 4, 5], "total": 0, "voters": 3, "yes": False}
    for outcome in both(platform, db_session, engine, "fl_mi_completion", data):
        # sequential: 1 + 2 + 3 reaches 6 after the third item; 4 and 5 never run
        assert outcome.counts["add"] == 3 and outcome.data["total"] == 6
        # parallel: the first vote settles it, the other two are cancelled
        assert outcome.counts["vote"] == 1 and outcome.data["yes"] is True
        assert "item" not in outcome.data and outcome.end == "end"


def test_multi_instance_cardinality_into_an_existing_output_collection(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    # plain SpiffWorkflow 3.2 fails here with a NameError of its own
    assert "NameError" in plain_spiff("fl_mi_cardinality", {"count": 3}).error
    for outcome in both(
        platform, db_session, engine, "fl_mi_cardinality", {"count": 3}
    ):
        assert outcome.counts == {"start": 1, "init": 1, "square": 3, "end": 1}
        assert outcome.data == {"count": 3, "results": [0, 1, 4]}


@pytest.mark.parametrize(
    ("start", "limit", "after_runs", "before_runs"),
    [
        (0, 2, 2, 2),  # the condition ends both loops
        (5, 2, 1, 0),  # false at once: do-while runs once, while runs never
        (0, 10, 3, 5),  # loopMaximum caps both
    ],
)
def test_standard_loops_test_before_or_after_with_a_maximum(
    platform: Platform,
    db_session: Session,
    engine: ProcessEngine,
    start: int,
    limit: int,
    after_runs: int,
    before_runs: int,
) -> None:
    data = {"after": start, "before": start, "limit": limit}
    for outcome in both(platform, db_session, engine, "fl_loop", data):
        assert outcome.counts["loop_after"] == after_runs
        assert outcome.counts.get("loop_before", 0) == before_runs
        assert outcome.data["after"] == start + after_runs
        assert outcome.data["before"] == start + before_runs


def test_a_loop_condition_may_use_the_loop_counter(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    # plain SpiffWorkflow knows no loopCounter
    assert "loopCounter" in plain_spiff("fl_loop_counter", {"tries": 0}).error
    data = {"tries": 0, "times": 0}
    for outcome in both(platform, db_session, engine, "fl_loop_counter", data):
        assert (outcome.counts["retry"], outcome.counts["twice"]) == (3, 2)
        assert outcome.data == {"tries": 3, "times": 2}


# -- data ----------------------------------------------------------------------------
@pytest.mark.parametrize(("points", "decision"), [(6, "granted"), (4, "refused")])
def test_data_objects_inputs_outputs_and_properties(
    platform: Platform,
    db_session: Session,
    engine: ProcessEngine,
    points: int,
    decision: str,
) -> None:
    data = {"application": {"points": points}}
    for outcome in both(platform, db_session, engine, "fl_data", data):
        assert outcome.counts == {"start": 1, "assess": 1, "decide": 1, "end": 1}
        # "decide" read the data object "assess" wrote, through the associations
        assert outcome.data["seen_score"] == points * 2
        assert outcome.data["data_objects"] == {"score": points * 2}
        assert outcome.data["decision"] == decision
        assert "score" not in outcome.data  # a data object is not task data


def test_a_missing_process_data_input_refuses_the_start_naming_it(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy(read_files([diagram("fl_data")]))
    with pytest.raises(FormValidationError) as caught:
        engine.start("fl_data", municipality=MUNI, data={"other": 1})
    [error] = caught.value.errors
    assert (error.path, error.code) == ("application", "required")
    assert error.message == "trūkst procesa ievaddatu 'application'"
    code, printed = via_cli("fl_data", {"other": 1})
    assert code == 1 and "trūkst procesa ievaddatu 'application'" in printed.error


def test_an_activity_io_specification_keeps_the_rest_of_the_case(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name, data = "fl_data_io", {"a": 2, "c": 7}
    form = {"verdict": "ok", "noise": 1}
    # plain SpiffWorkflow narrows the case to each activity's outputs: "after" has
    # lost a and c
    library = plain_spiff(name, data, {"review": form})
    assert "NameError" in library.error and "'a' is not defined" in library.error
    platform.deployer(db_session).deploy(read_files([diagram(name)]))
    instance = engine.start(name, municipality=MUNI, data=data)
    review = ready_task(db_session, instance.id, "review")
    instance = engine.complete_task(review.id, form, actor="anna")
    assert instance.status == ProcessInstance.COMPLETED
    expected = {"a": 2, "c": 7, "b": 5, "verdict": "ok", "seen": [2, 5, 7, "ok"]}
    # "tmp" (written by calc) and "noise" (by review) are no declared outputs
    assert engine.workflow(instance).data == expected
    code, printed = via_cli(name, data, "--task", f"review={json.dumps(form)}")
    assert code == 0 and printed.data == expected


def test_a_missing_activity_data_input_is_an_incident_naming_it(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    stored, instance = persisted(platform, db_session, engine, "fl_data_io", {"c": 7})
    assert instance.status == ProcessInstance.RUNNING and stored.end is None
    [incident] = engine.open_incidents(instance.id)
    assert incident.element_id == "calc"
    assert incident.message.startswith("trūkst darbības ievaddatu 'a'")
    code, printed = via_cli("fl_data_io", {"c": 7}, "--auto")
    assert code == 1 and "calc: trūkst darbības ievaddatu 'a'" in printed.error


# -- refused at deploy, by name -------------------------------------------------------
REFUSED = {
    "fl_complex_gateway": {"cx_join": "kompleksā vārteja netiek atbalstīta"},
    "fl_compensation_unsupported": {
        "comp_start": "kompensācijas notikumu apakšprocess",
        "book_comp": "kompensācijas robežnotikumam nav apstrādātāja",
        "repeat_comp": "cikla vai daudzinstanču darbības kompensācija",
        "undo_one": "vienā procesa līmenī atbalstīts tikai viens kompensācijas",
        "undo_two": "vienā procesa līmenī atbalstīts tikai viens kompensācijas",
        "wired": "kompensācijas apstrādātājam nevar būt secības plūsmu",
    },
    "fl_quantities": {
        "wait_two": "startQuantity=2 netiek atbalstīts",
        "emit_two": "completionQuantity=2 netiek atbalstīts",
    },
    "fl_misplaced_condition": {
        "f_start": "secības plūsmai no bpmn:startEvent 'start' nevar būt nosacījuma",
        "f_a": "secības plūsmai no bpmn:parallelGateway 'fork' nevar būt nosacījuma",
    },
    "fl_mi_behavior": {
        "mi_one": "daudzinstanču darbības uzvedība One ar notikumu netiek atbalstīta",
        "mi_complex": "daudzinstanču darbības uzvedība Complex ar notikumu",
    },
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_constructs_the_engine_cannot_run_are_refused_by_name_in_latvian(
    platform: Platform, db_session: Session, name: str
) -> None:
    problems = refusal(platform, db_session, name)
    assert set(problems) == set(REFUSED[name])  # nothing else, nothing twice
    for element, latvian in REFUSED[name].items():
        reason = problems[element]
        assert reason.startswith(latvian)
        assert " / " in reason  # English second
    code, printed = via_cli(name, {"n": 0})
    assert code == 2
    for element, latvian in REFUSED[name].items():
        assert f"[{element}]: {latvian}" in printed.error


# -- never less than the library ------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fl_xor_no_default", {"x": 1}),
        ("fl_or_no_default", {"x": 2}),
        ("fl_mi_parallel", {"items": [3, 4]}),
        ("fl_loop", {"after": 0, "before": 0, "limit": 2}),
        ("fl_data", {"application": {"points": 6}}),
    ],
)
def test_what_plain_spiffworkflow_runs_pkip_runs_the_same_way(
    platform: Platform,
    db_session: Session,
    engine: ProcessEngine,
    name: str,
    data: dict[str, Any],
) -> None:
    library = plain_spiff(name, data)
    assert not library.error
    for outcome in both(platform, db_session, engine, name, data):
        assert (outcome.counts, outcome.end) == (library.counts, library.end)
        assert outcome.data == library.data


# -- across wait states (the instance stored and loaded between steps) ---------------
def test_sequential_multi_instance_user_task_across_wait_states(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_mi_review"
    platform.deployer(db_session).deploy(read_files([diagram(name)]))
    reviewers = ["anna", "juris", "ilze"]
    instance = engine.start(name, municipality=MUNI, data={"reviewers": reviewers})
    seen = []
    for approved in (True, False):
        row = ready_task(db_session, instance.id, "review")
        task = find_task(engine.workflow(instance), row.id)
        assert task is not None
        seen.append(task.data["reviewer"])
        instance = engine.complete_task(row.id, {"approved": approved}, actor="anna")
    # the rejection met the completion condition: the third review never started
    assert seen == ["anna", "juris"] and not ready_tasks(db_session, instance.id)
    assert (instance.status, instance.end_event) == ("completed", "end_rejected")
    data = engine.workflow(instance).data
    assert data["outcome"] == "rejected" and "reviewer" not in data
    ran = [e.element_id for e in engine.history(instance.id) if e.kind != "task_ready"]
    assert ran.count("review") == 2 and "accept" not in ran
    code, printed = via_cli(
        name,
        {"reviewers": reviewers},
        "--task",
        'review=[{"approved": true}, {"approved": false}, {"approved": true}]',
    )
    assert code == 0, printed.error
    assert printed.counts["review"] == 2 and printed.end == "end_rejected"
    assert printed.data["outcome"] == "rejected"


def test_parallel_multi_instance_approvals_the_first_rejection_cancels_the_rest(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_mi_approval"
    platform.deployer(db_session).deploy(read_files([diagram(name)]))
    reviewers = ["anna", "juris", "ilze"]
    instance = engine.start(name, municipality=MUNI, data={"reviewers": reviewers})
    rows = ready_tasks(db_session, instance.id)
    wf = engine.workflow(instance)
    tasks = {row.id: find_task(wf, row.id) for row in rows}
    by_reviewer = {t.data["reviewer"]: row for row in rows if (t := tasks[row.id])}
    assert sorted(by_reviewer) == sorted(reviewers)  # all three open at once
    engine.complete_task(by_reviewer["anna"].id, {"approved": True}, actor="anna")
    assert len(ready_tasks(db_session, instance.id)) == 2
    instance = engine.complete_task(
        by_reviewer["ilze"].id, {"approved": False}, actor="ilze"
    )
    assert not ready_tasks(db_session, instance.id)
    assert (instance.status, instance.end_event) == ("completed", "end_rejected")
    history = engine.history(instance.id)
    cancelled = [e.task_id for e in history if e.kind == "task_cancelled"]
    assert cancelled == [by_reviewer["juris"].id]
    assert [e.element_id for e in history if e.kind == "task_completed"] == [
        "review",
        "review",
    ]


def test_completion_condition_on_the_standard_instance_attributes(
    platform: Platform, db_session: Session, engine: ProcessEngine
) -> None:
    name = "fl_mi_quorum"  # numberOfCompletedInstances >= 2: two of three approve
    platform.deployer(db_session).deploy(read_files([diagram(name)]))
    data = {"reviewers": ["anna", "juris", "ilze"]}
    instance = engine.start(name, municipality=MUNI, data=data)
    first, second, third = ready_tasks(db_session, instance.id)
    engine.complete_task(first.id, {"approved": True}, actor="anna")
    assert len(ready_tasks(db_session, instance.id)) == 2
    instance = engine.complete_task(second.id, {"approved": True}, actor="juris")
    assert (instance.status, instance.end_event) == ("completed", "end_accepted")
    history = engine.history(instance.id)
    assert [e.task_id for e in history if e.kind == "task_cancelled"] == [third.id]
    code, printed = via_cli(
        name, data, "--task", 'review=[{"approved": true}, {"approved": true}]'
    )
    assert code == 0, printed.error
    assert printed.counts["review"] == 2 and printed.end == "end_accepted"
