# SPDX-License-Identifier: EUPL-1.2
"""The dog fee through the persistent engine, the outbox, the payment module's
simulator and its signed callback: paid, cancelled, expired → reminder → unpaid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from connectors.systems.payments.callback import SIGNATURE_HEADER
from connectors.systems.payments.simulator import default_simulator
from domain.accounting.models import CaseStatusEvent
from domain.payments import PaymentEvent
from engine.clock import ManualClock
from pkip.platform import Platform
from tasks.jobs import fire_due_timers
from tests.conftest import drain_outbox
from tests.domain.payments.support import (
    fee_case_waiting_for_payment,
    instance,
    payment_of,
    post,
)
from webapp import create_app


@pytest.fixture
def client(committed: Platform) -> Iterator[FlaskClient]:
    default_simulator().reset()
    app = create_app(platform=committed)  # the simulator now notifies this app
    yield app.test_client()
    default_simulator().notify = None


def _statuses(platform: Platform, number: str) -> list[tuple[str, str | None]]:
    with platform.transaction() as s:
        return [
            (e.status, e.pspp_status)
            for e in s.scalars(
                select(CaseStatusEvent)
                .where(CaseStatusEvent.case_number == number)
                .order_by(CaseStatusEvent.sequence)
            )
        ]


def _events(platform: Platform, request_id: int) -> list[str]:
    with platform.transaction() as s:
        return list(
            s.scalars(
                select(PaymentEvent.kind)
                .where(PaymentEvent.payment_request_id == request_id)
                .order_by(PaymentEvent.id)
            )
        )


def test_paid_on_the_module_page_continues_the_case(
    committed: Platform, client: FlaskClient
) -> None:
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    # two dogs in the LDC fixture, 30 EUR each (dog_fee_amount.dmn)
    assert record.amount_cents == 6000 and str(record.amount) == "60.00"
    assert record.state == "requested" and record.module_payment_id
    assert record.payer_masked == "161175-*****"
    assert instance(committed, case.instance_id).status == "running"
    module = default_simulator().payment(record.module_payment_id)
    assert module["amount_cents"] == 6000 and module["reference"] == case.number

    notification = default_simulator().pay(record.module_payment_id)
    assert notification.delivered is True

    ended = instance(committed, case.instance_id)
    assert ended.status == "completed" and ended.end_event == "end_paid"
    paid = payment_of(committed, case.number)
    assert paid.state == "paid" and paid.paid_cents == 6000 and paid.bank
    assert ("closed", None) in _statuses(committed, case.number)

    # the module sends the same notification again: nothing changes
    again = post(client, notification)
    assert again.status_code == 200
    assert again.get_json() == {"changed": False, "continued": 0, "status": "ok"}
    assert payment_of(committed, case.number).state == "paid"
    assert _events(committed, record.id) == ["requested", "paid", "replayed"]


def test_a_bad_signature_is_refused_and_changes_nothing(
    committed: Platform, client: FlaskClient
) -> None:
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    default_simulator().notify = None  # the test posts it itself
    notification = default_simulator().pay(record.module_payment_id)
    forged = post(client, notification, **{SIGNATURE_HEADER: "sha256=" + "ab" * 32})
    assert forged.status_code == 403
    tampered = post(
        client,
        type(notification)(
            notification.payment_id,
            notification.body.replace(b'"amount_cents":6000', b'"amount_cents":600'),
            notification.signature,
            notification.notify_url,
        ),
    )
    assert tampered.status_code == 403
    assert payment_of(committed, case.number).state == "requested"
    assert instance(committed, case.instance_id).status == "running"
    assert post(client, notification).status_code == 200
    assert instance(committed, case.instance_id).end_event == "end_paid"


def test_cancelled_by_the_payer_closes_the_case_unpaid(
    committed: Platform, client: FlaskClient
) -> None:
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    default_simulator().cancel(record.module_payment_id)
    ended = instance(committed, case.instance_id)
    assert ended.status == "completed" and ended.end_event == "end_unpaid"
    assert payment_of(committed, case.number).state == "cancelled"
    drain_outbox(committed)
    statuses = _statuses(committed, case.number)
    assert statuses[-2:] == [("decided", "decision_made"), ("unpaid", "cancelled")]


def test_expired_then_reminded_then_closed_unpaid(
    committed: Platform, client: FlaskClient, clock: ManualClock
) -> None:
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    first_link = record.module_payment_id
    # the payer lets the module's link time out: recorded, the case still waits
    default_simulator().expire(first_link)
    assert payment_of(committed, case.number).state == "expired"
    assert instance(committed, case.instance_id).status == "running"

    # N working days later the reminder renews the link
    clock.now = record.remind_at + timedelta(seconds=1)
    assert fire_due_timers(committed) == 1
    drain_outbox(committed)
    reminded = payment_of(committed, case.number)
    assert reminded.reminders_sent == 1 and reminded.state == "requested"
    assert reminded.module_payment_id != first_link
    assert instance(committed, case.instance_id).status == "running"

    # M working days after that, still unpaid: the case closes unpaid
    clock.now = reminded.close_at + timedelta(seconds=1)
    assert fire_due_timers(committed) == 1
    drain_outbox(committed)
    ended = instance(committed, case.instance_id)
    assert ended.status == "completed" and ended.end_event == "end_unpaid"
    closed = payment_of(committed, case.number)
    assert closed.state == "unpaid" and closed.reminders_sent == 1
    assert _events(committed, record.id) == [
        "requested",
        "expired",
        "reminded",
        "renewed",
        "unpaid",
    ]
    assert _statuses(committed, case.number)[-1] == ("unpaid", "cancelled")

    # the money arriving on the new link after all is kept, the case stays closed
    late = default_simulator().pay(closed.module_payment_id)
    assert late.delivered is True
    assert payment_of(committed, case.number).state == "paid"
    assert instance(committed, case.instance_id).end_event == "end_unpaid"
