# SPDX-License-Identifier: EUPL-1.2
"""Personal data at rest: key rotation and the retention rule (docs/personal-data.md).

- :func:`rotate` re-encrypts every sealed value under the newest key of
  ``PKIP_PII_KEYS`` (and seals what is still plain); with ``rehash`` it recomputes
  the look-up hashes after ``PKIP_PII_HASH_KEY`` changed.
- :func:`purge` applies the retention rule: ``PKIP_PII_RETENTION_YEARS`` after a case
  closed, its client's personal data and the process data of its instance are erased;
  the case's number, service, channel, status and dates stay for statistics and the
  PSPP record.

Both work in batches of their own transactions' size and only flush: the command or
the job commits. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.pii import PREFIX, PiiVault
from domain.cases.models import CLOSED_STATUSES, ServiceCase
from engine.models import OutboxMessage, ProcessInstance
from engine.runtime import ProcessEngine
from engine.workflow import STATE_CONTEXT

PURGED_NAME = ""
"""What ``client_name`` becomes once erased (the column is required)."""


@dataclass
class RotationStats:
    cases: int = 0
    states: int = 0
    skipped: int = 0
    """States changed by an advance meanwhile (sealed under the newest key by it)."""


def _not_current(column: object, vault: PiiVault) -> object:
    current = f"{PREFIX}{vault.current_key_id}:".replace("_", r"\_")
    return ~column.like(f"{current}%", escape="\\")  # type: ignore[attr-defined]


def rotate(
    session: Session, vault: PiiVault, *, rehash: bool = False, batch: int = 500
) -> RotationStats:
    """Re-encrypt case clients and instance states not sealed under the newest key;
    with ``rehash`` also recompute every client's look-up hash."""
    stats = RotationStats()
    cond = [ServiceCase.client_identifier_sealed != ""]
    if not rehash:
        cond.append(_not_current(ServiceCase.client_identifier_sealed, vault))  # type: ignore[arg-type]
    last = 0
    while True:
        rows = session.scalars(
            select(ServiceCase)
            .where(ServiceCase.id > last, *cond)
            .order_by(ServiceCase.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for case in rows:
            plain = case.client_identifier(vault)
            case.set_client_identifier(vault, plain)
            stats.cases += 1
        last = rows[-1].id
        session.flush()
    _rotate_states(session, vault, stats, batch)
    return stats


def _rotate_states(
    session: Session, vault: PiiVault, stats: RotationStats, batch: int
) -> None:
    table = ProcessInstance.__table__
    last = ""
    while True:
        rows = session.execute(
            select(table.c.id, table.c.version, table.c.state)
            .where(table.c.id > last, _not_current(table.c.state, vault))  # type: ignore[arg-type]
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for instance_id, version, state in rows:
            # The version guard: an advance that wrote meanwhile wins (its state is
            # sealed under the newest key already).
            done = session.execute(
                update(table)
                .where(table.c.id == instance_id, table.c.version == version)
                .values(state=vault.rotate(state, STATE_CONTEXT), version=version + 1)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                stats.states += 1
            else:
                stats.skipped += 1
        last = rows[-1][0]


# -- retention -----------------------------------------------------------------------
def retention_cutoff(now: datetime, years: int) -> datetime:
    """``now`` minus ``years`` calendar years (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


@dataclass
class PurgeResult:
    cutoff: datetime
    numbers: list[str] = field(default_factory=list)
    """Case numbers erased (or, in a dry run, that would be)."""


def due_for_purge(
    session: Session, now: datetime, years: int, *, limit: int = 10_000
) -> list[ServiceCase]:
    """Closed cases whose personal data the retention rule erases now (oldest first)."""
    cutoff = retention_cutoff(now, years)
    return list(
        session.scalars(
            select(ServiceCase)
            .where(
                ServiceCase.purged_at.is_(None),
                ServiceCase.status.in_(CLOSED_STATUSES),
                ServiceCase.closed_at <= cutoff,
            )
            .order_by(ServiceCase.closed_at, ServiceCase.id)
            .limit(limit)
        )
    )


def purge(
    engine: ProcessEngine,
    *,
    years: int,
    dry_run: bool = False,
    limit: int = 10_000,
) -> PurgeResult:
    """Erase the personal data of the cases closed ``years`` ago or more: the
    client's name and identifier, the process data of the instance, the parameters
    and replies of its outbox messages. ``dry_run`` only names the cases."""
    session, now = engine.session, engine.now()
    result = PurgeResult(cutoff=retention_cutoff(now, years))
    for case in due_for_purge(session, now, years, limit=limit):
        result.numbers.append(case.number)
        if dry_run:
            continue
        case.client_name = PURGED_NAME
        case.client_identifier_hash = ""
        case.client_identifier_sealed = ""
        case.client_masked = ""
        case.purged_at = now
        instance = session.get(ProcessInstance, case.instance_id)
        if instance is not None:
            _erase_process_data(engine, instance)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.instance_id == case.instance_id)
            .values(params={}, result=None)
        )
    session.flush()
    return result


def _erase_process_data(engine: ProcessEngine, instance: ProcessInstance) -> None:
    """Empty the data of every task and of the workflow; the structure (which steps
    ran, the diagram's markers) stays."""
    wf = engine.workflow(instance)
    wf.data.clear()
    for sub in wf.subprocesses.values():
        sub.data.clear()
    for task in wf.all_tasks():
        task.data = {}
        task.internal_data = {}
    instance.state = engine.config.serializer.dump_state(wf)
    instance.state_bytes = len(instance.state)
