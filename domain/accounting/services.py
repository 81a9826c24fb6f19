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
from domain.catalogue import services as catalogue
from domain.catalogue.workflow import PUBLISH_OPERATOR, publication
from domain.models import Municipality
from domain.payments.services import is_unpaid_case
from engine.models import (
    DELIVERED,
    FAILED,
    HELD,
    PENDING,
    HistoryEvent,
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
    meta = instance.definition.meta
    marks = model.marked_elements(meta)
    waits = _waits_for_client(session, instance.id, meta)
    passed = _passed(session, instance.id, marks) if marks else []
    at = max([now, *(e.at for e in events[-1:])])
    unpaid = case.status == "completed" and is_unpaid_case(
        session, case.municipality, case.number
    )
    for status in model.derive(
        case.status, waits, passed=passed, marked=set(marks.values()), unpaid=unpaid
    ):
        latest = wanted[-1][0] if wanted else last
        if status == latest or (status in model.ONCE and status in reached):
            continue
        decided = model.DECIDED in reached or any(s == model.DECIDED for s, _ in wanted)
        if (
            status == model.IN_PROGRESS
            and decided
            and latest != model.WAITING_FOR_CLIENT
        ):
            # rendering and sending the decision is not "in progress" again
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


def _waits_for_client(
    session: Session, instance_id: str, meta: dict[str, Any] | None
) -> bool:
    """Whether the instance waits for the client: at a message catch (unless marked
    ``clientTurn="false"``), or at a command marked ``clientTurn="true"`` (a
    reminder sent while the client's deadline runs)."""
    elements = session.scalars(
        select(MessageSubscription.element_id).where(
            MessageSubscription.instance_id == instance_id
        )
    ).all()
    if any(model.client_turn(meta, element) for element in elements):
        return True
    marked = model.client_turn_commands(meta)
    if not marked:
        return False
    sending = session.scalars(
        select(OutboxMessage.element_id).where(
            OutboxMessage.instance_id == instance_id,
            OutboxMessage.status.in_((PENDING, HELD, DELIVERED)),
            OutboxMessage.confirmed_at.is_(None),
            OutboxMessage.element_id.in_(marked),
        )
    ).first()
    return sending is not None


# History kinds that mean an element has run (domain.cases.view.FINISHED_EVENTS).
_RAN = (
    "task_completed",
    "service_called",
    "message_received",
    "timer_fired",
    "step_completed",
    "end_event",
)


def _passed(session: Session, instance_id: str, marks: dict[str, str]) -> list[str]:
    """The statuses of the marked elements the instance has run, in order."""
    ran = session.scalars(
        select(HistoryEvent.element_id)
        .where(
            HistoryEvent.instance_id == instance_id,
            HistoryEvent.element_id.in_(list(marks)),
            HistoryEvent.kind.in_(_RAN),
        )
        .order_by(HistoryEvent.id)
    ).all()
    return list(dict.fromkeys(marks[e] for e in ran if e in marks))


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
    """The outbox message that puts the case's service into PSPP's catalogue
    before its first case is reported; the case's first event is held behind it.

    The service catalogue's card in force (domain/catalogue) when the service has
    one: the message of its approval diagram that publishes it, or — for a card
    with no such message (seeded, or approved before this rule) — a
    ``pspp.publish_service`` of it queued here, once per card version.

    Without a card, the minimal fallback: a card built from the process's name
    (the municipality as provider and territory, the general steps, the term),
    sent with ``pspp.ensure_service`` once per municipality and service, so that
    PSPP keeps a card it already has. None when no card can be built (the
    municipality has no ATVK code): PSPP then refuses the case's first event as
    not in the catalogue, an incident says so.
    """
    code = str(case.service_code)
    catalogued = _catalogue_card(session, case, now=now)
    if catalogued is not None:
        return catalogued
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


def _catalogue_card(
    session: Session, case: AccountedCase, *, now: datetime
) -> OutboxMessage | None:
    """The message publishing the catalogue's card in force (see ensure_card)."""
    card = catalogue.find_card(session, case.municipality, str(case.service_code))
    version = card.in_force() if card is not None else None
    if card is None or version is None:
        return None
    municipality = session.get(Municipality, case.municipality)
    if municipality is None or not municipality.atvk:
        return None  # no territory to name: as for the minimal card below
    if version.instance_id is not None:
        published = publication(session, version.instance_id)
        if published is not None:
            return published
    key = f"{card_key(case.municipality, card.code)}:v{version.number}"
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    body = catalogue.pspp_card_of(session, card, version, catalogue.local_day(now))
    return enqueue_ordered(
        session,
        key=key,
        instance_id=case.instance_id,
        municipality=case.municipality,
        operator=PUBLISH_OPERATOR,
        params={"card": body},
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
