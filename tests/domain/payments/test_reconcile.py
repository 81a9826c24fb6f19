# SPDX-License-Identifier: EUPL-1.2
"""Our payment records against the payment module's listing: sums, every kind of
mismatch, the CSV; the request's life rules; the pricing seam."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from domain.catalogue.seed import seed_demo_cards
from domain.payments import reconcile, services
from domain.payments.pricing import (
    DMN,
    PRICE_LIST,
    PriceListError,
    fee_on_application_date,
)
from domain.payments.reconcile import ModulePayment
from tests.conftest import MUNI, OTHER_MUNI, T0

DAY = date(2026, 3, 2)


def _request(
    session: Session, key: str, cents: int = 6000, municipality: str = MUNI
) -> services.PaymentRequest:
    record, created = services.open_request(
        session,
        services.NewRequest(
            key=key,
            municipality=municipality,
            case_number=f"C-{key}",
            instance_id="i",
            purpose='=HYPERLINK("x")' if key == "evil" else "Suņu nodeva",
            amount_cents=cents,
            payer_name="Jānis Bērziņš",
            payer_code="161175-19997",
        ),
        now=T0,
    )
    assert created
    services.attach_module_payment(
        session, record, {"payment_id": f"PAY-{key}", "redirect_url": "/p"}, now=T0
    )
    return record


def _module(key: str, status: str, cents: int = 6000) -> ModulePayment:
    return ModulePayment(f"PAY-{key}", status, cents, f"C-{key}", T0)


def test_requests_are_kept_once_with_working_day_terms(db_session: Session) -> None:
    record = _request(db_session, "a")
    again, created = services.open_request(
        db_session,
        services.NewRequest("a", MUNI, "C-a", "i", "x", 1, "N", "161175-19997"),
        now=T0,
    )
    assert again.id == record.id and not created and again.amount_cents == 6000
    # ten working days from Monday 2 March 2026, then ten more (end of the day)
    assert record.remind_at.date() == date(2026, 3, 16)
    assert record.close_at.date() == date(2026, 3, 30)
    assert record.payer_masked == "161175-*****"


def test_notifications_move_the_record_once(db_session: Session) -> None:
    record = _request(db_session, "n")
    common = {"payment_id": "PAY-n", "paid_at": T0, "bank": "SEB", "now": T0}
    with pytest.raises(services.AmountMismatch):
        services.record_notification(
            db_session, MUNI, status="paid", amount_cents=600, **common
        )
    with pytest.raises(services.UnknownPayment):
        services.record_notification(
            db_session, OTHER_MUNI, status="paid", amount_cents=6000, **common
        )
    first = services.record_notification(
        db_session, MUNI, status="paid", amount_cents=6000, **common
    )
    assert first.changed and first.continues_case and record.state == "paid"
    replay = services.record_notification(
        db_session, MUNI, status="paid", amount_cents=6000, **common
    )
    assert not replay.changed and not replay.continues_case
    late_cancel = services.record_notification(
        db_session, MUNI, status="cancelled", amount_cents=6000, **common
    )
    assert not late_cancel.changed and record.state == "paid"
    assert not services.close_unpaid(db_session, record, now=T0, actor=None)


def test_a_reminder_counts_once_per_delivery(db_session: Session) -> None:
    record = _request(db_session, "r")
    assert services.record_reminder(db_session, record, now=T0, actor=None, key="m1")
    assert not services.record_reminder(
        db_session, record, now=T0, actor=None, key="m1"
    )
    assert record.reminders_sent == 1
    assert services.close_unpaid(db_session, record, now=T0, actor=None)
    assert services.is_unpaid_case(db_session, MUNI, record.case_number)


def test_reconciliation_sums_and_finds_every_mismatch(db_session: Session) -> None:
    paid = _request(db_session, "paid")
    services.record_notification(
        db_session,
        MUNI,
        payment_id="PAY-paid",
        status="paid",
        amount_cents=6000,
        paid_at=T0,
        bank="",
        now=T0,
    )
    _request(db_session, "agrees")
    _request(db_session, "gone")
    _request(db_session, "differs", cents=3000)
    _request(db_session, "other-town", municipality=OTHER_MUNI)
    listing = [
        _module("paid", "paid"),
        _module("agrees", "pending"),
        _module("differs", "paid", cents=2000),
        _module("stranger", "paid", cents=1550),
    ]
    result = reconcile.reconcile(db_session, MUNI, DAY, DAY, listing)
    assert [r.case_number for r in result.records] == [
        "C-paid",
        "C-agrees",
        "C-gone",
        "C-differs",
    ]
    totals = {t.state: (t.count, t.cents) for t in result.totals}
    assert totals["paid"] == (1, 6000) and totals["requested"] == (3, 15000)
    assert result.total.cents == 21000 and paid.state == "paid"
    found = sorted((m.kind, m.payment_id) for m in result.mismatches)
    assert found == [
        ("amount", "PAY-differs"),
        ("missing_at_module", "PAY-gone"),
        ("state", "PAY-differs"),
        ("unknown_here", "PAY-stranger"),
    ]
    labels = {"paid": "Samaksāts", "requested": "Pieprasīts"}
    text = reconcile.to_csv(result, labels)
    lines = text.split("\r\n")
    assert lines[0].startswith("Lieta;Mērķis;Summa, EUR;")
    assert lines[1].startswith("C-paid;Suņu nodeva;60,00;Samaksāts;paid;PAY-paid;")
    assert "C-differs;Suņu nodeva;30,00;Pieprasīts;paid;" in text
    assert "Summa atšķiras; Statuss atšķiras" in text
    assert "C-stranger;;15,50;;paid;PAY-stranger;" in text
    # nothing from the other municipality, and its days are Riga days
    assert "other-town" not in text
    assert (
        reconcile.reconcile(
            db_session, MUNI, DAY + timedelta(1), DAY + timedelta(1), []
        ).records
        == []
    )


def test_a_formula_in_a_field_stays_text_in_the_csv(db_session: Session) -> None:
    _request(db_session, "evil")
    result = reconcile.reconcile(
        db_session, MUNI, DAY, DAY, [_module("evil", "pending")]
    )
    assert ";\"'=HYPERLINK(" in reconcile.to_csv(result, {})


def test_a_period_is_checked_with_the_field_named() -> None:
    with pytest.raises(reconcile.PeriodError) as backwards:
        reconcile.check_period(DAY, DAY - timedelta(days=1))
    assert backwards.value.field == "to"
    with pytest.raises(reconcile.PeriodError) as too_long:
        reconcile.check_period(DAY, DAY + timedelta(days=400))
    assert too_long.value.field == "to"
    with pytest.raises(reconcile.PeriodError) as missing:
        reconcile.check_period(None, DAY)
    assert missing.value.field == "from"


def test_without_a_card_the_fee_is_the_tables_own_amount(
    db_session: Session,
) -> None:
    fee = fee_on_application_date(db_session, MUNI, "PKIP-012", DAY, Decimal("60"))
    assert (fee.amount, fee.source) == (Decimal("60.00"), DMN)


def test_the_fee_is_the_cards_rate_in_force_on_the_application_date(
    db_session: Session, municipalities: object
) -> None:
    seed_demo_cards(db_session, MUNI, now=T0)
    # the card's first line is the rate per dog (30,00); the table found 3 payable
    fee = fee_on_application_date(
        db_session, MUNI, "PKIP-012", DAY, Decimal("999"), units=3
    )
    assert (fee.amount, fee.source, fee.rate) == (
        Decimal("90.00"),
        PRICE_LIST,
        Decimal("30.00"),
    )
    assert fee.line == "Nodeva par viena suņa turēšanu"
    flat = fee_on_application_date(db_session, MUNI, "PKIP-004", DAY, Decimal("5"))
    assert (flat.amount, flat.source) == (Decimal("0.00"), PRICE_LIST)


def test_an_expired_price_list_is_refused_with_a_message(
    db_session: Session, municipalities: object
) -> None:
    [card] = [
        c for c in seed_demo_cards(db_session, MUNI, now=T0) if c.code == "PKIP-012"
    ]
    version = card.in_force()
    assert version is not None
    for line in version.prices:
        line.valid_to = date(2026, 1, 31)
    db_session.flush()
    with pytest.raises(PriceListError) as refused:
        fee_on_application_date(
            db_session, MUNI, "PKIP-012", date(2026, 3, 2), Decimal("30"), units=1
        )
    assert str(refused.value) == (
        "Pakalpojuma PKIP-012 cenrādī 02.03.2026 nav spēkā nevienas cenas: "
        "papildiniet pakalpojuma kartīti"
    )
