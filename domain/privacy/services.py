# SPDX-License-Identifier: EUPL-1.2
"""Personal data at rest: the retention rule (docs/personal-data.md); key rotation is
domain/privacy/rotation.py.

- :func:`purge` applies the retention rule: ``PKIP_PII_RETENTION_YEARS`` after a case
  closed, its client's personal data and the process data of its instance are erased;
  the case's number, service, channel, status and dates stay for statistics and the
  PSPP record.

It only flushes: the command or the job commits. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.cases.models import CLOSED_STATUSES, ServiceCase
from engine.models import OutboxMessage, ProcessInstance
from engine.runtime import ProcessEngine

PURGED_NAME = ""
"""What ``client_name`` becomes once erased (the column is required)."""


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
