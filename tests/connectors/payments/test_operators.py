# SPDX-License-Identifier: EUPL-1.2
"""The payment operators through the connector registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.errors import InvalidRequest, NotFound
from connectors.registry import COMMAND, QUERY
from connectors.systems import default_registry
from connectors.systems.payments import PaymentsSimulator, simulator
from connectors.systems.payments.callback import payments_secret, verify_and_parse
from core.contracts import CallContext
from tests.connectors.payments.conftest import request_params


@pytest.fixture
def default_sim() -> Iterator[PaymentsSimulator]:
    sim = simulator()
    sim.reset()
    yield sim
    sim.reset()


def test_kinds() -> None:
    registry = default_registry()
    assert registry.operator("pay.create_request").kind == COMMAND
    assert registry.operator("pay.status").kind == QUERY
    assert registry.operator("pay.status").system == "PAYMENTS"


def test_create_then_status_through_the_registry(
    default_sim: PaymentsSimulator,
) -> None:
    registry = default_registry()
    context = CallContext(municipality="RIGA", idempotency_key="outbox-7")
    created = registry.call("pay.create_request", request_params(), context)
    assert created == registry.call("pay.create_request", request_params(), context)
    assert created["redirect_url"] == f"/sim/payments/pay/{created['payment_id']}"
    assert default_sim.ledger.unique == 1
    notification = default_sim.pay(created["payment_id"])
    # The default simulator signs with the municipality's configured secret.
    verify_and_parse(notification.body, notification.signature, payments_secret("RIGA"))
    status = registry.call(
        "pay.status", {"payment_id": created["payment_id"]}, CallContext()
    )
    assert status["status"] == "paid"


def test_errors_through_the_registry(default_sim: PaymentsSimulator) -> None:
    registry = default_registry()
    registry.backoff = 0
    with pytest.raises(InvalidRequest):
        registry.call(
            "pay.create_request", request_params(payer_code="123"), CallContext()
        )
    with pytest.raises(NotFound):
        registry.call("pay.status", {"payment_id": "PAY-404"}, CallContext())
