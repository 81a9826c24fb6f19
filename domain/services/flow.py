# SPDX-License-Identifier: EUPL-1.2
"""The set-up follows its diagram (processes/bpmn/service_setup.bpmn).

Registered by the platform as an after-advance hook: in the transaction of every
advance of a ``service_setup`` instance, the set-up's stage is read off the step the
instance waits at — the analyst's step: a draft; the owner's: under review; the end
event ``end_setup_deployed``: approved and in force. The instance's business key is
the service code, its municipality the set-up's.
"""

from __future__ import annotations

from typing import Final

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.services.models import DRAFT, REVIEW
from domain.services.services import SETUP_PROCESS, approve, own_setup
from engine.models import ProcessInstance, UserTask
from engine.runtime import ProcessEngine

__all__ = ["DEPLOYED_END", "on_setup_advance", "return_comment"]

DEPLOYED_END: Final = "end_setup_deployed"
PREPARE: Final = "prepare_setup"
APPROVE: Final = "approve_setup"


def on_setup_advance(session: Session, instance: ProcessInstance) -> None:
    if instance.process_key != SETUP_PROCESS or not instance.business_key:
        return
    row = own_setup(session, instance.municipality, instance.business_key)
    if row is None or row.setup_instance_id not in (None, instance.id):
        return
    if instance.status == ProcessInstance.COMPLETED:
        if instance.end_event == DEPLOYED_END:
            approve(
                session,
                instance.municipality,
                instance.business_key,
                actor=_approver(session, instance.id),
                now=instance.updated_at,
            )
        return
    if instance.status != ProcessInstance.RUNNING:
        return
    waiting = set(
        session.scalars(
            select(UserTask.element_id).where(
                UserTask.instance_id == instance.id, UserTask.state == UserTask.READY
            )
        ).all()
    )
    row.setup_instance_id = instance.id
    if APPROVE in waiting:
        row.stage = REVIEW
        row.prepared_by = _last_actor(session, instance.id, PREPARE)
    elif PREPARE in waiting:
        row.stage = DRAFT


def _last_actor(session: Session, instance_id: str, element: str) -> str | None:
    return session.scalars(
        select(UserTask.assignee)
        .where(
            UserTask.instance_id == instance_id,
            UserTask.element_id == element,
            UserTask.state == UserTask.COMPLETED,
        )
        .order_by(UserTask.completed_at.desc())
        .limit(1)
    ).first()


def _approver(session: Session, instance_id: str) -> str | None:
    return _last_actor(session, instance_id, APPROVE)


def return_comment(engine: ProcessEngine, instance_id: str | None) -> str | None:
    """The owner's comment when the set-up round ``instance_id`` was sent back
    and waits at the analyst's step again; None otherwise."""
    instance = engine.session.get(ProcessInstance, instance_id) if instance_id else None
    if instance is None or instance.status != ProcessInstance.RUNNING:
        return None
    done = [
        t
        for t in engine.workflow(instance).get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.name == APPROVE
    ]
    if not done:
        return None
    latest = max(done, key=lambda t: t.last_state_change)
    if latest.data.get("setup_approved") is True:
        return None
    return str(latest.data.get("owner_comment") or "")
