# SPDX-License-Identifier: EUPL-1.2
"""The payments client against its simulator in process."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from connectors.errors import NotFound, Rejected, Unavailable
from connectors.restkit import FieldsRefused
from connectors.systems.payments import PaymentsClient, PaymentsSimulator
from connectors.systems.payments.callback import verify_and_parse
from connectors.systems.payments.contract import AmountError, to_cents
from connectors.systems.payments.simulator import PaymentClosed
from tests.connectors.payments.conftest import SECRET, Clock, request_params


def test_create_gives_an_id_and_where_to_send_the_payer(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    created = client.create_request(request_params(), "k1")
    assert created["payment_id"] == "PAY-000001"
    assert created["status"] == "pending"
    assert created["amount"] == "60.00"
    assert created["amount_cents"] == 6000
    assert created["redirect_url"] == "http://payments.sim.pkip/pay/PAY-000001"
    assert created["expires_at"] == "2026-03-02T07:30:00+00:00"
    held = sim.payment("PAY-000001")["request"]
    assert held["merchant_id"] == "RIGA"
    assert held["payer"] == {
        "name": "Jānis Bērziņš",
        "id_type": "personas_kods",
        "id": "161175-19997",
    }


def test_public_url_makes_the_redirect_under_the_mount(sim_clock: Clock) -> None:
    sim = PaymentsSimulator(clock=sim_clock, public_url="/sim/payments/")
    with PaymentsClient.for_municipality("RIGA", sim, environ={}) as client:
        created = client.create_request(request_params(), "k")
    assert created["redirect_url"] == "/sim/payments/pay/PAY-000001"


def test_status_follows_pay_cancel_and_expiry(
    client: PaymentsClient, sim: PaymentsSimulator, sim_clock: Clock
) -> None:
    for i in range(3):
        client.create_request(request_params(reference=f"SN-{i}"), f"k{i}")
    assert client.status("PAY-000001")["status"] == "pending"
    sim.pay("PAY-000001")
    paid = client.status("PAY-000001")
    assert paid["status"] == "paid"
    assert paid["paid_at"] == "2026-03-02T07:00:00+00:00"
    sim.cancel("PAY-000002")
    assert client.status("PAY-000002")["status"] == "cancelled"
    sim_clock.now += timedelta(minutes=31)
    assert client.status("PAY-000003")["status"] == "expired"
    assert client.status("PAY-000001")["status"] == "paid"
    with pytest.raises(PaymentClosed):
        sim.pay("PAY-000003")
    with pytest.raises(NotFound):
        client.status("PAY-999999")


def test_paying_signs_a_notification(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    client.create_request(request_params(), "k")
    notification = sim.pay("PAY-000001")
    assert sim.pay("PAY-000001") is notification  # paying twice notifies once
    parsed = verify_and_parse(notification.body, notification.signature, SECRET)
    assert parsed.reference == "SN-2026-0001"
    assert parsed.amount == Decimal("60.00")
    assert parsed.status == "paid"
    assert parsed.bank
    assert b"161175" not in notification.body  # the notification names no payer


def test_repeat_with_same_key_creates_one_payment(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    first = client.create_request(request_params(), "same")
    again = client.create_request(request_params(), "same")
    assert again == first
    assert client.create_request(request_params(), "other")["payment_id"] == (
        "PAY-000002"
    )
    assert (sim.ledger.received_total, sim.ledger.unique, sim.ledger.duplicates) == (
        3,
        2,
        1,
    )
    with pytest.raises(Rejected):
        client.create_request(request_params(amount="61.00"), "same")


@pytest.mark.parametrize(
    ("amount", "cents"),
    [(60, 6000), ("12.5", 1250), (Decimal("0.01"), 1), (12.34, 1234), ("7.10", 710)],
)
def test_amounts_in_euro_become_cents(amount: Any, cents: int) -> None:
    assert to_cents(amount) == cents


@pytest.mark.parametrize("amount", ["12.345", "abc", True, None, float("nan"), [1]])
def test_bad_amounts_are_refused(amount: Any) -> None:
    with pytest.raises(AmountError):
        to_cents(amount)


def test_amount_in_cents_is_accepted(client: PaymentsClient) -> None:
    params = request_params(amount=None, amount_cents=2500)
    assert client.create_request(params, "k")["amount"] == "25.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount_cents": 100}, "amount"),  # both given
        ({"payer_code": "161175-19998"}, "payer_code"),
        ({"payer_code": "40003521601"}, "payer_code"),
        ({"payer_name": ""}, "payer_name"),
        ({"purpose": "x" * 141}, "purpose"),
        ({"reference": "SN;DROP"}, "reference"),
        ({"return_url": "javascript:alert(1)"}, "return_url"),
        ({"notify_url": "ftp://x"}, "notify_url"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    client: PaymentsClient,
    sim: PaymentsSimulator,
    overrides: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.create_request(request_params(**overrides), "k")
    assert field in caught.value.paths
    assert "161175" not in str(caught.value)
    assert sim.ledger.received_total == 0


def test_company_payer_is_accepted(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    client.create_request(request_params(payer_code="40003521600"), "k")
    payer = sim.payment("PAY-000001")["request"]["payer"]
    assert payer["id_type"] == "registracijas_numurs"


def test_server_refuses_a_bad_body_naming_the_field(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    response = client.session.post(
        client.config.base_url + "/payments",
        json={"amount_cents": 0, "currency": "USD"},
        headers={"Idempotency-Key": "raw"},
    )
    assert response.status_code == 422
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"amount_cents", "currency", "payer", "reference", "return_url"} <= paths
    assert sim.ledger.refused == 1


@pytest.mark.parametrize("fault", ["timeout", "http500", "malformed"])
def test_every_fault_is_unavailable(
    client: PaymentsClient, sim: PaymentsSimulator, fault: str
) -> None:
    sim.inject("create_request", fault)
    with pytest.raises(Unavailable):
        client.create_request(request_params(), "k")
    created = client.create_request(request_params(), "k")
    assert created["payment_id"] == "PAY-000001"  # never two payments for one key
    sim.inject("status", fault)
    with pytest.raises(Unavailable):
        client.status("PAY-000001")
    assert client.status("PAY-000001")["status"] == "pending"


def test_page_lists_payments_and_the_pay_button_marks_paid(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    client.create_request(request_params(), "k")
    page = client.session.get(client.config.base_url + "/")
    assert page.status_code == 200
    assert "Apmaksāt" in page.text
    assert "Gaida apmaksu" in page.text
    assert "60,00 €" in page.text
    assert "16****-****7" in page.text
    assert "161175-19997" not in page.text
    pressed = client.session.post(
        client.config.base_url + "/pay/PAY-000001",
        data={"action": "pay", "next": "list"},
        allow_redirects=False,
    )
    assert pressed.status_code == 303
    assert client.status("PAY-000001")["status"] == "paid"
    assert len(sim.notifications) == 1
    assert "Apmaksāts" in client.session.get(client.config.base_url + "/").text


def test_payer_page_returns_to_the_service(client: PaymentsClient) -> None:
    created = client.create_request(request_params(), "k")
    landing = client.session.get(created["redirect_url"])
    assert landing.status_code == 200
    assert "Apmaksāt" in landing.text
    back = client.session.post(
        created["redirect_url"], data={"action": "pay"}, allow_redirects=False
    )
    assert back.headers["Location"] == (
        "https://pkip.example/e-pakalpojumi/suni?payment_id=PAY-000001&status=paid"
    )
    again = client.session.post(created["redirect_url"], data={"action": "cancel"})
    assert "jau slēgts" in again.text


def test_mounted_under_sim_payments_the_buttons_stay_inside(
    sim: PaymentsSimulator, client: PaymentsClient
) -> None:
    client.create_request(request_params(), "k")
    app = DispatcherMiddleware(lambda e, s: [], {"/sim/payments": sim})
    browser = Client(app)
    page = browser.get("/sim/payments/")
    assert page.status_code == 200
    assert 'action="/sim/payments/pay/PAY-000001"' in page.get_data(as_text=True)
    pressed = browser.post(
        "/sim/payments/pay/PAY-000001", data={"action": "pay", "next": "list"}
    )
    assert pressed.status_code == 303
    assert pressed.headers["Location"] == "/sim/payments/"
    assert sim.payment("PAY-000001")["status"] == "paid"
