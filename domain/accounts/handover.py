# SPDX-License-Identifier: EUPL-1.2
"""A disabled user's open tasks, and handing them over: to a colleague, or back
to the task's department queue. Each hand-over is in the task's history (the
engine records it) and in the administration log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import adminlog
from domain.accounts import services as accounts
from domain.accounts.admin import Admin, AdminError
from engine.models import UserTask
from engine.runtime import ProcessEngine


def open_tasks(
    session: Session, municipality: str, username: str
) -> Sequence[UserTask]:
    """The ready tasks assigned to ``username`` in ``municipality``, oldest due
    first."""
    return session.scalars(
        select(UserTask)
        .where(
            UserTask.municipality == municipality,
            UserTask.assignee == username,
            UserTask.state == UserTask.READY,
        )
        .order_by(UserTask.due_at.asc().nulls_last(), UserTask.created_at)
    ).all()


def reassign(
    engine: ProcessEngine,
    admin: Admin,
    task_id: str,
    to: str | None,
    *,
    now: datetime | None = None,
) -> UserTask:
    """Give the task to ``to`` (an active user of the municipality) or, with None,
    back to its department's queue. ``NotFound``/``Conflict`` from the engine
    when the task is not the municipality's or no longer open."""
    session = engine.session
    row = engine.ready_task(task_id, admin.municipality)
    before = {"assignee": row.assignee}
    if to:
        user = accounts.find_user(session, to)
        if user is None or user.municipality != admin.municipality:
            raise AdminError("assignee", "unknown_user", to)
        if not user.active:
            raise AdminError("assignee", "inactive_user", to)
        row = engine.assign(
            task_id,
            assignee=user.username,
            by=admin.username,
            municipality=admin.municipality,
        )
    else:
        row = engine.unclaim(
            task_id, user=admin.username, municipality=admin.municipality, force=True
        )
    adminlog.record(
        session,
        actor=admin.username,
        municipality=admin.municipality,
        action="task.reassign",
        target_type="task",
        target_id=task_id,
        target_label=row.name or task_id,
        before=before,
        after={"assignee": row.assignee, "group": row.candidate_group},
        at=now,
    )
    session.flush()
    return row
