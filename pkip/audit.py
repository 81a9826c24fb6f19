# SPDX-License-Identifier: EUPL-1.2
"""Connector calls into the central audit chain (domain/audit, docs/audit.md).

The registry's trail (connectors/audit.py) keeps its ``connector_calls`` rows — the
outbox's crash-safe "attempting" record before a call — and hands every row whose
outcome is final to :func:`chain_calls` in the same transaction: one chained record
per call, found by the case (its instance's case number), the person (the look-up
hash of the code in its parameters) and the system. A batch of the outbox costs one
head lock per municipality and one look-up of its cases.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.models import ConnectorCall
from domain.audit.chain import Event, append_many
from domain.cases.models import ServiceCase

ACTION = "connector.call"


def chain_calls(session: Session, rows: list[ConnectorCall]) -> None:
    instances = sorted({r.instance_id for r in rows if r.instance_id})
    numbers: dict[str, str] = {}
    if instances:
        numbers = {
            instance: number
            for instance, number in session.execute(
                select(ServiceCase.instance_id, ServiceCase.number).where(
                    ServiceCase.instance_id.in_(instances)
                )
            )
        }
    events = []
    for row in rows:
        number = numbers.get(row.instance_id or "")
        events.append(
            Event(
                action=ACTION,
                actor=row.actor or "pkip",
                municipality=row.municipality,
                subject_kind="case"
                if number
                else ("instance" if row.instance_id else ""),
                subject_id=number or row.instance_id or "",
                person_hash=row.subject_hash,
                system=row.system,
                details={
                    "operator": row.operator,
                    "mode": row.mode,
                    "outcome": row.outcome,
                    "duration_ms": round(row.duration_ms, 1),
                    "attempt": row.attempt,
                    "element_id": row.element_id,
                    "instance_id": row.instance_id,
                    "call_id": row.id,
                },
                at=row.at,
            )
        )
    append_many(session, events)
