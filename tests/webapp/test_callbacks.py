# SPDX-License-Identifier: EUPL-1.2
"""The payment module's signed notification continues the case waiting for it,
through our payment record: unknown payments and wrong amounts are refused."""

from __future__ import annotations

import json

from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    notification_body,
    payments_secret,
    sign,
)
from connectors.systems.payments.simulator import default_simulator
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.domain.payments.support import (
    fee_case_waiting_for_payment,
    instance,
    payment_of,
)
from webapp import create_app


def _post(client: object, data: dict[str, object], muni: str = MUNI) -> object:
    body = notification_body(data)
    return client.post(  # type: ignore[attr-defined]
        f"/callbacks/payments/{muni}",
        data=body,
        headers={SIGNATURE_HEADER: sign(body, payments_secret(muni))},
    )


def test_signed_payment_notification_completes_the_case(committed: Platform) -> None:
    default_simulator().reset()
    client = create_app(platform=committed).test_client()
    default_simulator().notify = None  # this test posts the notifications itself
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    paid = {
        "amount": "60.00",
        "amount_cents": 6000,
        "bank": "Demo banka",
        "currency": "EUR",
        "merchant_id": MUNI,
        "paid_at": "2026-03-02T09:15:00+00:00",
        "payment_id": record.module_payment_id,
        "reference": case.number,
        "status": "paid",
    }
    body = notification_body(paid)
    bad = client.post(
        f"/callbacks/payments/{MUNI}",
        data=body,
        headers={SIGNATURE_HEADER: "sha256=" + "0" * 64},
    )
    assert bad.status_code == 403
    unknown = _post(client, paid | {"payment_id": "PAY-999999"})
    assert unknown.status_code == 404
    wrong = _post(client, paid | {"amount": "6.00", "amount_cents": 600})
    assert wrong.status_code == 422
    elsewhere = _post(client, paid, muni="JELGAVA")
    assert elsewhere.status_code == 404  # another municipality's payment: unknown
    assert instance(committed, case.instance_id).status == "running"

    ok = _post(client, paid)
    assert ok.status_code == 200 and ok.get_json()["continued"] == 1
    ended = instance(committed, case.instance_id)
    assert ended.status == "completed" and ended.end_event == "end_paid"
    again = _post(client, paid)
    assert json.loads(again.get_data()) == {
        "changed": False,
        "continued": 0,
        "status": "ok",
    }
