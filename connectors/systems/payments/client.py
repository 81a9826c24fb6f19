# SPDX-License-Identifier: EUPL-1.2
"""REST/JSON client of the payment module (see ``contract`` for the wire format)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

import requests

from connectors.config import SystemConfig, http_session, system_config
from connectors.restkit import (
    FieldProblem,
    FieldsRefused,
    json_object,
    send,
)
from connectors.systems.payments.contract import build_request
from connectors.systems.payments.simulator import default_simulator
from connectors.transport import WSGIApp

SYSTEM = "PAYMENTS"


class PaymentsClient:
    def __init__(
        self,
        config: SystemConfig,
        session: requests.Session,
        merchant_id: str,
    ) -> None:
        self.config = config
        self.session = session
        self.merchant_id = merchant_id

    @classmethod
    def for_municipality(
        cls,
        municipality: str | None,
        simulator: WSGIApp | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> PaymentsClient:
        """The municipality's merchant id is its ``PKIP_PAYMENTS_USERNAME``, else its
        code (the simulator looks the signing secret up by it)."""
        config = system_config(SYSTEM, municipality, environ)
        merchant = config.username or municipality or "PKIP"
        session = http_session(config, simulator or default_simulator())
        return cls(config, session, merchant)

    def __enter__(self) -> PaymentsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def create_request(
        self, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Create a payment request from ``amount`` (euro) or ``amount_cents``,
        ``purpose``, ``payer_name``, ``payer_code`` (personal code or registration
        number), ``reference``, ``return_url`` and optionally ``notify_url``.

        Returns ``{payment_id, status, redirect_url, expires_at, amount,
        amount_cents, currency, reference, …}``.
        """
        where = "pay.create_request"
        body, problems = build_request(params, self.merchant_id)
        if problems:
            raise FieldsRefused(where, problems)
        response = send(
            self.session,
            "POST",
            self.config.base_url + "/payments",
            where=where,
            timeout=self.config.timeout,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return json_object(response, where, "payment_id", "status", "redirect_url")

    def list_payments(
        self, created_from: datetime, created_to: datetime
    ) -> list[dict[str, Any]]:
        """This merchant's payments created in [created_from, created_to) (aware
        datetimes), each as ``status`` answers it."""
        where = "pay.list"
        problems = [
            FieldProblem(name, "Laiks ar laika joslu (ISO 8601)")
            for name, value in (
                ("created_from", created_from),
                ("created_to", created_to),
            )
            if not isinstance(value, datetime) or value.tzinfo is None
        ]
        if problems:
            raise FieldsRefused(where, problems)
        query = urlencode(
            {
                "merchant_id": self.merchant_id,
                "created_from": created_from.isoformat(),
                "created_to": created_to.isoformat(),
            }
        )
        response = send(
            self.session,
            "GET",
            f"{self.config.base_url}/payments?{query}",
            where=where,
            timeout=self.config.timeout,
        )
        items = json_object(response, where, "payments")["payments"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise FieldsRefused(where, [FieldProblem("payments", "Nav saraksts")])
        return items

    def status(self, payment_id: str) -> dict[str, Any]:
        """``{payment_id, status, amount, amount_cents, reference, paid_at, …}``;
        status is pending, paid, cancelled or expired."""
        where = "pay.status"
        if not isinstance(payment_id, str) or not payment_id.strip():
            raise FieldsRefused(where, [FieldProblem("payment_id", "Obligāts lauks")])
        response = send(
            self.session,
            "GET",
            f"{self.config.base_url}/payments/{quote(payment_id.strip(), safe='')}",
            where=where,
            timeout=self.config.timeout,
        )
        return json_object(response, where, "payment_id", "status")
