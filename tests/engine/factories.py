# SPDX-License-Identifier: EUPL-1.2
"""Test data for the sample processes (what a clerk would type)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import UserTask

# 161175-19997 owns two dogs in the LDC simulator's fixtures.
DOG_OWNER = "161175-19997"


def dog_fee_start(
    case_number: str = "SN-2026-0001", **overrides: Any
) -> dict[str, Any]:
    data = {
        "case_number": case_number,
        "applicant_code": DOG_OWNER,
        "applicant_name": "Jānis Bērziņš",
        "is_pensioner": False,
        "has_disability": False,
    }
    data.update(overrides)
    return data


TREE_REGISTRATION = {
    "address": "Brīvības iela 1, Rīga",
    "cadastre_number": "01000010001",
    "tree_count": 2,
    "species": "Parastā liepa",
}
INSPECTION_OK = {
    "inspection_date": "2026-03-04",
    "inspection_approved": True,
    "findings": "Koks ir bīstams",
}
INSPECTION_NO = {"inspection_date": "2026-03-04", "inspection_approved": False}
DRAFT = {
    "decision_title": "Lēmums par koku ciršanu",
    "decision_text": "Atļaut nocirst divas liepas.",
}
SIGNED = {"decision_signed": True}


def ready_tasks(session: Session, instance_id: str) -> list[UserTask]:
    return list(
        session.scalars(
            select(UserTask)
            .where(
                UserTask.instance_id == instance_id, UserTask.state == UserTask.READY
            )
            .order_by(UserTask.created_at, UserTask.element_id)
        )
    )


def ready_task(session: Session, instance_id: str, element_id: str) -> UserTask:
    found = [t for t in ready_tasks(session, instance_id) if t.element_id == element_id]
    assert found, (
        f"{element_id} not ready; ready: "
        f"{[t.element_id for t in ready_tasks(session, instance_id)]}"
    )
    return found[0]


def deliver_commands(engine: Any, instance_id: str) -> int:
    """Deliver the instance's pending outbox commands in the test's own session, as
    the outbox job would (the real operators, simulators behind them); returns how
    many. For tests on a rolled-back session, where the job cannot see the rows."""
    from sqlalchemy import select

    from core.contracts import CallContext
    from engine.models import PENDING, OutboxMessage
    from engine.outbox import message_params

    done = 0
    while True:
        pending = engine.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.instance_id == instance_id,
                OutboxMessage.status == PENDING,
                OutboxMessage.element_id != "",
            )
        ).all()
        if not pending:
            return done
        for message in pending:
            context = CallContext(
                instance_id=instance_id,
                municipality=message.municipality,
                element_id=message.element_id,
                actor="outbox",
                idempotency_key=message.idempotency_key,
            )
            params = message_params(message, engine.config.vault)
            result = engine.config.connectors.call(message.operator, params, context)
            engine.mark_delivered(message, result)
            engine.complete_delivery(message)
            done += 1


def paid(case_number: str, amount: str = "60.00") -> dict[str, Any]:
    """The payload of a paid ``payment_received`` (as the callback delivers it)."""
    return {"case_number": case_number, "status": "paid", "amount": amount}
