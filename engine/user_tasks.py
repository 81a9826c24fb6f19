# SPDX-License-Identifier: EUPL-1.2
"""User tasks: claim, unclaim, assign and complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import update

from engine.advance import EngineCore, conflicts, find_task
from engine.errors import Conflict, NotFound
from engine.models import ProcessInstance, UserTask
from engine.workflow import PkipWorkflow


class UserTaskOperations(EngineCore):
    """Work on user tasks (a mixin of ``ProcessEngine``)."""

    def get_task(self, task_id: str, municipality: str | None = None) -> UserTask:
        row = self.session.get(UserTask, task_id)
        if row is None or (
            municipality is not None and row.municipality != municipality
        ):
            raise NotFound(f"task {task_id} not found")
        return row

    def ready_task(self, task_id: str, municipality: str | None = None) -> UserTask:
        """The task, if it is still open: the one place that tells a finished or
        cancelled task from a ready one (callers above pass the ``Conflict`` on)."""
        row = self.get_task(task_id, municipality)
        if row.state != UserTask.READY:
            raise Conflict(f"task {task_id} is already {row.state}")
        return row

    def complete_task(
        self,
        task_id: str,
        data: Mapping[str, Any],
        *,
        actor: str,
        municipality: str | None = None,
    ) -> ProcessInstance:
        """Validate the form data, complete the task and run to the next wait state."""
        row = self.ready_task(task_id, municipality)
        if row.assignee is not None and row.assignee != actor:
            raise Conflict(f"task {task_id} is claimed by another user")
        instance = self._active(row.instance_id, municipality)
        if row.form_key:
            self._validate(instance.definition, row.form_key, data)
        wf = self._load(instance)
        spiff_task = find_task(wf, task_id)
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer ready")

        def action(_: PkipWorkflow) -> None:
            spiff_task.data.update(dict(data))
            spiff_task.run()

        row.assignee = actor
        self._advance(instance, wf, actor=actor, action=action, completed_task=task_id)
        return instance

    def claim(
        self, task_id: str, *, user: str, municipality: str | None = None
    ) -> UserTask:
        """Take a ready task; a task claimed by someone else is a conflict."""
        row = self.get_task(task_id, municipality)
        with conflicts():
            result = self.session.execute(
                update(UserTask)
                .where(
                    UserTask.id == task_id,
                    UserTask.state == UserTask.READY,
                    (UserTask.assignee.is_(None)) | (UserTask.assignee == user),
                )
                .values(assignee=user, claimed_at=self.now())
                .execution_options(synchronize_session=False)
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"task {task_id} is not free to claim")
        self.session.refresh(row)
        self._event_for(row, "claimed", actor=user)
        self._flush()
        return row

    def unclaim(
        self,
        task_id: str,
        *,
        user: str,
        municipality: str | None = None,
        force: bool = False,
    ) -> UserTask:
        row = self.ready_task(task_id, municipality)
        if row.assignee != user and not force:
            raise Conflict(f"task {task_id} is not claimed by {user}")
        row.assignee = None
        row.claimed_at = None
        self._event_for(row, "unclaimed", actor=user)
        self._flush()
        return row

    def assign(
        self, task_id: str, *, assignee: str, by: str, municipality: str | None = None
    ) -> UserTask:
        """A supervisor hands a ready task to a colleague."""
        row = self.ready_task(task_id, municipality)
        row.assignee = assignee
        row.claimed_at = self.now()
        self._event_for(row, "assigned", actor=by, details={"assignee": assignee})
        self._flush()
        return row
