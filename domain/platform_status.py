# SPDX-License-Identifier: EUPL-1.2
"""What the platform holds across every municipality, for its administrators'
status page (no Flask here; the caller must be a platform admin: nothing below is
scoped to one municipality)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.models import Municipality
from engine.models import Incident, ProcessDefinition, ProcessInstance, UserTask


@dataclass(frozen=True)
class PlatformStatus:
    definitions: Sequence[tuple[str, str, str, int]]
    """(key, name, municipality, newest version) per deployed process and variant."""
    instances: dict[str, int]
    """How many instances per status."""
    open_tasks: int
    incidents: int
    """How many incidents are open."""
    municipalities: Sequence[Municipality]


def platform_status(session: Session) -> PlatformStatus:
    definitions = session.execute(
        select(
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.municipality,
            func.max(ProcessDefinition.version),
        )
        .group_by(
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.municipality,
        )
        .order_by(ProcessDefinition.key)
    ).all()
    instances = dict(
        session.execute(
            select(ProcessInstance.status, func.count()).group_by(
                ProcessInstance.status
            )
        )
        .tuples()
        .all()
    )
    open_tasks = session.scalar(
        select(func.count())
        .select_from(UserTask)
        .where(UserTask.state == UserTask.READY)
    )
    incidents = session.scalar(
        select(func.count())
        .select_from(Incident)
        .where(Incident.status == Incident.OPEN)
    )
    municipalities = session.scalars(
        select(Municipality).order_by(Municipality.code)
    ).all()
    return PlatformStatus(
        definitions=[(k, n, m, int(v)) for k, n, m, v in definitions],
        instances=instances,
        open_tasks=open_tasks or 0,
        incidents=incidents or 0,
        municipalities=municipalities,
    )
