# SPDX-License-Identifier: EUPL-1.2
"""The payment notification: signed by the payment module, checked and acted on here.

When a payment is paid, the payment module (and its simulator) POSTs a JSON body to
the ``notify_url`` given with the request, with the header ``X-Payment-Signature:
sha256=<hex>`` — HMAC-SHA256 over the exact body bytes with the secret shared with the
municipality (``PKIP_PAYMENTS_PASSWORD``, per municipality ``PKIP_PAYMENTS__<CODE>_
PASSWORD``). The body::

    {"amount": "60.00", "amount_cents": 6000, "bank": "…", "currency": "EUR",
     "merchant_id": "RIGA", "paid_at": "2026-03-02T09:15:00+00:00",
     "payment_id": "PAY-000001", "reference": "SN-2026-0001", "status": "paid"}

It names no payer. The web route that receives it calls :func:`verify_and_parse`
(which refuses a bad signature before reading anything) and then
:func:`continue_process`, which hands the payment to the process waiting for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol

from connectors.config import ConnectorConfigError, system_config

SIGNATURE_HEADER: Final = "X-Payment-Signature"
MESSAGE_NAME: Final = "payment_received"
STATUSES: Final = ("pending", "paid", "cancelled", "expired")
DEV_SECRET: Final = "pkip-payments-simulator-secret"  # noqa: S105 (simulated only)
"""Used only while payments are simulated and no password is configured."""


class InvalidNotification(ValueError):
    """A notification that must not be acted on (the message holds no payer data)."""


class InvalidSignature(InvalidNotification):
    """The signature does not match the body: not from the payment module."""


@dataclass(frozen=True)
class PaymentNotification:
    payment_id: str
    merchant_id: str
    reference: str
    status: str
    amount: Decimal
    amount_cents: int
    currency: str
    paid_at: datetime | None
    bank: str

    def payload(self) -> dict[str, Any]:
        """What the waiting process receives (JSON-serialisable, no payer data)."""
        return {
            "case_number": self.reference,
            "reference": self.reference,
            "payment_id": self.payment_id,
            "status": self.status,
            "amount": f"{self.amount:.2f}",
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "paid_at": self.paid_at.isoformat() if self.paid_at else None,
            "bank": self.bank,
        }


def payments_secret(municipality: str | None) -> str:
    """The shared secret for a municipality's notifications.

    Live mode without ``PKIP_PAYMENTS_PASSWORD`` is a configuration error: an unsigned
    or guessable callback would let anyone mark a fee paid.
    """
    config = system_config("PAYMENTS", municipality)
    if config.password:
        return config.password
    if config.simulated:
        return DEV_SECRET
    raise ConnectorConfigError("PKIP_PAYMENTS_PASSWORD: needed when PAYMENTS is live")


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def notification_body(data: Mapping[str, Any]) -> bytes:
    """The canonical bytes the payment module signs and sends."""
    return json.dumps(
        dict(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def verify_and_parse(body: bytes, signature: str, secret: str) -> PaymentNotification:
    """Check the signature over ``body``, then parse it; raises on either failure."""
    if not secret:
        raise InvalidSignature("no shared secret configured")
    given = (signature or "").strip()
    if not hmac.compare_digest(sign(body, secret), given.lower()):
        raise InvalidSignature("payment notification signature does not match")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidNotification("notification body is not JSON") from exc
    if not isinstance(data, dict):
        raise InvalidNotification("notification body is not an object")
    return _parse(data)


def _text(data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if isinstance(value, str) and value:
        return value
    if value in (None, "") and not required:
        return ""
    raise InvalidNotification(f"notification field {key} missing or not text")


def _parse(data: Mapping[str, Any]) -> PaymentNotification:
    status = _text(data, "status")
    if status not in STATUSES:
        raise InvalidNotification("notification field status is unknown")
    cents = data.get("amount_cents")
    if not isinstance(cents, int) or isinstance(cents, bool) or cents <= 0:
        raise InvalidNotification("notification field amount_cents is not positive")
    try:
        amount = Decimal(_text(data, "amount"))
    except InvalidOperation as exc:
        raise InvalidNotification("notification field amount is not a number") from exc
    if amount * 100 != cents:
        raise InvalidNotification("notification amount and amount_cents differ")
    paid_at_text = _text(data, "paid_at", required=status == "paid")
    try:
        paid_at = datetime.fromisoformat(paid_at_text) if paid_at_text else None
    except ValueError as exc:
        raise InvalidNotification("notification field paid_at is not a time") from exc
    return PaymentNotification(
        payment_id=_text(data, "payment_id"),
        merchant_id=_text(data, "merchant_id"),
        reference=_text(data, "reference"),
        status=status,
        amount=amount,
        amount_cents=cents,
        currency=_text(data, "currency"),
        paid_at=paid_at,
        bank=_text(data, "bank", required=False),
    )


class MessageCorrelator(Protocol):
    """The part of the process engine a payment needs (``ProcessEngine`` has it)."""

    def correlate_message(
        self,
        name: str,
        *,
        municipality: str,
        correlation: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> Sequence[Any]: ...


def continue_process(
    engine: MessageCorrelator,
    notification: PaymentNotification,
    municipality: str,
    actor: str | None = "maksajumu-modulis",
) -> list[Any]:
    """Deliver a paid notification as ``payment_received`` to the process waiting for
    the case whose number is the payment's reference.

    Returns the instances that received it. A paid or cancelled notification
    continues the case (the payment sub-process branches on ``status``); an expired
    link continues nothing (the sub-process's own timers remind and close). A
    repeated notification finds nobody waiting any more, and the web route checks
    our payment record first, so a callback delivered twice is harmless. The caller
    commits.
    """
    if notification.status not in ("paid", "cancelled"):
        return []
    return list(
        engine.correlate_message(
            MESSAGE_NAME,
            municipality=municipality,
            correlation={"case_number": notification.reference},
            payload=notification.payload(),
            actor=actor,
        )
    )
