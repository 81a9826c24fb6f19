# SPDX-License-Identifier: EUPL-1.2
"""The payment module's listing for reconciliation, and the simulator's control
that lets a payment time out at once (client against simulator)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.restkit import FieldsRefused
from connectors.systems.payments import PaymentsClient, PaymentsSimulator
from connectors.systems.payments.callback import verify_and_parse
from connectors.systems.payments.simulator import PaymentClosed
from tests.connectors.payments.conftest import SECRET, T0, Clock, request_params


def test_listing_gives_the_merchants_payments_of_the_period(
    client: PaymentsClient, sim: PaymentsSimulator, sim_clock: Clock
) -> None:
    first = client.create_request(request_params(reference="A-1"), "k1")
    sim_clock.now = T0 + timedelta(days=1)
    second = client.create_request(request_params(reference="A-2"), "k2")
    sim.pay(second["payment_id"])
    with PaymentsClient.for_municipality("JELGAVA", sim, environ={}) as other:
        other.create_request(request_params(reference="J-1"), "k3")

    day_one = client.list_payments(T0, T0 + timedelta(days=1))
    assert [p["payment_id"] for p in day_one] == [first["payment_id"]]
    both = client.list_payments(T0, T0 + timedelta(days=2))
    assert [(p["reference"], p["status"]) for p in both] == [
        ("A-1", "expired"),  # a day later: past its 30 minutes
        ("A-2", "paid"),
    ]
    assert both[1]["amount_cents"] == 6000


def test_listing_needs_times_with_a_zone(client: PaymentsClient) -> None:
    with pytest.raises(FieldsRefused) as refused:
        client.list_payments(T0.replace(tzinfo=None), T0)
    assert [p.path for p in refused.value.fields] == ["created_from"]


def test_a_payment_can_be_made_to_time_out_and_says_so(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    created = client.create_request(request_params(), "k1")
    raw = sim.expire(created["payment_id"])
    notice = verify_and_parse(raw.body, raw.signature, SECRET)
    assert notice.status == "expired" and notice.paid_at is None
    assert client.status(created["payment_id"])["status"] == "expired"
    with pytest.raises(PaymentClosed):
        sim.pay(created["payment_id"])


def test_the_pay_page_offers_the_time_out_control(
    client: PaymentsClient, sim: PaymentsSimulator
) -> None:
    from werkzeug.test import Client

    created = client.create_request(request_params(), "k1")
    browser = Client(sim)
    page = browser.get(f"/pay/{created['payment_id']}").get_data(as_text=True)
    assert "Apmaksāt" in page and "Atcelt" in page and "Beigt termiņu" in page
    answer = browser.post(
        f"/pay/{created['payment_id']}", data={"action": "expire", "next": "list"}
    )
    assert answer.status_code == 303
    assert sim.payment(created["payment_id"])["status"] == "expired"
    unknown = browser.post(f"/pay/{created['payment_id']}", data={"action": "steal"})
    assert unknown.status_code == 400
