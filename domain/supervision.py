# SPDX-License-Identifier: EUPL-1.2
"""Supervision: the dashboard's numbers, computed in the database (no Flask here).

Every query filters on the municipality column of the table it reads and groups
in SQL; Python only sums a few hundred grouped rows. "Now" is the engine's clock
(tests move it), working days come from the engine's ``WorkingCalendar``.

| figure | rule |
| --- | --- |
| overdue | ready task, ``due_at`` before now |
| at risk | ready task due from now to the end of the second working day after today |
| breached | task completed in the last 30 days after its ``due_at`` |
| unassigned | ready task with no assignee |
| cycle time | instances completed in the last 90 days: ``ended_at - started_at`` in |
|  | days; P50 and P90 by linear interpolation (as PostgreSQL's percentile_cont) |
| target | ``targetWorkingDays`` of the definition in force (variant, else base) |
| per week | instances started / completed per Monday-to-Sunday week (Riga), 12 weeks |
| waiting | ready tasks of one process grouped by ``element_id`` |
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from core.calendar import RIGA, WorkingCalendar
from domain.accounts.models import Department, User
from domain.cases.models import ServiceCase
from engine.models import Incident, ProcessDefinition, ProcessInstance, UserTask

AT_RISK_WORKING_DAYS = 2
BREACHED_DAYS = 30
CYCLE_TIME_DAYS = 90
WEEKS = 12
INCIDENT_LIMIT = 50


# -- a portable "days between" ---------------------------------------------------------
class days_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """``end - start`` in days (fractional) on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_default(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) / 86400.0)"
    )


@compiles(days_between, "sqlite")
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"(julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)}))"
    )


# -- the time frame --------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    now: datetime
    at_risk_until: datetime
    breached_since: datetime
    cycle_since: datetime
    week_starts: tuple[datetime, ...]
    """``WEEKS + 1`` Monday midnights (Riga) in UTC; the last is next Monday."""

    @property
    def week_labels(self) -> list[date]:
        return [w.astimezone(RIGA).date() for w in self.week_starts[:-1]]


def frame(now: datetime, calendar: WorkingCalendar) -> Frame:
    today = now.astimezone(RIGA).date()
    monday = today - timedelta(days=today.weekday())
    starts = tuple(
        datetime.combine(monday + timedelta(weeks=i), time(0), tzinfo=RIGA)
        for i in range(-(WEEKS - 1), 2)
    )
    return Frame(
        now=now,
        at_risk_until=calendar.due_at(now, working_days=AT_RISK_WORKING_DAYS),
        breached_since=now - timedelta(days=BREACHED_DAYS),
        cycle_since=now - timedelta(days=CYCLE_TIME_DAYS),
        week_starts=starts,
    )


# -- deadlines by department, process and person ---------------------------------------
@dataclass
class Counts:
    open: int = 0
    overdue: int = 0
    at_risk: int = 0
    unassigned: int = 0
    breached: int = 0

    def add(self, other: Counts) -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.at_risk += other.at_risk
        self.unassigned += other.unassigned
        self.breached += other.breached


@dataclass
class Row:
    key: str | None
    label: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class Deadlines:
    total: Counts
    by_department: list[Row]
    by_process: list[Row]
    by_person: list[Row]


def _sum_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def deadlines(
    db: Session, municipality: str, f: Frame, process_names: dict[str, str]
) -> Deadlines:
    """Open and breached tasks by department, process and person: one grouped
    query per dimension and figure, each answering a few rows per group."""
    t = UserTask
    dims = (t.candidate_group, t.process_key, t.assignee)
    groups = [_by(db, municipality, f, dim) for dim in dims]
    total = Counts()
    for counts in groups[0].values():
        total.add(counts)
    departments = _department_names(db, municipality)
    people = _people_names(db, {k for k in groups[2] if k})
    return Deadlines(
        total=total,
        by_department=_rows(groups[0], departments),
        by_process=_rows(groups[1], process_names),
        by_person=_rows(groups[2], people),
    )


def _by(db: Session, municipality: str, f: Frame, dim: Any) -> dict[str | None, Counts]:
    t = UserTask
    found: dict[str | None, Counts] = defaultdict(Counts)
    for key, n, overdue, at_risk, unassigned in db.execute(
        select(
            dim,
            func.count(),
            _sum_if(t.due_at < f.now),
            _sum_if(and_(t.due_at >= f.now, t.due_at <= f.at_risk_until)),
            _sum_if(t.assignee.is_(None)),
        )
        .where(t.municipality == municipality, t.state == UserTask.READY)
        .group_by(dim)
    ):
        found[key].add(
            Counts(open=n, overdue=overdue, at_risk=at_risk, unassigned=unassigned)
        )
    for key, n in db.execute(
        select(dim, func.count())
        .where(
            t.municipality == municipality,
            t.state == UserTask.COMPLETED,
            t.completed_at >= f.breached_since,
            t.completed_at > t.due_at,
        )
        .group_by(dim)
    ):
        found[key].add(Counts(breached=n))
    return found


def _rows(groups: dict[str | None, Counts], labels: dict[str, str]) -> list[Row]:
    rows = [Row(k, labels.get(k, k) if k else "", c) for k, c in groups.items()]
    return sorted(
        rows,
        key=lambda r: (
            -r.counts.overdue,
            -r.counts.at_risk,
            -r.counts.breached,
            r.key is None,
            r.label.casefold(),
        ),
    )


def _department_names(db: Session, municipality: str) -> dict[str, str]:
    return dict(
        db.execute(
            select(Department.key, Department.name).where(
                Department.municipality == municipality
            )
        )
        .tuples()
        .all()
    )


def _people_names(db: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(
        db.execute(
            select(User.username, User.full_name).where(User.username.in_(usernames))
        )
        .tuples()
        .all()
    )


# -- incidents -------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenIncident:
    id: int
    instance_id: str
    business_key: str | None
    case_number: str | None
    """The service case of the instance, if it has one (its page is by number)."""
    process_key: str
    element_id: str | None
    kind: str
    error_type: str
    message: str
    attempts: int
    created_at: datetime


def open_incidents(
    db: Session, municipality: str, limit: int = INCIDENT_LIMIT
) -> tuple[int, list[OpenIncident]]:
    """(how many are open, the newest ``limit`` of them)."""
    condition = and_(
        Incident.municipality == municipality, Incident.status == Incident.OPEN
    )
    total = db.scalar(select(func.count()).select_from(Incident).where(condition))
    rows = db.execute(
        select(
            Incident.id,
            Incident.instance_id,
            ProcessInstance.business_key,
            ServiceCase.number,
            ProcessInstance.process_key,
            Incident.element_id,
            Incident.kind,
            Incident.error_type,
            Incident.message,
            Incident.attempts,
            Incident.created_at,
        )
        .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
        .outerjoin(
            ServiceCase,
            and_(
                ServiceCase.instance_id == Incident.instance_id,
                ServiceCase.municipality == municipality,
            ),
        )
        .where(condition, ProcessInstance.municipality == municipality)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit)
    ).all()
    return total or 0, [OpenIncident(*row) for row in rows]


# -- cycle time ------------------------------------------------------------------------
@dataclass(frozen=True)
class CycleTime:
    process_key: str
    label: str
    completed: int
    p50_days: float
    p90_days: float
    target_working_days: int | None
    target_days: int | None
    """The target in calendar days, counted from today (for comparison)."""

    @property
    def p50_over(self) -> bool:
        return self.target_days is not None and self.p50_days > self.target_days

    @property
    def p90_over(self) -> bool:
        return self.target_days is not None and self.p90_days > self.target_days


_PERCENTILES = ((50, "p50"), (90, "p90"))


def cycle_times(
    db: Session,
    municipality: str,
    f: Frame,
    calendar: WorkingCalendar,
    processes: dict[str, tuple[str, int | None]],
) -> list[CycleTime]:
    """P50/P90 of completed instances per process; ``processes`` maps a key to its
    name and target in working days. Only the ranks around each percentile leave
    the database (window functions; SQLite has them since 3.25)."""
    pi = ProcessInstance
    days = days_between(pi.started_at, pi.ended_at)
    ranked = (
        select(
            pi.process_key.label("key"),
            days.label("days"),
            func.row_number()
            .over(partition_by=pi.process_key, order_by=days)
            .label("rn"),
            func.count().over(partition_by=pi.process_key).label("n"),
        )
        .where(
            pi.municipality == municipality,
            pi.status == ProcessInstance.COMPLETED,
            pi.ended_at >= f.cycle_since,
        )
        .subquery()
    )
    wanted = []
    for pct, _ in _PERCENTILES:
        low = (ranked.c.n - 1) * pct // 100 + 1
        wanted.append(ranked.c.rn.between(low, low + 1))
    rows = db.execute(
        select(ranked.c.key, ranked.c.rn, ranked.c.n, ranked.c.days).where(
            wanted[0] | wanted[1]
        )
    ).all()
    values: dict[str, dict[int, float]] = defaultdict(dict)
    sizes: dict[str, int] = {}
    for key, rn, n, d in rows:
        values[key][int(rn)] = float(d)
        sizes[key] = int(n)
    today = f.now.astimezone(RIGA).date()
    result = []
    for key, n in sizes.items():
        name, target = processes.get(key, (key, None))
        result.append(
            CycleTime(
                process_key=key,
                label=name,
                completed=n,
                p50_days=_interpolate(values[key], n, 50),
                p90_days=_interpolate(values[key], n, 90),
                target_working_days=target,
                target_days=(
                    (calendar.add_working_days(today, target) - today).days
                    if target is not None
                    else None
                ),
            )
        )
    return sorted(result, key=lambda c: c.label.casefold())


def _interpolate(ranks: dict[int, float], n: int, pct: int) -> float:
    """The ``pct`` percentile from the 1-based ranks around it (percentile_cont)."""
    position = (n - 1) * pct / 100
    low = int(position)
    below = ranks[low + 1]
    above = ranks.get(low + 2, below)
    return round(below + (position - low) * (above - below), 2)


# -- started and completed per week ----------------------------------------------------
@dataclass(frozen=True)
class Week:
    start: date
    started: int
    completed: int


def weekly(db: Session, municipality: str, f: Frame) -> list[Week]:
    """Cases started and completed per week: one row of 12 sums per figure."""
    pi = ProcessInstance
    b = f.week_starts

    def per_week(column: Any, *where: Any) -> list[int]:
        sums = [_sum_if(and_(column >= b[i], column < b[i + 1])) for i in range(WEEKS)]
        row = db.execute(
            select(*sums).where(
                pi.municipality == municipality, column >= b[0], column < b[-1], *where
            )
        ).one()
        return [int(v or 0) for v in row]

    started = per_week(pi.started_at)
    completed = per_week(pi.ended_at, pi.status == ProcessInstance.COMPLETED)
    return [
        Week(start, s, c)
        for start, s, c in zip(f.week_labels, started, completed, strict=True)
    ]


# -- cases waiting at each step of one process -----------------------------------------
@dataclass(frozen=True)
class Waiting:
    element_id: str
    name: str
    count: int
    overdue: int


def waiting_by_element(
    db: Session, municipality: str, process_key: str, now: datetime
) -> list[Waiting]:
    t = UserTask
    rows = db.execute(
        select(t.element_id, func.max(t.name), func.count(), _sum_if(t.due_at < now))
        .where(
            t.municipality == municipality,
            t.state == UserTask.READY,
            t.process_key == process_key,
        )
        .group_by(t.element_id)
        .order_by(func.count().desc(), t.element_id)
    ).all()
    return [Waiting(e, name, int(n), int(o)) for e, name, n, o in rows]


# -- processes in force ----------------------------------------------------------------
def targets(db: Session, in_force_ids: list[int]) -> dict[str, int | None]:
    """``targetWorkingDays`` per process key of the given definitions."""
    found: dict[str, int | None] = {}
    if not in_force_ids:
        return found
    for key, meta in db.execute(
        select(ProcessDefinition.key, ProcessDefinition.meta).where(
            ProcessDefinition.id.in_(in_force_ids)
        )
    ):
        raw = ((meta or {}).get("process") or {}).get("targetWorkingDays")
        found[key] = int(raw) if raw is not None and str(raw).isdigit() else None
    return found
