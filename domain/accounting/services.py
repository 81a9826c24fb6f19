# SPDX-License-Identifier: EUPL-1.2
"""Case accounting: record each status change of a case, append-only, and queue the
ones PSPP must know through the outbox, in order per case (docs/cases.md).

``record`` is called by ``domain.cases`` whenever it records a case's status (the
one owner, ``on_advance``), in the same transaction: an event exists exactly when
the change it reports was committed, and so does its outbox message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain.accounting import status as model
from domain.accounting.interfaces import AccountedCase
from domain.accounting.models import CaseStatusEvent
from domain.models import Municipality
from domain.payments.services import is_unpaid_case
from engine.models import (
    DELIVERED,
    FAILED,
    MessageSubscription,
    OutboxMessage,
    ProcessInstance,
)
from engine.outbox import enqueue_ordered

log = logging.getLogger(__name__)

EVENT_OPERATOR = "pspp.case_event"
CARD_OPERATOR = "pspp.ensure_service"
_CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class AccountingRow:
    """An event as the case page shows it: ``pspp`` is ``not_reported``,
    ``delivered``, ``on_its_way`` (pending or held) or ``failed``."""

    event: CaseStatusEvent
    pspp: str


def case_accounting(session: Session, case_id: int) -> list[AccountingRow]:
    """The case's events with where each stands with PSPP (two queries)."""
    events = history(session, case_id)
    ids = [e.outbox_message_id for e in events if e.outbox_message_id]
    statuses = dict(
        session.execute(
            select(OutboxMessage.id, OutboxMessage.status).where(
                OutboxMessage.id.in_(ids)
            )
        ).all()
        if ids
        else []
    )
    rows = []
    for event in events:
        state = statuses.get(event.outbox_message_id or 0)
        if event.pspp_status is None or state is None:
            pspp = "not_reported"
        elif state == DELIVERED:
            pspp = "delivered"
        elif state == FAILED:
            pspp = "failed"
        else:
            pspp = "on_its_way"
        rows.append(AccountingRow(event, pspp))
    return rows


def history(session: Session, case_id: int) -> list[CaseStatusEvent]:
    """The case's status events, oldest first."""
    return list(
        session.scalars(
            select(CaseStatusEvent)
            .where(CaseStatusEvent.case_id == case_id)
            .order_by(CaseStatusEvent.sequence)
        )
    )


def record(
    session: Session,
    case: AccountedCase,
    instance: ProcessInstance,
    *,
    now: datetime,
    calendar: WorkingCalendar = _CALENDAR,
) -> list[CaseStatusEvent]:
    """Append the statuses the case reached since its last event; returns them.

    A new case first gets ``submitted`` and ``registered`` (at its creation). Times
    never go backwards within a case, so PSPP's history stays in time order even
    when two web nodes' clocks differ a little.
    """
    session.flush()  # the case needs its id, the engine its subscriptions
    events = history(session, case.id)
    wanted: list[tuple[str, datetime]] = []
    if not events:
        wanted += [
            (model.SUBMITTED, case.created_at),
            (model.REGISTERED, case.created_at),
        ]
    reached = {e.status for e in events}
    last = events[-1].status if events else None
    if last in model.FINAL:
        return []
    waits = _waits_for_client(session, instance.id)
    at = max([now, *(e.at for e in events[-1:])])
    unpaid = case.status == "completed" and is_unpaid_case(
        session, case.municipality, case.number
    )
    for status in model.derive(case.status, waits, unpaid):
        latest = wanted[-1][0] if wanted else last
        if status == latest or (status in model.ONCE and status in reached):
            continue
        wanted.append((status, at))
    if not wanted:
        return []
    term = model.term_of(instance.definition.meta)
    added = [
        _append(session, case, events, status, when, term, calendar)
        for status, when in wanted
    ]
    session.flush()
    return added


def _waits_for_client(session: Session, instance_id: str) -> bool:
    return (
        session.scalars(
            select(MessageSubscription.id)
            .where(MessageSubscription.instance_id == instance_id)
            .limit(1)
        ).first()
        is not None
    )


def _append(
    session: Session,
    case: AccountedCase,
    events: list[CaseStatusEvent],
    status: str,
    at: datetime,
    term: int,
    calendar: WorkingCalendar,
) -> CaseStatusEvent:
    event = CaseStatusEvent(
        event_id=str(uuid.uuid4()),
        case_id=case.id,
        case_number=case.number,
        municipality=case.municipality,
        sequence=(events[-1].sequence if events else 0) + 1,
        status=status,
        pspp_status=model.PSPP_STATUS[status] if case.service_code else None,
        at=at,
        planned_at=model.planned(status, case.created_at, term, calendar),
        created_at=at,
    )
    if event.pspp_status is not None:
        reported = [e for e in events if e.pspp_sequence is not None]
        event.pspp_sequence = (reported[-1].pspp_sequence or 0) + 1 if reported else 1
        previous = _message_of(session, reported[-1]) if reported else None
        if previous is None:
            previous = ensure_card(session, case, term, now=at)
        event.outbox_message_id = _queue(session, case, event, previous).id
    session.add(event)
    events.append(event)
    return event


def _message_of(session: Session, event: CaseStatusEvent) -> OutboxMessage | None:
    if event.outbox_message_id is None:
        return None
    return session.get(OutboxMessage, event.outbox_message_id)


def _queue(
    session: Session,
    case: AccountedCase,
    event: CaseStatusEvent,
    after: OutboxMessage | None,
) -> OutboxMessage:
    channel = model.PSPP_CHANNEL.get(case.channel, "in_person")
    return enqueue_ordered(
        session,
        key=event.event_id,
        instance_id=case.instance_id,
        municipality=case.municipality,
        operator=EVENT_OPERATOR,
        params={"event": event.pspp_event(str(case.service_code), channel)},
        now=event.at,
        after=after,
    )


# -- the service card ------------------------------------------------------------
def card_key(municipality: str, service_code: str) -> str:
    return f"pspp-card:{municipality}:{service_code}"


def ensure_card(
    session: Session, case: AccountedCase, term: int, *, now: datetime
) -> OutboxMessage | None:
    """The outbox message that makes sure the case's service is in PSPP's catalogue
    before its first case is reported (once per municipality and service; PSPP
    keeps a card it already has). None when no card can be built (the
    municipality has no ATVK code): PSPP then refuses the case's first event as
    not in the catalogue, an incident says so.

    Until the service catalogue (issue 11.1) exists, the card is a minimal one:
    the service code, the process's name, the municipality as provider and
    territory, the general steps and the term.
    """
    code = str(case.service_code)
    key = card_key(case.municipality, code)
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    card = minimal_card(session, case, term)
    if card is None:
        log.warning("no PSPP card for %s in %s: no ATVK code", code, case.municipality)
        return None
    return enqueue_ordered(
        session,
        key=key,
        instance_id=case.instance_id,
        municipality=case.municipality,
        operator=CARD_OPERATOR,
        params={"card": card},
        now=now,
    )


def minimal_card(
    session: Session, case: AccountedCase, term: int
) -> dict[str, Any] | None:
    municipality = session.get(Municipality, case.municipality)
    if municipality is None or not municipality.atvk:
        return None
    return {
        "code": str(case.service_code),
        "name": case.process_name[:300],
        "description": f"{case.process_name} — {municipality.name}.",
        "territory": [municipality.atvk],
        "provider": {"name": municipality.name[:300], "atvk": municipality.atvk},
        "steps": [
            {"order": 1, "title": "Iesniegt iesniegumu"},
            {"order": 2, "title": "Pašvaldība izskata iesniegumu"},
            {"order": 3, "title": "Saņemt rezultātu"},
        ],
        "required_documents": [],
        "fees": [],
        "legal_acts": [{"title": "Iesniegumu likums"}],
        "channels": sorted(set(model.PSPP_CHANNEL.values())),
        "result_term_working_days": min(term, 365),
    }


def reported_events(
    session: Session, municipality: str | None = None
) -> dict[str, list[CaseStatusEvent]]:
    """Case number → its events PSPP must know, in PSPP order (for reconcile)."""
    query = select(CaseStatusEvent).where(CaseStatusEvent.pspp_sequence.is_not(None))
    if municipality:
        query = query.where(CaseStatusEvent.municipality == municipality)
    found: dict[str, list[CaseStatusEvent]] = {}
    for event in session.scalars(
        query.order_by(CaseStatusEvent.case_number, CaseStatusEvent.pspp_sequence)
    ):
        found.setdefault(event.case_number, []).append(event)
    return found


def status_labels(events: Sequence[CaseStatusEvent]) -> list[str]:
    return [model.LABELS[e.status] for e in events]
