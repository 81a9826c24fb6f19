# SPDX-License-Identifier: EUPL-1.2
"""Test data for the inbox, task, case and start pages: cases started through the
domain service, many task index rows at once, and an HTML label check."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import html as lxml_html
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from domain import cases
from engine.models import ProcessDefinition, ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, T0

DOG_OWNER = "161175-19997"
TREE_REGISTRATION = {
    "f.address": "Brīvības iela 1, Rīga",
    "f.cadastre_number": "01000010001",
    "f.tree_count": "2",
    "f.species": "Parastā liepa",
}


def start(
    engine: ProcessEngine,
    key: str = "tree_felling",
    *,
    municipality: str = MUNI,
    data: dict[str, Any] | None = None,
    client: cases.Client | None = None,
) -> cases.ServiceCase:
    if data is None and key == "dog_fee":
        data = {"is_pensioner": False, "has_disability": False}
    case = cases.start_case(
        engine,
        engine.session,
        key,
        municipality=municipality,
        data=data or {},
        actor="lietvede",
        client=client or cases.Client("Jānis Bērziņš", DOG_OWNER),
        channel=cases.OFFICE,
    )
    engine.session.flush()
    return case


def ready_task(session: Session, case: cases.ServiceCase) -> UserTask:
    [task] = session.scalars(
        select(UserTask).where(
            UserTask.instance_id == case.instance_id, UserTask.state == UserTask.READY
        )
    ).all()
    return task


_ids = itertools.count(1)


def bulk_tasks(
    session: Session,
    rows: Iterable[dict[str, Any]],
    *,
    municipality: str = MUNI,
) -> str:
    """Insert task index rows (``rows`` give the columns to set) on one instance of
    a deployed process; returns the instance id."""
    definition = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == "tree_felling")
    ).first()
    assert definition is not None, "deploy the sample processes first"
    instance_id = uuid.uuid4().hex
    session.add(
        ProcessInstance(
            id=instance_id,
            definition_id=definition.id,
            process_key="tree_felling",
            municipality=municipality,
            status=ProcessInstance.RUNNING,
            state="",
            started_at=T0,
            updated_at=T0,
        )
    )
    session.flush()
    values = []
    for row in rows:
        n = next(_ids)
        values.append(
            {
                "id": str(uuid.uuid4()),
                "instance_id": instance_id,
                "municipality": municipality,
                "process_key": "tree_felling",
                "element_id": "register_application",
                "name": f"Uzdevums {n}",
                "candidate_group": "lietvedis",
                "assignee": None,
                "priority": 50,
                "form_key": None,
                "due_at": T0 + timedelta(days=10),
                "state": UserTask.READY,
                "created_at": T0 - timedelta(minutes=n),
                **row,
            }
        )
    if values:
        session.execute(insert(UserTask), values)
    return instance_id


def riga_end_of(day: int, month: int = 3) -> datetime:
    """23:59:59 Riga time (EET, +2 in March before the 29th) on that 2026 date."""
    return datetime(2026, month, day, 21, 59, 59, tzinfo=UTC)


def unlabelled_controls(page: str) -> list[str]:
    """Form controls without an accessible name: no <label for>, no wrapping
    label, no aria-label / aria-labelledby (hidden inputs and buttons excepted)."""
    tree = lxml_html.fromstring(page)
    labelled = {lbl.get("for") for lbl in tree.iter("label") if lbl.get("for")}
    missing = []
    for control in tree.xpath("//input | //select | //textarea"):
        kind = (control.get("type") or "").lower()
        if kind in ("hidden", "submit", "button", "reset"):
            continue
        if control.get("aria-label") or control.get("aria-labelledby"):
            continue
        if control.get("id") and control.get("id") in labelled:
            continue
        if any(a.tag == "label" for a in control.iterancestors()):
            continue
        missing.append(control.get("name") or control.get("id") or control.tag)
    return missing
