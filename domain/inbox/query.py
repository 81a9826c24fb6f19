# SPDX-License-Identifier: EUPL-1.2
"""The inbox's listing: who sees which tasks, the filters, the counts, one page.

Who sees what: a person's own tasks (``assignee``) and the unassigned tasks of
their departments (``candidate_group IN departments``); a supervisor also all open
tasks of the municipality. Queries use the task index (``user_tasks``) and its
indexes ``ix_user_tasks_assignee_queue`` and ``ix_user_tasks_group_queue``
(municipality, state, assignee | candidate_group, due_at); counts are single
grouped queries, never one per filter or per row.

A page is two statements however many tasks there are — the counts, and the page
joined to its cases and process definitions — (plus, for the workplace's page, the
assignees' names and the processes in force). Both are SQLAlchemy Core statements
built once per *shape* of a request (supervisor or not, status, due filter, sort,
which filters are set) with every value a bound parameter, and then reused: building
and cache-keying a statement cost more than PostgreSQL takes to run it on the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from core.calendar import RIGA, WorkingCalendar
from domain.cases import ServiceCase, user_names
from engine.models import BASE_VARIANT, ProcessDefinition, ProcessInstance, UserTask

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


@dataclass(frozen=True)
class Absence:
    """Someone the viewer stands in for now (``domain.accounts.substitutes``)."""

    username: str
    departments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Viewer:
    """Who looks at the inbox: a username, the municipality, department keys, and
    the absent colleagues they substitute (whose tasks and queues they see)."""

    username: str
    municipality: str
    departments: frozenset[str] = frozenset()
    supervisor: bool = False
    absences: tuple[Absence, ...] = ()

    @property
    def covered_users(self) -> frozenset[str]:
        return frozenset(a.username for a in self.absences)

    @property
    def all_departments(self) -> frozenset[str]:
        """Own departments and those of the people substituted."""
        extra = [a.departments for a in self.absences]
        return self.departments.union(*extra) if extra else self.departments

    def acting_for(self, assignee: str | None, group: str | None) -> str | None:
        """Whom the viewer stands in for when working on a task with this
        assignee and group: None when their own rights suffice (or none do)."""
        if assignee == self.username or self.supervisor:
            return None
        if assignee is not None:
            return assignee if assignee in self.covered_users else None
        if group is None or group in self.departments:
            return None
        return next((a.username for a in self.absences if group in a.departments), None)


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


# -- the statements ------------------------------------------------------------------
_TASKS = UserTask.__table__
_CASES = ServiceCase.__table__
_INSTANCES = ProcessInstance.__table__
_DEFINITIONS = ProcessDefinition.__table__
_WHEN = _TASKS.c.due_at.type


class _P:
    """The bound parameters of the inbox's statements (values: ``_values``)."""

    municipality = bindparam("municipality", type_=String())
    username = bindparam("username", type_=String())
    covered = bindparam("covered", type_=String(), expanding=True)
    departments = bindparam("departments", type_=String(), expanding=True)
    process = bindparam("process", type_=String())
    group = bindparam("group", type_=String())
    now = bindparam("now", type_=_WHEN)
    today_start = bindparam("today_start", type_=_WHEN)
    today_end = bindparam("today_end", type_=_WHEN)
    week_end = bindparam("week_end", type_=_WHEN)
    at_risk_end = bindparam("at_risk_end", type_=_WHEN)
    offset: BindParameter[int] = bindparam("offset")
    limit: BindParameter[int] = bindparam("limit")


@dataclass(frozen=True)
class _Shape:
    """What decides a statement's SQL (the values are parameters)."""

    supervisor: bool
    departments: bool
    covered: bool
    status: str
    due: str
    sort: str
    process: bool
    group: bool

    @classmethod
    def of(cls, viewer: Viewer, flt: InboxFilter) -> _Shape:
        return cls(
            supervisor=viewer.supervisor,
            departments=bool(viewer.all_departments),
            covered=bool(viewer.absences),
            status=flt.status,
            due=flt.due,
            sort=flt.sort,
            process=bool(flt.process),
            group=bool(flt.group),
        )


def _values(viewer: Viewer, flt: InboxFilter, limits: DueLimits) -> dict[str, Any]:
    return {
        "municipality": viewer.municipality,
        "username": viewer.username,
        "covered": sorted(viewer.covered_users),
        "departments": sorted(viewer.all_departments),
        "process": flt.process,
        "group": flt.group,
        "now": limits.now,
        "today_start": limits.today_start,
        "today_end": limits.today_end,
        "week_end": limits.week_end,
        "at_risk_end": limits.at_risk_end,
    }


def _status_condition(shape: _Shape, status: str) -> ColumnElement[bool]:
    mine: ColumnElement[bool] = _TASKS.c.assignee == _P.username
    if shape.covered:  # the tasks of the people substituted count as one's own
        mine = or_(mine, _TASKS.c.assignee.in_(_P.covered))
    group = (
        and_(_TASKS.c.assignee.is_(None), _TASKS.c.candidate_group.in_(_P.departments))
        if shape.departments
        else false()
    )
    if status == MINE:
        return mine
    if status == GROUP:
        return group
    if status == ALL:
        return true()
    return or_(mine, group)


def _due_condition(due: str) -> ColumnElement[bool]:
    col = _TASKS.c.due_at
    if due == OVERDUE:
        return col < _P.now
    if due == TODAY:
        return and_(col >= _P.today_start, col <= _P.today_end)
    if due == THIS_WEEK:
        return and_(col >= _P.now, col <= _P.week_end)
    if due == AT_RISK:
        return and_(col >= _P.now, col <= _P.at_risk_end)
    return true()


def _base(shape: _Shape) -> list[ColumnElement[bool]]:
    cond = [
        _TASKS.c.municipality == _P.municipality,
        _TASKS.c.state == UserTask.READY,
    ]
    if not shape.supervisor:  # nobody else may ever see more than this
        cond.append(_status_condition(shape, ASSIGNED_OR_GROUP))
    if shape.group:  # a filter every count respects (the API's group queue)
        cond.append(_TASKS.c.candidate_group == _P.group)
    return cond


def statuses_for(viewer: Viewer | _Shape) -> tuple[str, ...]:
    """The status filters the viewer has (``all`` only for supervisors)."""
    return STATUSES if viewer.supervisor else STATUSES[:-1]


@lru_cache(maxsize=512)
def _counts_statement(shape: _Shape) -> Select[Any]:
    """Counts per status, per due filter and per process in one grouped query (one
    scan of the viewer's tasks): each process's row has every status and due count,
    so the process facet and the others come from the same rows."""
    statuses = statuses_for(shape)
    status_now = _status_condition(shape, shape.status)
    due_now = _due_condition(shape.due)
    columns = [
        *(
            func.count().filter(and_(_status_condition(shape, s), due_now))
            for s in statuses
        ),
        *(
            func.count().filter(and_(status_now, _due_condition(d)))
            for d in DUE_FILTERS
        ),
    ]
    return (
        select(_TASKS.c.process_key, *columns)
        .where(*_base(shape))
        .group_by(_TASKS.c.process_key)
    )


_ORDER = {
    "due": ("due_at", "-priority", "created_at", "id"),
    "priority": ("-priority", "due_at", "id"),
    "age": ("created_at", "id"),
}


def _order(columns: Any, sort: str) -> list[Any]:
    order = []
    for name in _ORDER[sort]:
        col = columns[name.lstrip("-")]
        if name.startswith("-"):
            order.append(col.desc())
        elif name == "due_at":
            order.append(col.asc().nulls_last())
        else:
            order.append(col.asc())
    return order


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape) -> Select[Any]:
    """One page of tasks, then their cases and definitions: joining before the sort
    and limit would join every visible task, not the page shown."""
    cond = _base(shape)
    cond.append(_status_condition(shape, shape.status))
    cond.append(_due_condition(shape.due))
    if shape.process:
        cond.append(_TASKS.c.process_key == _P.process)
    page = (
        select(_TASKS)
        .where(*cond)
        .order_by(*_order(_TASKS.c, shape.sort))
        .offset(_P.offset)
        .limit(_P.limit)
        .subquery("page")
    )
    return (
        select(
            page,
            _CASES.c.number.label("case_number"),
            _CASES.c.process_name.label("case_process_name"),
            _CASES.c.client_name.label("client_name"),
            _CASES.c.client_masked.label("client_masked"),
            _DEFINITIONS.c.name.label("definition_name"),
        )
        .select_from(
            page.outerjoin(_CASES, _CASES.c.instance_id == page.c.instance_id)
            .outerjoin(_INSTANCES, _INSTANCES.c.id == page.c.instance_id)
            .outerjoin(_DEFINITIONS, _DEFINITIONS.c.id == _INSTANCES.c.definition_id)
        )
        .order_by(*_order(page.c, shape.sort))
    )


# -- the inbox page ------------------------------------------------------------------
@dataclass
class InboxItem:
    task: Row[Any]
    """The ``user_tasks`` row (its columns as attributes)."""
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
    """Process key → name of the processes in force for the municipality (only
    with ``people``: the workplace's filter)."""
    limits: DueLimits | None = None


def inbox(
    session: Session,
    viewer: Viewer,
    flt: InboxFilter,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    people: bool = True,
) -> InboxPage:
    """One page of the viewer's inbox with the counts per filter. ``people``: also
    the assignees' names, the clients and the processes in force (the workplace's
    page; the API lists tasks without them)."""
    flt = flt.normalized(viewer)
    limits = DueLimits.at(now, calendar)
    shape = _Shape.of(viewer, flt)
    values = _values(viewer, flt, limits)
    counts = _counts(session, shape, values, flt)
    pages = max(1, min(MAX_PAGES, -(-counts.total // flt.per_page)))
    page = min(flt.page, pages)
    rows = session.execute(
        _page_statement(shape),
        {**values, "offset": (page - 1) * flt.per_page, "limit": flt.per_page},
    ).all()
    names = user_names(session, [r.assignee for r in rows]) if people else {}
    processes = process_names(session, viewer.municipality) if people else {}
    items = [
        InboxItem(
            task=row,
            process_name=row.case_process_name
            or processes.get(row.process_key)
            or row.definition_name
            or row.process_key,
            case_number=row.case_number,
            client_name=row.client_name,
            client_masked=row.client_masked if people and row.case_number else "",
            assignee_name=names.get(row.assignee or "", row.assignee),
            overdue=limits.is_overdue(row.due_at),
            at_risk=limits.is_at_risk(row.due_at),
        )
        for row in rows
    ]
    return InboxPage(
        filter=replace(flt, page=page),
        items=items,
        counts=counts,
        page=page,
        pages=pages,
        processes=processes,
        limits=limits,
    )


def _counts(
    session: Session, shape: _Shape, values: dict[str, Any], flt: InboxFilter
) -> InboxCounts:
    rows = session.execute(_counts_statement(shape), values).all()
    statuses = statuses_for(shape)
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
