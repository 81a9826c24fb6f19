# SPDX-License-Identifier: EUPL-1.2
"""The task inbox: who sees which tasks, filters, counts, and the task actions.

The single place for this logic: the workplace's inbox pages and the REST API's
task resources call these with a session (or a ``ProcessEngine``) and a ``Viewer``
built from the signed-in person or the API caller. No Flask here; nothing commits.

Who sees what: a person's own tasks (``assignee``) and the unassigned tasks of
their departments (``candidate_group IN departments``); a supervisor also all open
tasks of the municipality. Queries use the task index (``user_tasks``) and its
indexes ``ix_user_tasks_assignee_queue`` and ``ix_user_tasks_group_queue``
(municipality, state, assignee | candidate_group, due_at); counts are single
grouped queries, never one per filter or per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from domain.cases import (
    ServiceCase,
    cases_by_instance,
    instance_data,
    mask_identifier,
    refresh_status,
    user_names,
)
from engine.calendar import RIGA, WorkingCalendar
from engine.errors import Conflict, EngineError, NotFound
from engine.models import BASE_VARIANT, ProcessDefinition, ProcessInstance, UserTask
from engine.runtime import ProcessEngine

# status filters
ASSIGNED_OR_GROUP = ""
"""The default: my tasks and my departments' unassigned tasks."""
MINE = "mine"
GROUP = "group"
ALL = "all"
"""Every open task of the municipality (supervisors)."""
STATUSES = (ASSIGNED_OR_GROUP, MINE, GROUP, ALL)

# due filters
ANY_DUE = ""
OVERDUE = "overdue"
TODAY = "today"
THIS_WEEK = "week"
AT_RISK = "at_risk"
DUE_FILTERS = (ANY_DUE, OVERDUE, TODAY, THIS_WEEK, AT_RISK)

SORTS = ("due", "priority", "age")
AT_RISK_WORKING_DAYS = 2
"""A task is at risk when it is due within this many working days."""
PER_PAGE = 25
MAX_PAGES = 400
"""Offset pagination stops at 10,000 rows (at 25 a page): narrow the filter."""


class NotAllowed(EngineError):
    """The viewer may not do this with this task (not theirs, not a supervisor)."""


@dataclass(frozen=True)
class Viewer:
    """Who looks at the inbox: a username, the municipality, department keys."""

    username: str
    municipality: str
    departments: frozenset[str] = frozenset()
    supervisor: bool = False


@dataclass(frozen=True)
class InboxFilter:
    status: str = ASSIGNED_OR_GROUP
    process: str = ""
    due: str = ANY_DUE
    group: str = ""
    """Only tasks of this candidate group (the REST API's filter; "" = any)."""
    sort: str = "due"
    page: int = 1
    per_page: int = PER_PAGE

    def normalized(self, viewer: Viewer) -> InboxFilter:
        """Unknown values fall back to the defaults; ``all`` only for supervisors."""
        status = self.status if self.status in STATUSES else ASSIGNED_OR_GROUP
        if status == ALL and not viewer.supervisor:
            status = ASSIGNED_OR_GROUP
        return replace(
            self,
            status=status,
            due=self.due if self.due in DUE_FILTERS else ANY_DUE,
            sort=self.sort if self.sort in SORTS else "due",
            page=max(1, self.page),
            per_page=max(1, min(self.per_page, 100)),
            process=self.process[:100],
            group=self.group[:100],
        )


@dataclass(frozen=True)
class DueLimits:
    """The moments the due filters compare with (aware UTC datetimes)."""

    now: datetime
    today_start: datetime
    today_end: datetime
    week_end: datetime
    at_risk_end: datetime

    @classmethod
    def at(cls, now: datetime, calendar: WorkingCalendar) -> DueLimits:
        today = now.astimezone(RIGA).date()

        def end_of(day: Any) -> datetime:
            return datetime.combine(day, time(23, 59, 59), tzinfo=RIGA)

        risk_day = calendar.add_working_days(today, AT_RISK_WORKING_DAYS)
        return cls(
            now=now,
            today_start=datetime.combine(today, time(0, 0), tzinfo=RIGA),
            today_end=end_of(today),
            week_end=end_of(today + timedelta(days=6 - today.weekday())),
            at_risk_end=end_of(risk_day),
        )

    def is_overdue(self, due_at: datetime | None) -> bool:
        return due_at is not None and due_at < self.now

    def is_at_risk(self, due_at: datetime | None) -> bool:
        return due_at is not None and self.now <= due_at <= self.at_risk_end


# -- conditions ----------------------------------------------------------------------
def _status_condition(viewer: Viewer, status: str) -> ColumnElement[bool]:
    mine = UserTask.assignee == viewer.username
    group = and_(
        UserTask.assignee.is_(None),
        UserTask.candidate_group.in_(sorted(viewer.departments))
        if viewer.departments
        else false(),
    )
    if status == MINE:
        return mine
    if status == GROUP:
        return group
    if status == ALL:
        return true()
    return or_(mine, group)


def _due_condition(limits: DueLimits, due: str) -> ColumnElement[bool]:
    col = UserTask.due_at
    if due == OVERDUE:
        return col < limits.now
    if due == TODAY:
        return and_(col >= limits.today_start, col <= limits.today_end)
    if due == THIS_WEEK:
        return and_(col >= limits.now, col <= limits.week_end)
    if due == AT_RISK:
        return and_(col >= limits.now, col <= limits.at_risk_end)
    return true()


def _base(viewer: Viewer) -> list[ColumnElement[bool]]:
    cond = [
        UserTask.municipality == viewer.municipality,
        UserTask.state == UserTask.READY,
    ]
    if not viewer.supervisor:  # nobody else may ever see more than this
        cond.append(_status_condition(viewer, ASSIGNED_OR_GROUP))
    return cond


def statuses_for(viewer: Viewer) -> tuple[str, ...]:
    return STATUSES if viewer.supervisor else STATUSES[:-1]


# -- the inbox page ------------------------------------------------------------------
@dataclass
class InboxItem:
    task: UserTask
    process_name: str
    case_number: str | None
    client_name: str | None
    client_masked: str
    assignee_name: str | None
    overdue: bool
    at_risk: bool


@dataclass
class InboxCounts:
    status: dict[str, int]
    """By status filter, with the current process and due filters applied."""
    due: dict[str, int]
    """By due filter, with the current status and process filters applied."""
    process: dict[str, int]
    """By process key, with the current status and due filters applied."""
    total: int
    """With every current filter applied."""


@dataclass
class InboxPage:
    filter: InboxFilter
    items: list[InboxItem]
    counts: InboxCounts
    page: int
    pages: int
    processes: dict[str, str] = field(default_factory=dict)
    """Process key → name of the processes in force for the municipality."""
    limits: DueLimits | None = None


def inbox(
    session: Session,
    viewer: Viewer,
    flt: InboxFilter,
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> InboxPage:
    """One page of the viewer's inbox with the counts per filter (five queries,
    however many tasks: the counts, the page, its cases, the assignees' names, the
    process names)."""
    flt = flt.normalized(viewer)
    limits = DueLimits.at(now, calendar)
    counts = inbox_counts(session, viewer, flt, limits)
    pages = max(1, min(MAX_PAGES, -(-counts.total // flt.per_page)))
    page = min(flt.page, pages)
    order = {
        "due": (
            UserTask.due_at.asc().nulls_last(),
            UserTask.priority.desc(),
            UserTask.created_at,
            UserTask.id,
        ),
        "priority": (
            UserTask.priority.desc(),
            UserTask.due_at.asc().nulls_last(),
            UserTask.id,
        ),
        "age": (UserTask.created_at, UserTask.id),
    }[flt.sort]
    # The page first, then its cases: joining before the sort would join every
    # visible task, not the 25 shown.
    tasks = session.scalars(
        select(UserTask)
        .where(*_filtered(viewer, flt, limits))
        .order_by(*order)
        .offset((page - 1) * flt.per_page)
        .limit(flt.per_page)
    ).all()
    by_instance = cases_by_instance(session, [t.instance_id for t in tasks])
    names = user_names(session, [task.assignee for task in tasks])
    processes = process_names(session, viewer.municipality)
    items = []
    for task in tasks:
        case = by_instance.get(task.instance_id)
        items.append(
            InboxItem(
                task=task,
                process_name=(case.process_name if case else None)
                or processes.get(task.process_key, task.process_key),
                case_number=case.number if case else None,
                client_name=case.client_name if case else None,
                client_masked=mask_identifier(case.client_identifier) if case else "",
                assignee_name=names.get(task.assignee or "", task.assignee),
                overdue=limits.is_overdue(task.due_at),
                at_risk=limits.is_at_risk(task.due_at),
            )
        )
    return InboxPage(
        filter=replace(flt, page=page),
        items=items,
        counts=counts,
        page=page,
        pages=pages,
        processes=processes,
        limits=limits,
    )


def _filtered(
    viewer: Viewer, flt: InboxFilter, limits: DueLimits
) -> list[ColumnElement[bool]]:
    cond = _base(viewer)
    cond.append(_status_condition(viewer, flt.status))
    cond.append(_due_condition(limits, flt.due))
    if flt.process:
        cond.append(UserTask.process_key == flt.process)
    if flt.group:
        cond.append(UserTask.candidate_group == flt.group)
    return cond


def inbox_counts(
    session: Session, viewer: Viewer, flt: InboxFilter, limits: DueLimits
) -> InboxCounts:
    """Counts per status, per due filter and per process in one grouped query (one
    scan of the viewer's tasks): each process's row has every status and due count,
    so the process facet and the others come from the same rows."""
    flt = flt.normalized(viewer)
    status_now = _status_condition(viewer, flt.status)
    due_now = _due_condition(limits, flt.due)
    statuses = statuses_for(viewer)
    columns = [
        *(
            func.count().filter(and_(_status_condition(viewer, s), due_now))
            for s in statuses
        ),
        *(
            func.count().filter(and_(status_now, _due_condition(limits, d)))
            for d in DUE_FILTERS
        ),
    ]
    scope = _base(viewer)
    if flt.group:  # a filter every count respects (the API's group queue)
        scope.append(UserTask.candidate_group == flt.group)
    rows = session.execute(
        select(UserTask.process_key, *columns)
        .where(*scope)
        .group_by(UserTask.process_key)
    ).all()
    by_status = dict.fromkeys(statuses, 0)
    by_due = dict.fromkeys(DUE_FILTERS, 0)
    per_process: dict[str, int] = {}
    for key, *counts in rows:
        status_counts = dict(zip(statuses, counts[: len(statuses)], strict=True))
        due_counts = dict(zip(DUE_FILTERS, counts[len(statuses) :], strict=True))
        if due_counts[flt.due]:
            per_process[key] = int(due_counts[flt.due])
        if flt.process and key != flt.process:
            continue
        for name, value in status_counts.items():
            by_status[name] += int(value or 0)
        for name, value in due_counts.items():
            by_due[name] += int(value or 0)
    return InboxCounts(
        status=by_status,
        due=by_due,
        process=per_process,
        total=by_due[flt.due],
    )


def process_names(session: Session, municipality: str) -> dict[str, str]:
    """Key → name of the version in force of every process the municipality has."""
    rows = session.execute(
        select(
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.municipality,
            ProcessDefinition.version,
        ).where(ProcessDefinition.municipality.in_((municipality, BASE_VARIANT)))
    ).all()
    best: dict[str, tuple[bool, int, str]] = {}
    for key, name, muni, version in rows:
        rank = (muni != BASE_VARIANT, version, name)
        if key not in best or rank[:2] > best[key][:2]:
            best[key] = rank
    return {key: rank[2] for key, rank in sorted(best.items())}


# -- one task ------------------------------------------------------------------------
def may_work_on(viewer: Viewer, task: UserTask) -> bool:
    """Whether the viewer may open, claim or complete ``task``."""
    if task.municipality != viewer.municipality:
        return False
    return (
        viewer.supervisor
        or task.assignee == viewer.username
        or (
            task.candidate_group is not None
            and task.candidate_group in viewer.departments
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
    if row.assignee != viewer.username and not viewer.supervisor:
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
    """Validate and complete the task, run the case on, record the case status.

    Raises ``FormValidationError`` (nothing changed), ``Conflict`` (someone else
    completed or holds it), ``NotFound``.
    """
    row = get_task(engine, viewer, task_id)
    if row.state != UserTask.READY:
        raise Conflict(f"task {task_id} is already {row.state}")
    instance = engine.complete_task(
        task_id, data, actor=viewer.username, municipality=viewer.municipality
    )
    case = engine.session.scalars(
        select(ServiceCase).where(ServiceCase.instance_id == instance.id)
    ).first()
    if case is not None:
        refresh_status(engine.session, case, instance, now=engine.now())
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

    @property
    def client_masked(self) -> str:
        return mask_identifier(self.case.client_identifier) if self.case else ""


def form_schema(engine: ProcessEngine, key: str | None) -> dict[str, Any] | None:
    """The JSON schema of form ``key`` from the engine's form catalogue."""
    if not key:
        return None
    forms = engine.config.forms
    schema = getattr(forms, "schema", None)
    if schema is None or not forms.has(key):
        return None
    found: dict[str, Any] = schema(key)
    return found


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
    earlier = [
        EarlierForm(t.name, str(t.form_key), schema, t.completed_at, t.completed_by)
        for t in done
        if (schema := form_schema(engine, t.form_key)) is not None
    ]
    data = (
        instance_data(engine, instance, task_id)
        if row.state == UserTask.READY
        else instance_data(engine, instance)
    )
    names = user_names(session, [row.assignee, *(e.completed_by for e in earlier)])
    return TaskView(
        task=row,
        case=case,
        process_name=case.process_name if case else instance.definition.name,
        schema=form_schema(engine, row.form_key),
        data=data,
        earlier=earlier,
        colleagues=colleagues(session, viewer.municipality, row)
        if viewer.supervisor and row.state == UserTask.READY
        else [],
        user_names=names,
    )
