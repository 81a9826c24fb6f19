# SPDX-License-Identifier: EUPL-1.2
"""Payment requests: opened when a case asks for a fee, changed by the payment
module's signed notifications, reminded and closed as unpaid by the payment
sub-process (processes/bpmn/payment.bpmn), read by the case page.

Everything flushes only; the caller commits. The outside calls themselves are made
by the operators in ``pkip/payments.py`` (the domain may not import connectors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain.payments.models import (
    CANCELLED,
    EXPIRED,
    FINAL_STATES,
    PAID,
    REQUESTED,
    UNPAID,
    PaymentEvent,
    PaymentRequest,
)
from forms.identifiers import is_personas_kods

DEFAULT_REMIND_WORKING_DAYS = 10
"""Working days from the request to the reminder when neither the process data nor
the municipality's configuration says otherwise."""
DEFAULT_CLOSE_WORKING_DAYS = 10
"""Working days from the reminder to closing the case as unpaid (same default rule)."""
MAX_TERM_WORKING_DAYS = 250
_CALENDAR = WorkingCalendar()


class UnknownPayment(LookupError):
    """A notification for a payment this municipality never requested."""


class AmountMismatch(ValueError):
    """A notification whose amount is not the amount requested."""


@dataclass(frozen=True)
class NewRequest:
    """What a case asks to be paid (the ``payments.request`` operator's parameters
    after checking)."""

    key: str
    municipality: str
    case_number: str
    instance_id: str
    purpose: str
    amount_cents: int
    payer_name: str
    payer_code: str
    remind_after: int = DEFAULT_REMIND_WORKING_DAYS
    close_after: int = DEFAULT_CLOSE_WORKING_DAYS


@dataclass(frozen=True)
class NotificationOutcome:
    record: PaymentRequest
    changed: bool
    """False for a replay: the same status for the same payment again."""
    continues_case: bool
    """True when the waiting case should receive ``payment_received`` now."""


@dataclass
class CasePayment:
    """A payment request with its history, as the case page shows it."""

    request: PaymentRequest
    events: list[PaymentEvent] = field(default_factory=list)


def mask_payer(code: str) -> str:
    """``161175-19997`` → ``161175-*****``; a registration number is shown whole
    (it is no personal data)."""
    text = (code or "").strip()
    if is_personas_kods(text):
        return text.replace("-", "")[:6] + "-*****"
    return text[:20]


def _event(
    session: Session,
    record: PaymentRequest,
    kind: str,
    now: datetime,
    *,
    actor: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> PaymentEvent:
    event = PaymentEvent(
        payment_request_id=record.id,
        kind=kind,
        at=now,
        module_payment_id=record.module_payment_id,
        actor=actor,
        details=dict(details or {}),
    )
    session.add(event)
    return event


def find_by_key(session: Session, key: str) -> PaymentRequest | None:
    return session.scalars(
        select(PaymentRequest).where(PaymentRequest.idempotency_key == key)
    ).first()


def get_request(session: Session, municipality: str, request_id: int) -> PaymentRequest:
    """The municipality's payment request ``request_id`` (LookupError otherwise)."""
    found = session.get(PaymentRequest, request_id)
    if found is None or found.municipality != municipality:
        raise LookupError(f"payment request {request_id} not found")
    return found


def open_request(
    session: Session,
    new: NewRequest,
    *,
    now: datetime,
    calendar: WorkingCalendar = _CALENDAR,
) -> tuple[PaymentRequest, bool]:
    """The payment request for ``new.key``: made now (True) or found again (False,
    a repeated delivery of the same outbox message)."""
    found = find_by_key(session, new.key)
    if found is not None:
        return found, False
    remind_at = calendar.due_at(now, working_days=new.remind_after)
    record = PaymentRequest(
        idempotency_key=new.key,
        municipality=new.municipality,
        case_number=new.case_number,
        instance_id=new.instance_id,
        purpose=new.purpose,
        amount_cents=new.amount_cents,
        currency="EUR",
        payer_name=new.payer_name,
        payer_masked=mask_payer(new.payer_code),
        reference=new.case_number,
        state=REQUESTED,
        requested_at=now,
        remind_at=remind_at,
        close_at=calendar.due_at(remind_at, working_days=new.close_after),
        reminders_sent=0,
    )
    session.add(record)
    session.flush()
    return record, True


def attach_module_payment(
    session: Session,
    record: PaymentRequest,
    reply: Mapping[str, Any],
    *,
    now: datetime,
    renewed: bool = False,
) -> None:
    """Note the payment module's id and pay link of ``record`` (a new link after a
    reminder when ``renewed``)."""
    payment_id = str(reply.get("payment_id") or "")
    if not payment_id or payment_id == record.module_payment_id:
        return
    record.module_payment_id = payment_id
    record.pay_url = str(reply.get("redirect_url") or "") or None
    if renewed and record.state == EXPIRED:
        record.state = REQUESTED
    _event(
        session,
        record,
        "renewed" if renewed else "requested",
        now,
        details={"amount": f"{record.amount:.2f}"},
    )
    session.flush()


def _known_ids(session: Session, record: PaymentRequest) -> set[str]:
    ids = session.scalars(
        select(PaymentEvent.module_payment_id).where(
            PaymentEvent.payment_request_id == record.id,
            PaymentEvent.kind.in_(("requested", "renewed")),
        )
    ).all()
    return {i for i in ids if i}


def find_by_module_id(
    session: Session, municipality: str, payment_id: str
) -> PaymentRequest | None:
    """The request whose current or earlier link has the module's ``payment_id``."""
    found = session.scalars(
        select(PaymentRequest).where(
            PaymentRequest.municipality == municipality,
            PaymentRequest.module_payment_id == payment_id,
        )
    ).first()
    if found is not None:
        return found
    return session.scalars(
        select(PaymentRequest)
        .join(PaymentEvent, PaymentEvent.payment_request_id == PaymentRequest.id)
        .where(
            PaymentRequest.municipality == municipality,
            PaymentEvent.module_payment_id == payment_id,
            PaymentEvent.kind.in_(("requested", "renewed")),
        )
    ).first()


def record_notification(
    session: Session,
    municipality: str,
    *,
    payment_id: str,
    status: str,
    amount_cents: int,
    paid_at: datetime | None,
    bank: str,
    now: datetime,
    actor: str = "maksajumu-modulis",
) -> NotificationOutcome:
    """Apply a verified notification of the payment module to our record.

    Idempotent: the same status for the same payment again changes nothing (and
    continues nothing). A paid notification for a request already closed as unpaid
    is kept (the money arrived late) but continues nothing: no case waits any more.
    Raises ``UnknownPayment`` or ``AmountMismatch`` without changing anything.
    """
    record = find_by_module_id(session, municipality, payment_id)
    if record is None:
        raise UnknownPayment(payment_id)
    if amount_cents != record.amount_cents:
        raise AmountMismatch(payment_id)
    current_link = payment_id == record.module_payment_id
    if (record.state == status and current_link) or record.state == PAID:
        _event(
            session, record, "replayed", now, actor=actor, details={"status": status}
        )
        session.flush()
        return NotificationOutcome(record, changed=False, continues_case=False)
    if status == "pending":
        return NotificationOutcome(record, changed=False, continues_case=False)
    if not current_link and status != PAID:
        # An old link that timed out or was cancelled after a reminder renewed it.
        return NotificationOutcome(record, changed=False, continues_case=False)
    waiting = record.state not in FINAL_STATES
    if status == PAID:
        record.state = PAID
        record.paid_at = paid_at or now
        record.paid_cents = amount_cents
        record.bank = bank or None
        record.module_payment_id = payment_id
        record.closed_at = now
    elif status == CANCELLED:
        if record.state in FINAL_STATES:
            return NotificationOutcome(record, changed=False, continues_case=False)
        record.state = CANCELLED
        record.closed_at = now
    elif status == EXPIRED:
        if record.state in FINAL_STATES:
            return NotificationOutcome(record, changed=False, continues_case=False)
        record.state = EXPIRED
    else:
        raise ValueError(f"unknown payment status {status!r}")
    _event(
        session,
        record,
        status,
        now,
        actor=actor,
        details={"bank": bank} if bank else {},
    )
    session.flush()
    return NotificationOutcome(
        record, changed=True, continues_case=waiting and status in (PAID, CANCELLED)
    )


def record_reminder(
    session: Session,
    record: PaymentRequest,
    *,
    now: datetime,
    actor: str | None,
    key: str,
) -> bool:
    """Count a reminder of an open request once per ``key`` (the outbox message's:
    a repeated delivery counts nothing); False when nothing was counted."""
    if record.state in FINAL_STATES:
        return False
    kinds = session.scalars(
        select(PaymentEvent.details).where(
            PaymentEvent.payment_request_id == record.id,
            PaymentEvent.kind == "reminded",
        )
    ).all()
    if any((d or {}).get("key") == key for d in kinds):
        return False
    record.reminders_sent += 1
    _event(
        session,
        record,
        "reminded",
        now,
        actor=actor,
        details={"close_at": record.close_at.isoformat(), "key": key},
    )
    session.flush()
    return True


def close_unpaid(
    session: Session, record: PaymentRequest, *, now: datetime, actor: str | None
) -> bool:
    """Close an open request as unpaid; False when it was paid or closed meanwhile."""
    if record.state in FINAL_STATES:
        return False
    record.state = UNPAID
    record.closed_at = now
    _event(session, record, "unpaid", now, actor=actor)
    session.flush()
    return True


def is_unpaid_case(session: Session, municipality: str, case_number: str) -> bool:
    """True when the case's last payment request ended unpaid: closed as unpaid
    after the reminder, or cancelled by the payer."""
    last = session.scalars(
        select(PaymentRequest.state)
        .where(
            PaymentRequest.municipality == municipality,
            PaymentRequest.case_number == case_number,
        )
        .order_by(PaymentRequest.id.desc())
        .limit(1)
    ).first()
    return last in (UNPAID, CANCELLED)


def case_payments(
    session: Session, municipality: str, case_number: str
) -> list[CasePayment]:
    """The case's payment requests, oldest first, each with its events (two
    queries)."""
    requests = session.scalars(
        select(PaymentRequest)
        .where(
            PaymentRequest.municipality == municipality,
            PaymentRequest.case_number == case_number,
        )
        .order_by(PaymentRequest.id)
    ).all()
    found = {r.id: CasePayment(r) for r in requests}
    if found:
        for event in session.scalars(
            select(PaymentEvent)
            .where(PaymentEvent.payment_request_id.in_(list(found)))
            .order_by(PaymentEvent.id)
        ):
            found[event.payment_request_id].events.append(event)
    return list(found.values())
