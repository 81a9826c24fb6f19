# SPDX-License-Identifier: EUPL-1.2
"""Payments in the manner of the latvija.lv payment module.

* ``pay.create_request`` (command) — ``amount`` (euro: ``60``, ``"60.00"``) or
  ``amount_cents``, ``purpose``, ``payer_name``, ``payer_code`` (personal code or
  registration number), ``reference`` (the case number), ``return_url``, optional
  ``notify_url`` → ``{payment_id, status, redirect_url, expires_at, amount,
  amount_cents, currency, reference, …}``;
* ``pay.list`` (query) — ``created_from``, ``created_to`` (ISO 8601 with a zone) →
  ``{payments: [{payment_id, status, amount_cents, reference, created_at, …}]}``,
  the municipality's payments of the period, for reconciliation;
* ``pay.status`` (query) — ``payment_id`` → ``{payment_id, status, amount,
  amount_cents, reference, paid_at, …}``, status pending, paid, cancelled or expired.

The paid notification is checked and acted on by ``callback.py``
(``verify_and_parse``, ``continue_process``). ``simulator()`` is the process-wide
simulator the web app mounts at ``/sim/payments/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connectors.config import listing_config
from connectors.registry import (
    COMMAND,
    QUERY,
    InvalidParameters,
    Operator,
    Registry,
)
from connectors.restkit import idempotency_key
from connectors.systems.payments.client import SYSTEM, PaymentsClient
from connectors.systems.payments.simulator import PaymentsSimulator, default_simulator
from core.contracts import CallContext


def simulator() -> PaymentsSimulator:
    return default_simulator()


def create_request(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    with PaymentsClient.for_municipality(context.municipality) as client:
        return client.create_request(params, idempotency_key(context))


def status(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    with PaymentsClient.for_municipality(context.municipality) as client:
        return client.status(params["payment_id"])


def list_payments(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    """pay.list: created_from, created_to (ISO 8601 with a zone) → {payments: […]}."""
    try:
        low = datetime.fromisoformat(str(params["created_from"]))
        high = datetime.fromisoformat(str(params["created_to"]))
    except (KeyError, ValueError):
        raise InvalidParameters(
            "pay.list: created_from and created_to must be ISO 8601 times"
        ) from None
    with PaymentsClient.for_municipality(context.municipality) as client:
        return {"payments": client.list_payments(low, high)}


def register(registry: Registry) -> None:
    config = listing_config(SYSTEM)
    registry.register(
        Operator(
            name="pay.create_request",
            system=SYSTEM,
            description="Izveidot maksājuma pieprasījumu maksājumu modulī",
            mode=config.mode,
            timeout=config.timeout,
            func=create_request,
            params=("purpose", "payer_name", "payer_code", "reference", "return_url"),
            kind=COMMAND,
        )
    )
    registry.register(
        Operator(
            name="pay.status",
            system=SYSTEM,
            description="Maksājuma statuss (gaida, apmaksāts, atcelts, beidzies)",
            mode=config.mode,
            timeout=config.timeout,
            func=status,
            params=("payment_id",),
            kind=QUERY,
        )
    )
    registry.register(
        Operator(
            name="pay.list",
            system=SYSTEM,
            description="Maksājumu saraksts periodā (saskaņošanai)",
            mode=config.mode,
            timeout=config.timeout,
            func=list_payments,
            params=("created_from", "created_to"),
            kind=QUERY,
        )
    )
