# SPDX-License-Identifier: EUPL-1.2
"""A dog-fee case taken to its payment on the committed database, and the payment
module's notifications posted to the callback as the module would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    payments_secret,
)
from connectors.systems.payments.simulator import (
    SignedNotification,
    default_simulator,
)
from domain import cases
from domain.models import Municipality
from domain.payments import PaymentRequest
from engine.models import ProcessInstance, UserTask
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, drain_outbox

OWNER = cases.Client("Jānis Bērziņš", "161175-19997")  # two dogs in the LDC fixture


@dataclass
class FeeCase:
    number: str
    instance_id: str


def fee_case_waiting_for_payment(platform: Platform) -> FeeCase:
    """Deploy, start a dog-fee case, approve the fee, deliver the payment request."""
    platform.deploy([PROCESS_DIR])
    with platform.transaction() as s:
        if s.get(Municipality, MUNI) is None:
            s.add(Municipality(code=MUNI, name="Rīga", atvk="0010000"))
    with platform.transaction() as s:
        case = cases.start_case(
            platform.engine(s),
            s,
            "dog_fee",
            municipality=MUNI,
            data={"is_pensioner": False, "has_disability": False},
            actor="lietvede",
            client=OWNER,
            channel=cases.E_SERVICE,
        )
        number, instance_id = case.number, case.instance_id
    drain_outbox(platform)
    with platform.transaction() as s:
        [task_id] = s.scalars(
            select(UserTask.id).where(
                UserTask.instance_id == instance_id,
                UserTask.state == UserTask.READY,
            )
        ).all()
        platform.engine(s).complete_task(
            task_id, {"approved": True}, actor="finansiste"
        )
    drain_outbox(platform)
    return FeeCase(number, instance_id)


def payment_of(platform: Platform, number: str) -> PaymentRequest:
    with platform.transaction() as s:
        found = s.scalars(
            select(PaymentRequest).where(PaymentRequest.case_number == number)
        ).one()
        s.expunge(found)
        return found


def instance(platform: Platform, instance_id: str) -> ProcessInstance:
    with platform.transaction() as s:
        found = s.get(ProcessInstance, instance_id)
        assert found is not None
        s.expunge(found)
        return found


def post(client: FlaskClient, notification: SignedNotification, **headers: str) -> Any:
    return client.post(
        f"/callbacks/payments/{MUNI}",
        data=notification.body,
        headers={**notification.headers(), **headers},
    )


def sign_as_module(body: bytes) -> str:
    from connectors.systems.payments.callback import sign

    return sign(body, payments_secret(MUNI))


__all__ = [
    "SIGNATURE_HEADER",
    "FeeCase",
    "default_simulator",
    "fee_case_waiting_for_payment",
    "instance",
    "payment_of",
    "post",
    "sign_as_module",
]
