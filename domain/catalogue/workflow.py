# SPDX-License-Identifier: EUPL-1.2
"""The approval diagram (processes/bpmn/catalogue_change.bpmn) and the card
versions kept in step with it.

``CatalogueSync`` is an engine after-advance hook (the Platform registers it): after
every advance of a ``catalogue_change`` instance, in the same transaction, it moves
the version the diagram approves — returned with the owner's comment, approved
(retiring the version in force), published once PSPP confirmed. The approval is
refused, and with it the owner's whole task completion, when no price of the
card is in force that day: the owner sees why on the task's form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from domain.catalogue import schemas
from domain.catalogue.models import (
    APPROVED,
    PUBLISHED,
    RETURNED,
    REVIEW,
    SUPERSEDED,
    CardVersion,
)
from domain.catalogue.services import PROCESS_KEY, _event, local_day
from engine.advance import EngineConfig
from engine.models import (
    DELIVERED,
    HistoryEvent,
    OutboxMessage,
    ProcessInstance,
    UserTask,
)
from engine.runtime import ProcessEngine

REVIEW_TASK = "review_card"
REVIEW_FORM = "catalogue_review"
PUBLISH_TASK = "publish_card"
PUBLISHED_END = "end_published"
PUBLISH_OPERATOR = "pspp.publish_service"


class CatalogueSync:
    """After-advance hook: keep the version of a ``catalogue_change`` instance in
    step with it (cheap for every other instance: one attribute compared)."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def __call__(self, session: Session, instance: ProcessInstance) -> None:
        if instance.process_key != PROCESS_KEY:
            return
        version = session.scalars(
            select(CardVersion).where(CardVersion.instance_id == instance.id)
        ).first()
        if version is not None:
            sync(ProcessEngine(session, self.config), version, instance)


def sync(
    engine: ProcessEngine, version: CardVersion, instance: ProcessInstance
) -> None:
    session = engine.session
    now = engine.now()
    if version.state == REVIEW and not _review_open(session, instance.id):
        review = _last_review(engine, instance)
        if review is not None:
            data, actor = review
            if data.get("card_approved") is True:
                approve(session, version, actor=actor, now=now, comment=_comment(data))
            else:
                version.state = RETURNED
                _event(
                    session,
                    version.card,
                    version,
                    "returned",
                    actor=actor,
                    at=now,
                    comment=_comment(data),
                )
    if (
        version.state == APPROVED
        and instance.status == ProcessInstance.COMPLETED
        and instance.end_event == PUBLISHED_END
    ):
        receipt = publication(session, instance.id)
        version.state = PUBLISHED
        version.published_at = now
        if receipt is not None and isinstance(receipt.result, dict):
            version.pspp_version = _int(receipt.result.get("version"))
        _event(session, version.card, version, "published", actor=None, at=now)
    session.flush()


def approve(
    session: Session,
    version: CardVersion,
    *,
    actor: str | None,
    now: datetime,
    comment: str = "",
) -> None:
    """The owner's approval: the version comes into force, the one before retires.

    Raises ``FormValidationError`` (field ``prices``) when no price of the version
    is in force today: a card without a valid price list cannot be approved.
    """
    today = local_day(now)
    if not version.prices:
        raise FormValidationError(REVIEW_FORM, [schemas.no_prices()])
    if not version.prices_on(today):
        raise FormValidationError(REVIEW_FORM, [schemas.no_price_in_force(today)])
    card = version.card
    for other in card.versions:
        if other is not version and other.state in (APPROVED, PUBLISHED):
            other.state = SUPERSEDED
            other.superseded_at = now
            _event(session, card, other, "superseded", actor=actor, at=now)
    version.state = APPROVED
    version.approved_at = now
    version.approved_by = actor
    _event(session, card, version, "approved", actor=actor, at=now, comment=comment)


def publication(session: Session, instance_id: str) -> OutboxMessage | None:
    """The outbox message publishing the version approved by ``instance_id``."""
    return session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.instance_id == instance_id,
            OutboxMessage.operator == PUBLISH_OPERATOR,
        )
        .order_by(OutboxMessage.id.desc())
    ).first()


def delivered(message: OutboxMessage | None) -> bool:
    return message is not None and message.status == DELIVERED


def _review_open(session: Session, instance_id: str) -> bool:
    return (
        session.scalars(
            select(UserTask.id).where(
                UserTask.instance_id == instance_id,
                UserTask.element_id == REVIEW_TASK,
                UserTask.state == UserTask.READY,
            )
        ).first()
        is not None
    )


def _last_review(
    engine: ProcessEngine, instance: ProcessInstance
) -> tuple[dict[str, Any], str | None] | None:
    """The data of the owner's latest completed review and who completed it."""
    wf = engine.workflow(instance)
    done = [
        t
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.name == REVIEW_TASK
    ]
    if not done:
        return None
    latest = max(done, key=lambda t: t.last_state_change)
    actor = engine.session.scalars(
        select(HistoryEvent.actor)
        .where(
            HistoryEvent.instance_id == instance.id,
            HistoryEvent.kind == "task_completed",
            HistoryEvent.element_id == REVIEW_TASK,
        )
        .order_by(HistoryEvent.id.desc())
        .limit(1)
    ).first()
    return dict(latest.data), actor


def _comment(data: dict[str, Any]) -> str:
    value = data.get("review_comment")
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None
