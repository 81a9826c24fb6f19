# SPDX-License-Identifier: EUPL-1.2
"""Payments of fees: our record of every payment request, its life and its history.

``models`` (the tables), ``services`` (request, notification, reminder, closing as
unpaid, a case's payments), ``reconcile`` (our records against the payment module's
listing, CSV), ``pricing`` (the seam where the service card's price list plugs in).
The payment module itself is reached only through the connector registry, by the
operators wired in ``pkip/payments.py`` and the outbox.
"""

from __future__ import annotations

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

__all__ = [
    "CANCELLED",
    "EXPIRED",
    "PAID",
    "REQUESTED",
    "STATES",
    "UNPAID",
    "PaymentEvent",
    "PaymentRequest",
]
