# SPDX-License-Identifier: EUPL-1.2
"""``pkip pspp reconcile``: which cases PSPP holds differently from us, and sending
them again.

PSPP is asked through the connector registry port (``pspp.case_events``, a query),
never through the connector package itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contracts import CallContext, ConnectorRegistry
from domain.accounting.models import CaseStatusEvent
from domain.accounting.services import reported_events
from engine.models import (
    DELIVERED,
    FAILED,
    HELD,
    PENDING,
    Incident,
    OutboxMessage,
    ProcessInstance,
)

QUERY_OPERATOR = "pspp.case_events"


@dataclass
class Divergence:
    """A case PSPP holds differently: ``ours`` and ``theirs`` as (sequence, status)."""

    case_number: str
    municipality: str
    ours: list[tuple[int, str]]
    theirs: list[tuple[int, str]]
    reason: str
    requeued: int = 0
    events: list[CaseStatusEvent] = field(default_factory=list, repr=False)


def _theirs(
    registry: ConnectorRegistry, events: list[CaseStatusEvent]
) -> list[tuple[int, str, str]]:
    first = events[0]
    context = CallContext(municipality=first.municipality, actor="reconcile")
    reply: Any = registry.call(QUERY_OPERATOR, {"case_id": first.case_number}, context)
    return [
        (int(e["sequence"]), str(e["status"]), str(e["event_id"]))
        for e in (reply or {}).get("events", [])
    ]


def _reason(
    ours: list[tuple[int, str, str]], theirs: list[tuple[int, str, str]]
) -> str:
    common = 0
    while common < min(len(ours), len(theirs)) and ours[common] == theirs[common]:
        common += 1
    if common < len(theirs):
        return f"PSPP notikums Nr. {theirs[common][0]} atšķiras no mūsējā"
    return f"PSPP trūkst {len(ours) - common} notikumu (no Nr. {common + 1})"


def find_divergent(
    session: Session, registry: ConnectorRegistry, municipality: str | None = None
) -> list[Divergence]:
    """Cases whose events at PSPP are not exactly ours (the same ids, sequence and
    statuses), with the reason in Latvian. Events still on their way count too:
    PSPP does not have them yet."""
    found: list[Divergence] = []
    for number, events in reported_events(session, municipality).items():
        ours = [(e.pspp_sequence or 0, e.pspp_status or "", e.event_id) for e in events]
        theirs = _theirs(registry, events)
        if ours == theirs:
            continue
        found.append(
            Divergence(
                case_number=number,
                municipality=events[0].municipality,
                ours=[(s, st) for s, st, _ in ours],
                theirs=[(s, st) for s, st, _ in theirs],
                reason=_reason(ours, theirs),
                events=events,
            )
        )
    return found


def requeue(session: Session, divergence: Divergence, *, now: datetime) -> int:
    """Send again, in order, every event PSPP lacks (from the first one missing):
    the first is due now, each later one held behind the one before. Returns how
    many; 0 when PSPP holds an event that is not ours (a person must look)."""
    missing = len(divergence.theirs)
    if divergence.ours[:missing] != divergence.theirs:
        return 0
    previous: OutboxMessage | None = None
    count = 0
    for event in divergence.events[missing:]:
        message = (
            session.get(OutboxMessage, event.outbox_message_id)
            if event.outbox_message_id
            else None
        )
        if message is None:
            continue
        card = _failed_card(session, message, now) if previous is None else None
        _reset(message, now, after=previous or card)
        _resolve_incident(session, message, now)
        previous = message
        count += 1
    divergence.requeued = count
    session.flush()
    return count


def _failed_card(
    session: Session, first: OutboxMessage, now: datetime
) -> OutboxMessage | None:
    # The case's service card, if its publication failed: it goes first again.
    card = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id == first.after_id, OutboxMessage.status == FAILED
        )
    ).first()
    if card is not None:
        _reset(card, now, after=None)
        _resolve_incident(session, card, now)
    return card


def _reset(
    message: OutboxMessage, now: datetime, *, after: OutboxMessage | None
) -> None:
    message.attempts = 0
    message.last_error = None
    message.delivered_at = None
    message.next_attempt_at = now
    if after is not None and after.status != DELIVERED:
        message.status, message.after_id = HELD, after.id
    else:
        message.status, message.after_id = PENDING, None


def _resolve_incident(session: Session, message: OutboxMessage, now: datetime) -> None:
    for incident in session.scalars(
        select(Incident).where(
            Incident.instance_id == message.instance_id,
            Incident.task_id == message.task_id,
            Incident.status == Incident.OPEN,
        )
    ):
        incident.status = Incident.RESOLVED
        incident.resolved_at = now
        incident.resolved_by = "pkip pspp reconcile"
    session.flush()
    instance = session.get(ProcessInstance, message.instance_id)
    if instance is not None:
        instance.has_incident = bool(
            session.scalar(
                select(func.count())
                .select_from(Incident)
                .where(
                    Incident.instance_id == instance.id,
                    Incident.status == Incident.OPEN,
                )
            )
        )
