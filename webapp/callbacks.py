# SPDX-License-Identifier: EUPL-1.2
"""Callbacks from outside systems: the payment module's paid notification.

Not a browser form: no session and no CSRF token; what makes it trustworthy is the
HMAC signature over the exact body with the secret shared with the municipality.
The notification is applied to our payment record first (domain/payments: unknown
payments and wrong amounts are refused, a replay changes nothing), and only a
change to paid or cancelled continues the case waiting for it (the payment
sub-process waits for ``payment_received`` correlated on the case number).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import Blueprint, jsonify, request

from connectors.config import ConnectorConfigError
from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    InvalidNotification,
    InvalidSignature,
    continue_process,
    payments_secret,
    verify_and_parse,
)
from domain.payments import services as payments
from webapp import platform_of, transaction
from webapp.auth import public

log = logging.getLogger(__name__)
bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
MAX_BODY = 64 * 1024


@bp.post("/payments/<municipality>")
@public
def payment(municipality: str) -> Any:
    from flask import current_app

    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return jsonify(code=413, message="notification too large"), 413
    try:
        secret = payments_secret(municipality)
        notification = verify_and_parse(
            body, request.headers.get(SIGNATURE_HEADER, ""), secret
        )
    except InvalidSignature:
        log.warning("payment notification with a bad signature for %s", municipality)
        return jsonify(code=403, message="signature does not verify"), 403
    except (InvalidNotification, ConnectorConfigError) as exc:
        return jsonify(code=422, message=str(exc)), 422
    platform = platform_of(current_app)
    with transaction() as db:
        try:
            outcome = payments.record_notification(
                db,
                municipality,
                payment_id=notification.payment_id,
                status=notification.status,
                amount_cents=notification.amount_cents,
                paid_at=notification.paid_at,
                bank=notification.bank,
                now=platform.engine_config.clock(),
            )
        except payments.UnknownPayment:
            return jsonify(code=404, message="no such payment request"), 404
        except payments.AmountMismatch:
            log.warning("payment notification with a wrong amount for %s", municipality)
            return jsonify(code=422, message="amount differs from the request"), 422
        continued = []
        if outcome.continues_case:
            continued = continue_process(
                platform.engine(db),
                replace(notification, reference=outcome.record.case_number),
                municipality,
            )
    return jsonify(status="ok", changed=outcome.changed, continued=len(continued))
