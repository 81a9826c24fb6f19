# SPDX-License-Identifier: EUPL-1.2
"""Reconciliation for finance: our payment requests of a period against the payment
module's own listing, the sums per state, every mismatch, and a CSV export.

The listing is fetched by the caller through the connector registry
(``pay.list``); this module only compares, so it runs the same on a listing from the
simulator, from the live module or from a test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import RIGA
from domain.payments.models import (
    CANCELLED,
    EXPIRED,
    PAID,
    REQUESTED,
    STATES,
    UNPAID,
    PaymentEvent,
    PaymentRequest,
)

MODULE_STATUS_OF: Mapping[str, tuple[str, ...]] = {
    REQUESTED: ("pending",),
    PAID: ("paid",),
    CANCELLED: ("cancelled",),
    EXPIRED: ("expired",),
    UNPAID: ("pending", "expired"),
}
"""What the payment module may say about a request in each of our states."""

MISMATCH_TEXT = {
    "missing_at_module": (
        "Maksājumu modulī šāda maksājuma nav",
        "The payment module has no such payment",
    ),
    "unknown_here": (
        "Maksājumu modulī ir maksājums, kura PKIP nav",
        "The payment module has a payment PKIP does not know",
    ),
    "state": ("Statuss atšķiras", "The status differs"),
    "amount": ("Summa atšķiras", "The amount differs"),
    "paid_old_link": (
        "Samaksāts pēc vecas saites, PKIP to nezina",
        "Paid through an old link PKIP does not know as paid",
    ),
}


class PeriodError(ValueError):
    """A period that cannot be reconciled (the message names the field)."""

    def __init__(self, field_name: str, message_lv: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field = field_name
        self.message_lv = message_lv
        self.message_en = message_en


@dataclass(frozen=True)
class ModulePayment:
    """One payment as the payment module lists it."""

    payment_id: str
    status: str
    amount_cents: int
    reference: str
    created_at: datetime | None = None
    paid_at: datetime | None = None

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> ModulePayment:
        def when(key: str) -> datetime | None:
            value = item.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        return cls(
            payment_id=str(item["payment_id"]),
            status=str(item["status"]),
            amount_cents=int(item["amount_cents"]),
            reference=str(item.get("reference") or ""),
            created_at=when("created_at"),
            paid_at=when("paid_at"),
        )


@dataclass(frozen=True)
class Mismatch:
    kind: str
    payment_id: str
    record: PaymentRequest | None
    module: ModulePayment | None

    @property
    def text_lv(self) -> str:
        return MISMATCH_TEXT[self.kind][0]

    @property
    def text_en(self) -> str:
        return MISMATCH_TEXT[self.kind][1]


@dataclass(frozen=True)
class StateTotal:
    state: str
    count: int
    cents: int

    @property
    def amount(self) -> Decimal:
        return Decimal(self.cents) / 100


@dataclass
class Reconciliation:
    start: date
    end: date
    records: list[PaymentRequest]
    module_status: dict[str, str] = field(default_factory=dict)
    """Our record's current module payment id → the module's status."""
    totals: list[StateTotal] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def total(self) -> StateTotal:
        return StateTotal(
            "",
            sum(t.count for t in self.totals),
            sum(t.cents for t in self.totals),
        )


MAX_PERIOD_DAYS = 366


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None:
        raise PeriodError("from", "Norādiet perioda sākumu", "Give the period's start")
    if end is None:
        raise PeriodError("to", "Norādiet perioda beigas", "Give the period's end")
    if end < start:
        raise PeriodError(
            "to",
            "Perioda beigas ir pirms sākuma",
            "The period ends before it starts",
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodError(
            "to", "Periods nav garāks par gadu", "The period is at most a year"
        )
    return start, end


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's Riga days as UTC instants [from, to)."""
    return (
        datetime.combine(start, time(0), tzinfo=RIGA).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=RIGA).astimezone(UTC),
    )


def records_in_period(
    session: Session, municipality: str, start: date, end: date
) -> list[PaymentRequest]:
    low, high = period_bounds(start, end)
    return list(
        session.scalars(
            select(PaymentRequest)
            .where(
                PaymentRequest.municipality == municipality,
                PaymentRequest.requested_at >= low,
                PaymentRequest.requested_at < high,
            )
            .order_by(PaymentRequest.requested_at, PaymentRequest.id)
        )
    )


def _totals(records: Iterable[PaymentRequest]) -> list[StateTotal]:
    counts = {s: [0, 0] for s in STATES}
    for r in records:
        counts[r.state][0] += 1
        counts[r.state][1] += (
            r.paid_cents if r.state == PAID and r.paid_cents else (r.amount_cents)
        )
    return [StateTotal(s, c, cents) for s, (c, cents) in counts.items()]


def reconcile(
    session: Session,
    municipality: str,
    start: date,
    end: date,
    listing: Sequence[ModulePayment],
) -> Reconciliation:
    """Compare the municipality's requests of ``start``..``end`` (Riga dates of the
    request) with the module's ``listing`` of the same period."""
    records = records_in_period(session, municipality, start, end)
    result = Reconciliation(start, end, records, totals=_totals(records))
    by_id = {m.payment_id: m for m in listing}
    current = {r.module_payment_id: r for r in records if r.module_payment_id}
    old: dict[str, PaymentRequest] = {}
    if records:
        for payment_id, request_id in session.execute(
            select(
                PaymentEvent.module_payment_id, PaymentEvent.payment_request_id
            ).where(
                PaymentEvent.payment_request_id.in_([r.id for r in records]),
                PaymentEvent.kind.in_(("requested", "renewed")),
            )
        ):
            if payment_id and payment_id not in current:
                old[payment_id] = next(r for r in records if r.id == request_id)
    for record in records:
        payment_id = record.module_payment_id
        if not payment_id:
            continue  # not sent yet: the outbox is still on it
        module = by_id.get(payment_id)
        if module is None:
            result.mismatches.append(
                Mismatch("missing_at_module", payment_id, record, None)
            )
            continue
        result.module_status[payment_id] = module.status
        if module.amount_cents != record.amount_cents:
            result.mismatches.append(Mismatch("amount", payment_id, record, module))
        if module.status not in MODULE_STATUS_OF[record.state]:
            result.mismatches.append(Mismatch("state", payment_id, record, module))
    for payment_id, module in by_id.items():
        if payment_id in current:
            continue
        if payment_id in old:
            record = old[payment_id]
            if module.status == PAID and record.state != PAID:
                result.mismatches.append(
                    Mismatch("paid_old_link", payment_id, record, module)
                )
            continue
        result.mismatches.append(Mismatch("unknown_here", payment_id, None, module))
    return result


def lv_amount(cents: int) -> str:
    """``6000`` → ``60,00`` (decimal comma, as Latvian spreadsheets read it)."""
    return f"{Decimal(cents) / 100:.2f}".replace(".", ",")


def lv_datetime(value: datetime | None) -> str:
    return value.astimezone(RIGA).strftime("%d.%m.%Y %H:%M") if value else ""


CSV_HEADER = (
    "Lieta",
    "Mērķis",
    "Summa, EUR",
    "Statuss PKIP",
    "Statuss maksājumu modulī",
    "Maksājuma ID",
    "Pieprasīts",
    "Samaksāts",
    "Atgādinājumi",
    "Neatbilstība",
)


def _cell(value: object) -> object:
    """A text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` …)
    is kept as text: the export carries purposes and references from outside."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(result: Reconciliation, state_labels: Mapping[str, str]) -> str:
    """The period's requests and the module's unknown payments as CSV: semicolons
    between fields (the comma is the decimal sign), amounts with a comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)

    def writer_row(cells: Iterable[object]) -> None:
        writer.writerow([_cell(c) for c in cells])

    problems: dict[int, list[str]] = {}
    for m in result.mismatches:
        if m.record is not None:
            problems.setdefault(m.record.id, []).append(m.text_lv)
    for r in result.records:
        writer_row(
            (
                r.case_number,
                r.purpose,
                lv_amount(r.amount_cents),
                state_labels.get(r.state, r.state),
                result.module_status.get(r.module_payment_id or "", ""),
                r.module_payment_id or "",
                lv_datetime(r.requested_at),
                lv_datetime(r.paid_at),
                r.reminders_sent,
                "; ".join(problems.get(r.id, [])),
            )
        )
    for m in result.mismatches:
        if m.record is None and m.module is not None:
            writer_row(
                (
                    m.module.reference,
                    "",
                    lv_amount(m.module.amount_cents),
                    "",
                    m.module.status,
                    m.payment_id,
                    lv_datetime(m.module.created_at),
                    lv_datetime(m.module.paid_at),
                    "",
                    m.text_lv,
                )
            )
    return out.getvalue()
