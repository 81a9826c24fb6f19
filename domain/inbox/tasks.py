# SPDX-License-Identifier: EUPL-1.2
"""One task: who may work on it, claim, unclaim, assign, complete, and the task
page's view (its case, its form, the case's earlier forms and data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.cases import (
    ServiceCase,
    instance_data,
    user_names,
)
from domain.inbox.query import Viewer
from domain.services.services import procedure_for
from engine.errors import Conflict, EngineError, NotFound
from engine.interfaces import FormCatalogue
from engine.models import HistoryEvent, ProcessInstance, UserTask
from engine.runtime import ProcessEngine


class NotAllowed(EngineError):
    """The viewer may not do this with this task (not theirs, not a supervisor)."""


def may_work_on(viewer: Viewer, task: UserTask) -> bool:
    """Whether the viewer may open, claim or complete ``task``."""
    if task.municipality != viewer.municipality:
        return False
    return (
        viewer.supervisor
        or task.assignee == viewer.username
        or task.assignee in viewer.covered_users
        or (
            task.candidate_group is not None
            and task.candidate_group in viewer.all_departments
        )
    )


def get_task(engine: ProcessEngine, viewer: Viewer, task_id: str) -> UserTask:
    """The task if the viewer may see it; ``NotFound`` otherwise (also for another
    municipality's task and for tasks of other departments)."""
    row = engine.get_task(task_id, viewer.municipality)
    if not may_work_on(viewer, row):
        raise NotFound(f"task {task_id} not found")
    return row


def claim(engine: ProcessEngine, viewer: Viewer, task_id: str) -> UserTask:
    """Take a task of the viewer's departments; ``Conflict`` when someone else has
    it or it is no longer open."""
    get_task(engine, viewer, task_id)
    return engine.claim(task_id, user=viewer.username, municipality=viewer.municipality)


def unclaim(engine: ProcessEngine, viewer: Viewer, task_id: str) -> UserTask:
    """Give a task back to its group: one's own, or any (supervisors)."""
    row = get_task(engine, viewer, task_id)
    if row.assignee is None:
        raise Conflict(f"task {task_id} is not claimed")
    covering = row.assignee in viewer.covered_users
    if row.assignee != viewer.username and not (viewer.supervisor or covering):
        raise NotAllowed("only a supervisor can take back another person's task")
    return engine.unclaim(
        task_id,
        user=viewer.username,
        municipality=viewer.municipality,
        force=row.assignee != viewer.username,
    )


def colleagues(
    session: Session, municipality: str, task: UserTask
) -> list[tuple[str, str]]:
    """(username, full name) of the active members of the task's department."""
    from domain.accounts.services import users_in_department

    if not task.candidate_group:
        return []
    return [
        (u.username, u.full_name)
        for u in users_in_department(session, municipality, task.candidate_group)
    ]


def assign(
    engine: ProcessEngine, viewer: Viewer, task_id: str, assignee: str
) -> UserTask:
    """A supervisor hands a task to a member of its department."""
    if not viewer.supervisor:
        raise NotAllowed("only a supervisor can assign tasks")
    row = get_task(engine, viewer, task_id)
    members = {u for u, _ in colleagues(engine.session, viewer.municipality, row)}
    if assignee not in members:
        raise NotAllowed("the assignee is not a member of the task's department")
    return engine.assign(
        task_id, assignee=assignee, by=viewer.username, municipality=viewer.municipality
    )


def complete(
    engine: ProcessEngine, viewer: Viewer, task_id: str, data: Mapping[str, Any]
) -> ProcessInstance:
    """Validate and complete the task and run the case on (the engine checks that
    the task is still open; its after-advance hook records the case status).

    Raises ``FormValidationError`` (nothing changed), ``Conflict`` (someone else
    completed or holds it), ``NotFound``.
    """
    row = get_task(engine, viewer, task_id)
    absent = viewer.acting_for(row.assignee, row.candidate_group)
    if absent is None:
        return engine.complete_task(
            task_id, data, actor=viewer.username, municipality=viewer.municipality
        )
    return _complete_for(engine, viewer, row, absent, data)


def _complete_for(
    engine: ProcessEngine,
    viewer: Viewer,
    row: UserTask,
    absent: str,
    data: Mapping[str, Any],
) -> ProcessInstance:
    """A substitute completes a task of the person they stand in for: the task
    passes to the substitute, and its history events say for whom they acted."""
    session = engine.session
    last = session.scalar(
        select(func.max(HistoryEvent.id)).where(
            HistoryEvent.instance_id == row.instance_id
        )
    )
    if row.assignee == absent:
        engine.assign(
            row.id,
            assignee=viewer.username,
            by=viewer.username,
            municipality=viewer.municipality,
        )
    instance = engine.complete_task(
        row.id, data, actor=viewer.username, municipality=viewer.municipality
    )
    mine = session.scalars(
        select(HistoryEvent).where(
            HistoryEvent.instance_id == row.instance_id,
            HistoryEvent.id > (last or 0),
            HistoryEvent.actor == viewer.username,
        )
    ).all()
    for event in mine:
        event.details = {**(event.details or {}), "on_behalf_of": absent}
    session.flush()
    return instance


# -- the task page -------------------------------------------------------------------
@dataclass
class EarlierForm:
    """A form filled earlier in the case, to show read-only beside the task."""

    task_name: str
    form_key: str
    schema: dict[str, Any]
    completed_at: datetime | None
    completed_by: str | None


@dataclass
class TaskView:
    task: UserTask
    case: ServiceCase | None
    process_name: str
    schema: dict[str, Any] | None
    data: dict[str, Any]
    """What the task sees of the process data."""
    earlier: list[EarlierForm]
    colleagues: list[tuple[str, str]]
    """Whom a supervisor may assign the task to (empty for others)."""
    user_names: dict[str, str]
    procedure: str | None = None
    """The service's procedure page (Markdown), shown beside the task."""
    business_key: str | None = None
    """The instance's business key (a case number; a set-up's service code)."""

    @property
    def client_masked(self) -> str:
        return self.case.client_masked if self.case else ""


def form_schema(forms: FormCatalogue, key: str | None) -> dict[str, Any] | None:
    """The JSON schema of form ``key`` from the catalogue; None for no or an
    unknown key."""
    if not key or not forms.has(key):
        return None
    return forms.schema(key)


def initial_values(
    schema: Mapping[str, Any] | None, data: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The form's fields already in the data (a form filled again), else None
    (the renderer then shows the schema's defaults)."""
    if not schema:
        return None
    known = {k: data[k] for k in schema.get("properties", {}) if k in data}
    return known or None


def task_view(engine: ProcessEngine, viewer: Viewer, task_id: str) -> TaskView:
    """The task, its case, its form and the case's earlier forms and data."""
    session = engine.session
    row = get_task(engine, viewer, task_id)
    instance = engine.get_instance(row.instance_id, viewer.municipality)
    case = session.scalars(
        select(ServiceCase).where(ServiceCase.instance_id == instance.id)
    ).first()
    done = session.scalars(
        select(UserTask)
        .where(
            UserTask.instance_id == instance.id,
            UserTask.municipality == viewer.municipality,
            UserTask.state == UserTask.COMPLETED,
            UserTask.form_key.is_not(None),
        )
        .order_by(UserTask.completed_at, UserTask.id)
    ).all()
    forms = engine.forms_of(instance.definition)  # the versions it was deployed with
    earlier = [
        EarlierForm(t.name, str(t.form_key), schema, t.completed_at, t.completed_by)
        for t in done
        if (schema := form_schema(forms, t.form_key)) is not None
    ]
    data = (
        instance_data(engine, instance, task_id)
        if row.state == UserTask.READY
        else instance_data(engine, instance)
    )
    names = user_names(
        session,
        [row.assignee, *viewer.covered_users, *(e.completed_by for e in earlier)],
    )
    return TaskView(
        task=row,
        case=case,
        process_name=case.process_name if case else instance.definition.name,
        schema=form_schema(forms, row.form_key),
        data=data,
        earlier=earlier,
        colleagues=colleagues(session, viewer.municipality, row)
        if viewer.supervisor and row.state == UserTask.READY
        else [],
        user_names=names,
        procedure=procedure_for(session, viewer.municipality, instance.definition),
        business_key=instance.business_key,
    )
