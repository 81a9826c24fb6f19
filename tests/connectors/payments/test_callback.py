# SPDX-License-Identifier: EUPL-1.2
"""The signed payment notification, and the waiting dog-fee process it continues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.systems.payments import PaymentsClient, PaymentsSimulator
from connectors.systems.payments.callback import (
    InvalidNotification,
    InvalidSignature,
    PaymentNotification,
    continue_process,
    notification_body,
    sign,
    verify_and_parse,
)
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.connectors.payments.conftest import SECRET, request_params
from tests.engine.factories import deliver_commands, dog_fee_start, ready_task

PAID = {
    "payment_id": "PAY-000001",
    "merchant_id": "RIGA",
    "reference": "SN-2026-0001",
    "status": "paid",
    "amount": "60.00",
    "amount_cents": 6000,
    "currency": "EUR",
    "paid_at": "2026-03-02T07:15:00+00:00",
    "bank": "Citadele",
}


def signed(data: dict[str, object], secret: str = SECRET) -> tuple[bytes, str]:
    body = notification_body(data)
    return body, sign(body, secret)


def test_a_good_signature_parses() -> None:
    body, signature = signed(PAID)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    parsed = verify_and_parse(body, signature, SECRET)
    assert parsed == PaymentNotification(
        payment_id="PAY-000001",
        merchant_id="RIGA",
        reference="SN-2026-0001",
        status="paid",
        amount=Decimal("60.00"),
        amount_cents=6000,
        currency="EUR",
        paid_at=datetime(2026, 3, 2, 7, 15, tzinfo=UTC),
        bank="Citadele",
    )
    # Upper-case hex is the same signature.
    assert verify_and_parse(
        body, signature.upper().replace("SHA256=", "sha256="), SECRET
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b, s: (b.replace(b"6000", b"6"), s),  # body changed
        lambda b, s: (b, s[:-1] + ("0" if s[-1] != "0" else "1")),  # signature changed
        lambda b, s: (b, ""),
        lambda b, s: (b, s.removeprefix("sha256=")),
        lambda b, s: (b, sign(b, "another-secret")),
    ],
)
def test_a_bad_signature_is_refused(tamper: object) -> None:
    body, signature = signed(PAID)
    bad_body, bad_signature = tamper(body, signature)  # type: ignore[operator]
    with pytest.raises(InvalidSignature):
        verify_and_parse(bad_body, bad_signature, SECRET)


def test_no_secret_refuses_everything() -> None:
    body, _ = signed(PAID, "")
    with pytest.raises(InvalidSignature):
        verify_and_parse(body, sign(body, ""), "")


@pytest.mark.parametrize(
    "change",
    [
        {"status": "lost"},
        {"amount": "61.00"},
        {"amount_cents": -1},
        {"amount_cents": True},
        {"reference": ""},
        {"paid_at": None},
        {"paid_at": "vakar"},
    ],
)
def test_a_signed_but_malformed_body_is_refused(change: dict[str, object]) -> None:
    body, signature = signed(PAID | change)
    with pytest.raises(InvalidNotification) as caught:
        verify_and_parse(body, signature, SECRET)
    assert not isinstance(caught.value, InvalidSignature)


def test_a_signed_non_json_body_is_refused() -> None:
    with pytest.raises(InvalidNotification):
        verify_and_parse(b"[1, 2", sign(b"[1, 2", SECRET), SECRET)
    with pytest.raises(InvalidNotification):
        verify_and_parse(b"[1]", sign(b"[1]", SECRET), SECRET)


@pytest.fixture(autouse=True)
def _forget_audit_records(platform: Platform) -> Iterator[None]:
    # Calls made through the rolled-back ``engine`` fixture stay in the audit trail's
    # buffer until some later ``platform.transaction()`` writes them; drop ours so a
    # later test counting audit rows does not see them.
    yield
    platform.audit.drain()


def _waiting_dog_fee(engine: ProcessEngine, case_number: str) -> ProcessInstance:
    inst = engine.start(
        "dog_fee", municipality=MUNI, data=dog_fee_start(case_number=case_number)
    )
    review = ready_task(engine.session, inst.id, "review_fee")
    engine.complete_task(review.id, {"approved": True}, actor="anna")
    deliver_commands(engine, inst.id)  # the payment sub-process's request
    assert inst.status == ProcessInstance.RUNNING
    return inst


def test_simulated_payment_continues_the_waiting_dog_fee_to_its_end(
    engine: ProcessEngine,
    deployed: dict[str, int],
    client: PaymentsClient,
    sim: PaymentsSimulator,
) -> None:
    inst = _waiting_dog_fee(engine, "SN-2026-0042")
    created = client.create_request(request_params(reference="SN-2026-0042"), "k")
    raw = sim.pay(created["payment_id"])

    notification = verify_and_parse(raw.body, raw.signature, SECRET)
    moved = continue_process(engine, notification, MUNI)

    assert [i.id for i in moved] == [inst.id]
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_paid"
    received = [e for e in engine.history(inst.id) if e.element_id == "wait_payment"]
    assert [e.details for e in received] == [{"subprocess": "payment"}]
    # A notification delivered twice finds nobody waiting the second time.
    assert continue_process(engine, notification, MUNI) == []


def test_payment_for_another_case_or_municipality_moves_nothing(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = _waiting_dog_fee(engine, "SN-2026-0043")
    body, signature = signed(PAID | {"reference": "SN-2026-9999"})
    assert (
        continue_process(engine, verify_and_parse(body, signature, SECRET), MUNI) == []
    )
    body, signature = signed(PAID | {"reference": "SN-2026-0043"})
    notification = verify_and_parse(body, signature, SECRET)
    assert continue_process(engine, notification, "JELGAVA") == []
    assert inst.status == ProcessInstance.RUNNING


def test_a_cancelled_payment_closes_the_fee_unpaid(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = _waiting_dog_fee(engine, "SN-2026-0044")
    data = PAID | {"reference": "SN-2026-0044", "status": "cancelled", "paid_at": None}
    body, signature = signed(data)
    moved = continue_process(engine, verify_and_parse(body, signature, SECRET), MUNI)
    assert [i.id for i in moved] == [inst.id]
    assert inst.end_event == "end_unpaid"


def test_an_expired_link_continues_nothing(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = _waiting_dog_fee(engine, "SN-2026-0045")
    data = PAID | {"reference": "SN-2026-0045", "status": "expired", "paid_at": None}
    body, signature = signed(data)
    assert (
        continue_process(engine, verify_and_parse(body, signature, SECRET), MUNI) == []
    )
    assert inst.status == ProcessInstance.RUNNING  # the sub-process's timers decide


def test_payload_is_json_and_names_no_payer() -> None:
    body, signature = signed(PAID)
    payload = verify_and_parse(body, signature, SECRET).payload()
    assert json.loads(json.dumps(payload)) == payload
    assert payload["case_number"] == "SN-2026-0001"
    assert payload["amount"] == "60.00"
