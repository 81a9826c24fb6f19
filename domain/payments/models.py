# SPDX-License-Identifier: EUPL-1.2
"""Tables of payments: one row per payment request of a case, and its events.

Amounts are whole cents (an integer: no binary fraction and no database-specific
decimal type ever touches money); ``PaymentRequest.amount`` is the ``Decimal`` in
euro. The payer's identifier is not stored here: the request names the payer and
shows the code masked; the code itself stays in the sealed process data.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

REQUESTED = "requested"
"""Sent to the payment module; the payer has not paid yet."""
PAID = "paid"
CANCELLED = "cancelled"
"""The payer cancelled the payment on the payment module's page."""
EXPIRED = "expired"
"""The payment module's link timed out; a reminder renews it."""
UNPAID = "unpaid"
"""Not paid in the set working days after the reminder: the case closed unpaid."""
STATES = (REQUESTED, PAID, CANCELLED, EXPIRED, UNPAID)
FINAL_STATES = (PAID, CANCELLED, UNPAID)

EVENT_KINDS = (
    "requested",
    "renewed",
    "reminded",
    "paid",
    "cancelled",
    "expired",
    "unpaid",
    "replayed",
)

_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)
_KIND_LIST = ", ".join(f"'{k}'" for k in EVENT_KINDS)


class PaymentRequest(Base):
    """One payment a case asks of its client (a fee), as PKIP keeps it."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATE_LIST})", name="known_state"),
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        Index("ix_payment_requests_municipality", "municipality", "requested_at"),
        Index("ix_payment_requests_case", "municipality", "case_number"),
        Index("ix_payment_requests_module_id", "municipality", "module_payment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    """The outbox message's key: a repeated delivery finds this row again."""
    municipality: Mapped[str] = mapped_column(String(20))
    case_number: Mapped[str] = mapped_column(String(50))
    instance_id: Mapped[str] = mapped_column(String(36))
    purpose: Mapped[str] = mapped_column(String(140))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payer_name: Mapped[str] = mapped_column(String(255))
    payer_masked: Mapped[str] = mapped_column(String(20))
    """The payer's personal code or registration number, masked."""
    reference: Mapped[str] = mapped_column(String(35))
    """The payment reference the payer's bank shows (the case number)."""
    state: Mapped[str] = mapped_column(String(20), default=REQUESTED)
    module_payment_id: Mapped[str | None] = mapped_column(String(64))
    """The payment module's id of the current link (a reminder may renew it)."""
    pay_url: Mapped[str | None] = mapped_column(String(2000))
    requested_at: Mapped[datetime] = mapped_column()
    remind_at: Mapped[datetime] = mapped_column()
    close_at: Mapped[datetime] = mapped_column()
    """When an unpaid request closes the case as unpaid (if reminded by then)."""
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime | None] = mapped_column()
    paid_cents: Mapped[int | None] = mapped_column(Integer)
    bank: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.amount_cents) / 100).quantize(Decimal("0.01"))


class PaymentEvent(Base):
    """One thing that happened to a payment request (append-only history)."""

    __tablename__ = "payment_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KIND_LIST})", name="known_kind"),
        Index("ix_payment_events_request", "payment_request_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_request_id: Mapped[int] = mapped_column(
        ForeignKey("payment_requests.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column()
    module_payment_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
