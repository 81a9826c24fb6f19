# SPDX-License-Identifier: EUPL-1.2
"""BPMN 2.0 conformance, events (3): an event sub-process works on its parent's data.

BPMN 2.0, 10.3.5: an event sub-process runs in the context of the process or
sub-process that holds it — it sees the parent's data as it is when its start event
fires, and what it changes is the parent's data. SpiffWorkflow 3.2 alone gives the
handler the data of when the parent started (``x`` set before the event is missing:
``NameError``) and keeps the handler's changes in a branch of their own.
ev_esp_data.bpmn holds the event sub-processes at the process level,
ev_esp_data_sub.bpmn inside a sub-process; each runs through `pkip bpmn run` and the
persistent engine.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.engine.conformance_helpers import (
    MUNI,
    before,
    cli_run,
    completed,
    deploy,
    fire_until_idle,
)
from tests.engine.factories import ready_tasks

LEVELS = [
    ("ev_esp_data.bpmn", "ev_esp_data"),
    ("ev_esp_data_sub.bpmn", "ev_esp_data_sub"),
]


@pytest.mark.parametrize(("name", "key"), LEVELS)
def test_non_interrupting_handler_changes_the_parents_data(
    name: str,
    key: str,
    engine: ProcessEngine,
    db_session: Session,
    platform: Platform,
    clock: ManualClock,
) -> None:
    # The handler reads x (set by the parent before the event: 2) and the message
    # (n = 1), and sets note_value; the parent goes on and a later step reads it.
    code, out = cli_run(name, "--message", 'note={"n": 1}')
    assert code == 0 and out["status"] == "completed", out
    assert before(out["completed"], "set_x", "take_note", "wait_hour")
    assert out["data"]["note_value"] == 21 and out["data"]["later"] == 22
    assert out["end_event"] == "end"

    deploy(db_session, platform, name)
    inst = engine.start(key, municipality=MUNI)
    assert engine.correlate_message("note", municipality=MUNI, payload={"n": 1}) == [
        inst
    ]
    assert inst.status == ProcessInstance.RUNNING  # non-interrupting: it goes on
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    data = engine.workflow(inst).data
    assert data["note_value"] == 21 and data["later"] == 22 and data["x"] == 2
    assert before(completed(db_session, inst.id), "take_note", "wait_hour")


@pytest.mark.parametrize(("name", "key"), LEVELS)
def test_interrupting_handler_leaves_its_data_in_the_parents_end(
    name: str, key: str, engine: ProcessEngine, db_session: Session, platform: Platform
) -> None:
    code, out = cli_run(name, "--message", 'withdraw={"w": 1}')
    assert code == 0 and out["status"] == "completed", out
    assert out["data"]["reason"] == "atsaukts" and out["data"]["seen_x"] == 2
    assert "wait_hour" not in out["completed"]
    if key == "ev_esp_data_sub":  # the process after the sub-process still has x
        assert out["data"]["final"] == 2 and out["end_event"] == "end"

    deploy(db_session, platform, name)
    inst = engine.start(key, municipality=MUNI)
    engine.correlate_message("withdraw", municipality=MUNI, payload={})
    assert inst.status == ProcessInstance.COMPLETED
    data = engine.workflow(inst).data
    assert data["reason"] == "atsaukts" and data["seen_x"] == 2
    assert "wait_hour" not in completed(db_session, inst.id)


def test_each_firing_of_a_timer_cycle_handler_counts_on_the_parents_data(
    engine: ProcessEngine, db_session: Session, platform: Platform, clock: ManualClock
) -> None:
    # R3/PT1H beside a PT3H30M wait; each reminder adds 1 to the parent's counter
    # (SpiffWorkflow alone gives the handler the data of when the process started,
    # before `init`: NameError on `reminders`)
    code, out = cli_run("ev_esp_data_cycle.bpmn")
    assert code == 0 and out["status"] == "completed", out
    assert out["completed"].count("remind") == 3 and out["data"]["reminders"] == 3

    deploy(db_session, platform, "ev_esp_data_cycle.bpmn")
    inst = engine.start("ev_esp_data_cycle", municipality=MUNI)
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    assert engine.workflow(inst).data["reminders"] == 3


# R2/PT1H: each reminder waits for a clerk (remind) and 90 minutes, so the second
# firing starts while the first is still running; each appends its label to `items`
# and sets `last`. In ev_esp_data_overlap it appends after its wait (the second
# handler then sees the first one's entry), in ..._early before it (both append to
# their own copy while they overlap: both entries are kept). `label` and, early,
# `last` both set while they overlap: the handler that ends last wins.
OVERLAP = ["ev_esp_data_overlap", "ev_esp_data_overlap_early"]


@pytest.mark.parametrize("key", OVERLAP)
def test_overlapping_handlers_of_a_timer_cycle_keep_each_others_changes_cli(
    key: str,
) -> None:
    code, out = cli_run(f"{key}.bpmn", "--task", 'remind=[{"label":"a"},{"label":"b"}]')
    assert code == 0 and out["status"] == "completed", out
    assert out["completed"].count("record") == 2
    assert out["data"] == {"items": ["a", "b"], "last": "b", "label": "b"}


@pytest.mark.parametrize("key", OVERLAP)
@pytest.mark.parametrize("first_done", ["a", "b"])
def test_overlapping_handlers_of_a_timer_cycle_keep_each_others_changes(
    key: str,
    first_done: str,
    engine: ProcessEngine,
    db_session: Session,
    platform: Platform,
    clock: ManualClock,
) -> None:
    # The persistent engine (state saved and loaded at every step): both reminders
    # wait at `remind` together; the one whose clerk answers first ends first;
    # `items` keeps both entries in that order, `last` and `label` end as the later
    # handler left them.
    deploy(db_session, platform, f"{key}.bpmn")
    inst = engine.start(key, municipality=MUNI)
    for _ in range(2):  # the two firings, at 1 h and 2 h
        assert inst.next_timer_at is not None
        clock.now = inst.next_timer_at + timedelta(seconds=1)
        engine.fire_timers(inst.id)
        db_session.flush()
    tasks = [t for t in ready_tasks(db_session, inst.id) if t.element_id == "remind"]
    assert len(tasks) == 2  # two handlers running at once
    order = tasks if first_done == "a" else tasks[::-1]
    labels = ["a", "b"] if first_done == "a" else ["b", "a"]
    for task, label in zip(order, labels, strict=True):
        engine.complete_task(task.id, {"label": label}, actor="anna")
        clock.now += timedelta(minutes=5)  # the later answer's pause ends later
    fire_until_idle(engine, clock, inst)
    assert inst.status == ProcessInstance.COMPLETED and inst.end_event == "end"
    data = engine.workflow(inst).data
    assert data["items"] == labels
    assert data["last"] == labels[1] and data["label"] == labels[1]
