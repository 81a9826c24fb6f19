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
