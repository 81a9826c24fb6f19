# SPDX-License-Identifier: EUPL-1.2
"""The payment module's signed notification continues the case waiting for it."""

from __future__ import annotations

from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    notification_body,
    payments_secret,
    sign,
)
from engine.models import ProcessInstance
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine.factories import dog_fee_start, ready_task
from webapp import create_app

PAID = {
    "amount": "60.00",
    "amount_cents": 6000,
    "bank": "Demo banka",
    "currency": "EUR",
    "merchant_id": MUNI,
    "paid_at": "2026-03-02T09:15:00+00:00",
    "payment_id": "PAY-000001",
    "reference": "SN-CB-1",
    "status": "paid",
}


def _waiting_for_payment(platform: Platform) -> str:
    platform.deploy([PROCESS_DIR])
    with platform.transaction() as s:
        engine = platform.engine(s)
        inst = engine.start("dog_fee", municipality=MUNI, data=dog_fee_start("SN-CB-1"))
        task = ready_task(s, inst.id, "review_fee")
        engine.complete_task(task.id, {"approved": True}, actor="finansiste")
        return inst.id


def test_signed_payment_notification_completes_the_case(committed: Platform) -> None:
    inst_id = _waiting_for_payment(committed)
    client = create_app(platform=committed).test_client()
    body = notification_body(PAID)
    bad = client.post(
        f"/callbacks/payments/{MUNI}",
        data=body,
        headers={SIGNATURE_HEADER: "sha256=" + "0" * 64},
    )
    assert bad.status_code == 403
    ok = client.post(
        f"/callbacks/payments/{MUNI}",
        data=body,
        headers={SIGNATURE_HEADER: sign(body, payments_secret(MUNI))},
    )
    assert ok.status_code == 200 and ok.get_json()["continued"] == 1
    with committed.transaction() as s:
        inst = s.get(ProcessInstance, inst_id)
        assert inst is not None and inst.status == "completed"
        assert inst.end_event == "end_paid"
    again = client.post(
        f"/callbacks/payments/{MUNI}",
        data=body,
        headers={SIGNATURE_HEADER: sign(body, payments_secret(MUNI))},
    )
    assert again.get_json()["continued"] == 0  # a repeat finds nobody waiting
