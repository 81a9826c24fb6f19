# SPDX-License-Identifier: EUPL-1.2
"""Delivery of outbox messages (see engine/outbox.py for the guarantees).

Each message is delivered in its own transaction: lock the row (PostgreSQL: SKIP
LOCKED, so workers share the queue), call the operator with the message's idempotency
key, and in the same transaction mark it delivered and complete the waiting task. If
the worker dies after the call and before the commit, the row is still pending and the
next attempt repeats the call with the same key — the receiver deduplicates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from engine.errors import EngineError
from engine.interfaces import CallContext
from engine.models import PENDING, OutboxMessage
from engine.outbox import RetryPolicy
from pkip.platform import Platform

log = logging.getLogger(__name__)


@dataclass
class DeliveryStats:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def due_messages(platform: Platform, limit: int = 200) -> list[int]:
    now = platform.engine_config.clock()
    with platform.transaction() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )


def deliver_due(
    platform: Platform, *, limit: int = 200, policy: RetryPolicy | None = None
) -> DeliveryStats:
    """Deliver every message that is due; returns what happened."""
    stats = DeliveryStats()
    for message_id in due_messages(platform, limit):
        outcome = deliver_one(platform, message_id, policy=policy)
        if outcome == "delivered":
            stats.delivered += 1
        elif outcome == "retry":
            stats.retried += 1
        elif outcome == "failed":
            stats.failed += 1
    return stats


def deliver_one(
    platform: Platform, message_id: int, *, policy: RetryPolicy | None = None
) -> str:
    """Deliver one message: "delivered", "retry", "failed" or "skipped"."""
    policy = policy or platform.retry_policy
    try:
        with platform.transaction() as session:
            engine = platform.engine(session)
            message = session.get(
                OutboxMessage,
                message_id,
                with_for_update={"skip_locked": True, "of": OutboxMessage},
            )
            if (
                message is None
                or message.status != PENDING
                or message.next_attempt_at > engine.now()
            ):
                return "skipped"  # another worker has it, or it is done
            context = CallContext(
                instance_id=message.instance_id,
                municipality=message.municipality,
                element_id=message.element_id,
                idempotency_key=message.idempotency_key,
            )
            try:
                result = platform.connectors.call(
                    message.operator, message.params, context
                )
            except Exception as exc:  # noqa: BLE001 - counted, retried or an incident
                failed = engine.delivery_attempt_failed(message, exc, policy)
                log.info(
                    "outbox %s (%s) attempt %d failed: %s",
                    message.id,
                    message.operator,
                    message.attempts,
                    type(exc).__name__,
                )
                return "failed" if failed else "retry"
            engine.complete_delivery(message, result)
            return "delivered"
    except EngineError as exc:
        # The case moved meanwhile (a conflict): the message stays pending and is
        # delivered again with the same key; the receiver deduplicates.
        log.info("outbox %s not confirmed: %s", message_id, exc)
        return "retry"
