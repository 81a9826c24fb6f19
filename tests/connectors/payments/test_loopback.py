# SPDX-License-Identifier: EUPL-1.2
"""Payments over real loopback sockets: the client in live mode, a real timeout, and
the simulator POSTing its signed notification to a receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import requests

from connectors.errors import Unavailable
from connectors.simkit import serve
from connectors.systems.payments import PaymentsClient, PaymentsSimulator
from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    InvalidNotification,
    PaymentNotification,
    verify_and_parse,
)
from connectors.systems.payments.simulator import http_notifier
from tests.connectors.payments.conftest import SECRET, request_params


@pytest.fixture
def live(sim: PaymentsSimulator) -> Iterator[PaymentsClient]:
    with serve(sim) as url:
        environ = {
            "PKIP_PAYMENTS_MODE": "live",
            "PKIP_PAYMENTS_URL": url,
            "PKIP_PAYMENTS_TIMEOUT": "0.3",
            "PKIP_PAYMENTS_USERNAME": "RIGA-DOME",
        }
        with PaymentsClient.for_municipality("RIGA", environ=environ) as client:
            yield client
        sim.faults.clear()


def test_create_and_status_over_a_socket(
    live: PaymentsClient, sim: PaymentsSimulator
) -> None:
    created = live.create_request(request_params(), "k")
    assert created["redirect_url"].startswith("http://127.0.0.1:")
    assert sim.payment(created["payment_id"])["request"]["merchant_id"] == "RIGA-DOME"
    assert live.status(created["payment_id"])["status"] == "pending"
    assert requests.get(created["redirect_url"], timeout=5).status_code == 200


def test_a_real_client_timeout(live: PaymentsClient, sim: PaymentsSimulator) -> None:
    sim.faults.stall_seconds = 5
    sim.inject("create_request", "timeout")
    started = time.perf_counter()
    with pytest.raises(Unavailable):
        live.create_request(request_params(), "k")
    assert time.perf_counter() - started < 3
    sim.faults.clear()
    assert live.create_request(request_params(), "k")["payment_id"] == "PAY-000001"
    assert sim.duplicates == 1


def _receiver(
    got: list[PaymentNotification],
) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"))
        try:
            got.append(verify_and_parse(body, signature or "", SECRET))
        except InvalidNotification:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        start_response("204 No Content", [])
        return []

    return app


def test_paid_notification_is_posted_signed_to_notify_url(
    sim: PaymentsSimulator, client: PaymentsClient
) -> None:
    got: list[PaymentNotification] = []
    with serve(_receiver(got)) as receiver, requests.Session() as session:
        sim.notify = http_notifier(session, timeout=5)
        params = request_params(notify_url=receiver + "/callbacks/payments/RIGA")
        created = client.create_request(params, "k")
        notification = sim.pay(created["payment_id"])
    assert notification.delivered is True
    assert [n.reference for n in got] == ["SN-2026-0001"]


def test_a_refused_delivery_is_recorded_not_raised(
    sim: PaymentsSimulator, client: PaymentsClient
) -> None:
    got: list[PaymentNotification] = []
    sim.secret_for = lambda merchant: "a-different-secret"
    with serve(_receiver(got)) as receiver, requests.Session() as session:
        sim.notify = http_notifier(session, timeout=5)
        created = client.create_request(request_params(notify_url=receiver), "k")
        notification = sim.pay(created["payment_id"])
    assert notification.delivered is False
    assert got == []
