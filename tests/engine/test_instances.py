# SPDX-License-Identifier: EUPL-1.2
"""Instances and the task index: forms, conflicts, claims, cancel, suspend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from core.db import DEFERRED, SQLITE_BEGIN
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.models import HistoryEvent, ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR
from tests.engine.factories import TREE_REGISTRATION, dog_fee_start, ready_task


def test_start_indexes_the_first_task_with_lane_due_date_and_priority(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start(
        "tree_felling", municipality=MUNI, actor="lietvede", business_key="KC-1"
    )
    assert inst.status == ProcessInstance.RUNNING and inst.version >= 1
    task = ready_task(engine.session, inst.id, "register_application")
    assert (task.candidate_group, task.form_key, task.municipality) == (
        "lietvedis",
        "tree_felling_registration",
        MUNI,
    )
    # 1 working day from Monday 02.03.2026 -> end of Tuesday 03.03.2026 in Riga
    assert task.due_at == datetime(2026, 3, 3, 21, 59, 59, tzinfo=UTC)
    assert task.priority == 50
    kinds = [e.kind for e in engine.history(inst.id)]
    assert kinds[0] == "started" and "task_ready" in kinds


def test_invalid_form_data_names_the_fields_and_changes_nothing(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    task = ready_task(engine.session, inst.id, "register_application")
    version, state = inst.version, inst.state
    with pytest.raises(FormValidationError) as info:
        engine.complete_task(
            task.id, {"address": "Brīvības iela 1", "tree_count": 0}, actor="x"
        )
    paths = {e.path for e in info.value.errors}
    assert {"tree_count", "cadastre_number", "species"} <= paths
    assert all(e.message for e in info.value.errors)
    assert (
        task.state == UserTask.READY and inst.version == version and inst.state == state
    )


def test_completing_twice_is_a_conflict(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    task = ready_task(engine.session, inst.id, "register_application")
    engine.complete_task(task.id, TREE_REGISTRATION, actor="a")
    with pytest.raises(Conflict):
        engine.complete_task(task.id, TREE_REGISTRATION, actor="b")


def test_two_clerks_completing_the_same_task_concurrently(committed: Platform) -> None:
    """Both load the case; the first commit wins, the second gets a clear conflict
    and nothing of it is written."""
    platform = committed
    with platform.transaction() as s:
        platform.deployer(s).deploy(
            __import__("engine.deploy").deploy.read_files([PROCESS_DIR])
        )
        inst_id = platform.engine(s).start("tree_felling", municipality=MUNI).id
    with platform.transaction() as s:
        task_id = ready_task(s, inst_id, "register_application").id

    first, second = platform.sessions(), platform.sessions()
    # One thread cannot hold two SQLite writers (the second would wait for the
    # first's BEGIN IMMEDIATE); the second starts as a reader, whose stale snapshot
    # then meets the winner's commit. Two real threads: tests/webapp/test_races.py.
    second.connection(execution_options={SQLITE_BEGIN: DEFERRED})
    try:
        e1, e2 = platform.engine(first), platform.engine(second)
        e1.get_instance(inst_id)  # both have read the case before either writes
        e2.get_instance(inst_id)
        e1.complete_task(task_id, TREE_REGISTRATION, actor="anna")
        first.commit()
        with pytest.raises(Conflict):
            e2.complete_task(
                task_id, {**TREE_REGISTRATION, "tree_count": 9}, actor="berta"
            )
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()

    with platform.transaction() as s:
        row = s.get(UserTask, task_id)
        assert row.state == UserTask.COMPLETED and row.completed_by == "anna"
        completions = s.scalars(
            select(HistoryEvent).where(
                HistoryEvent.instance_id == inst_id,
                HistoryEvent.kind == "task_completed",
            )
        ).all()
        assert [e.actor for e in completions] == ["anna"]


def test_claim_unclaim_assign(engine: ProcessEngine, deployed: dict[str, int]) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    task = ready_task(engine.session, inst.id, "register_application")
    engine.claim(task.id, user="anna")
    assert task.assignee == "anna" and task.claimed_at is not None
    engine.claim(task.id, user="anna")  # claiming one's own task again is fine
    with pytest.raises(Conflict):
        engine.claim(task.id, user="berta")
    with pytest.raises(Conflict):
        engine.complete_task(task.id, TREE_REGISTRATION, actor="berta")
    with pytest.raises(Conflict):
        engine.unclaim(task.id, user="berta")
    engine.unclaim(task.id, user="anna")
    assert task.assignee is None
    engine.assign(task.id, assignee="berta", by="vaditaja")
    assert task.assignee == "berta"
    engine.complete_task(task.id, TREE_REGISTRATION, actor="berta")
    kinds = [e.kind for e in engine.history(inst.id)]
    assert kinds.count("claimed") == 2 and "unclaimed" in kinds and "assigned" in kinds


def test_other_municipality_sees_nothing(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    task = ready_task(engine.session, inst.id, "register_application")
    with pytest.raises(NotFound):
        engine.get_instance(inst.id, municipality=OTHER_MUNI)
    with pytest.raises(NotFound):
        engine.complete_task(
            task.id, TREE_REGISTRATION, actor="x", municipality=OTHER_MUNI
        )
    with pytest.raises(NotFound):
        engine.claim(task.id, user="x", municipality=OTHER_MUNI)


def test_suspend_resume_cancel(engine: ProcessEngine, deployed: dict[str, int]) -> None:
    inst = engine.start("tree_felling", municipality=MUNI)
    task = ready_task(engine.session, inst.id, "register_application")
    engine.suspend(inst.id, actor="admin")
    with pytest.raises(InvalidOperation):
        engine.complete_task(task.id, TREE_REGISTRATION, actor="x")
    engine.resume(inst.id, actor="admin")
    engine.cancel(inst.id, actor="admin", reason="iesniegums atsaukts")
    assert inst.status == ProcessInstance.CANCELLED and inst.ended_at is not None
    assert task.state == UserTask.CANCELLED
    with pytest.raises(InvalidOperation):
        engine.resume(inst.id, actor="admin")
    kinds = [e.kind for e in engine.history(inst.id)]
    assert {"suspended", "resumed", "cancelled", "task_cancelled"} <= set(kinds)


def test_state_is_stored_without_specs(
    engine: ProcessEngine, deployed: dict[str, int], db_session: Session
) -> None:
    inst = engine.start("dog_fee", municipality=MUNI, data=dog_fee_start())
    assert '"spec"' not in inst.state and inst.state_bytes == len(inst.state)
    # and it reloads: the next step works on a fresh load of the stored state
    db_session.expire_all()
    again = engine.get_instance(inst.id)
    engine.complete_task(
        ready_task(db_session, again.id, "review_fee").id, {"approved": True}, actor="a"
    )
    assert again.status == ProcessInstance.RUNNING
