# SPDX-License-Identifier: EUPL-1.2
"""Delivery of outbox messages (see engine/outbox.py for the guarantees).

Two steps, each its own transaction:

1. **Send** a batch: lock due messages (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
   workers share the queue), call each operator with the message's idempotency key,
   and record the outcome — delivered with the reply, or the failed attempt with its
   backoff. One commit for the batch. If the worker dies before that commit, the
   messages are still pending and the next attempt repeats the calls with the same
   keys: the receivers deduplicate, nothing is sent twice in effect.
2. **Confirm**: each delivered message continues its case (completes the waiting
   service task with the reply), one instance per transaction. Sending is never held
   up by slow or conflicting cases; an unconfirmed message is confirmed on the next
   sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from core.contracts import CallContext
from engine.errors import EngineError
from engine.models import DELIVERED, PENDING, OutboxMessage
from engine.outbox import RetryPolicy
from pkip.platform import Platform

log = logging.getLogger(__name__)
BATCH = 100


@dataclass
class DeliveryStats:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    confirmed: int = 0

    def __bool__(self) -> bool:
        return bool(self.delivered or self.retried or self.failed or self.confirmed)


def deliver_due(
    platform: Platform,
    *,
    limit: int = 1000,
    batch: int = BATCH,
    policy: RetryPolicy | None = None,
) -> DeliveryStats:
    """Send every due message (in batches), then continue their cases."""
    stats = DeliveryStats()
    while limit > 0:
        sent = send_batch(platform, min(batch, limit), policy=policy, stats=stats)
        if sent == 0:
            break
        limit -= sent
    stats.confirmed += confirm_delivered(platform)
    return stats


def send_batch(
    platform: Platform,
    size: int = BATCH,
    *,
    policy: RetryPolicy | None = None,
    stats: DeliveryStats | None = None,
) -> int:
    """Send up to ``size`` due messages in one transaction; returns how many were
    tried."""
    policy = policy or platform.retry_policy
    stats = stats if stats is not None else DeliveryStats()
    with platform.transaction() as session:
        engine = platform.engine(session)
        messages = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= engine.now(),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(size)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        ).all()
        for message in messages:
            context = CallContext(
                instance_id=message.instance_id,
                municipality=message.municipality,
                element_id=message.element_id,
                idempotency_key=message.idempotency_key,
            )
            try:
                result = platform.connectors.call(
                    message.operator, engine.outbox_params(message), context
                )
            except Exception as exc:  # noqa: BLE001 - counted, retried or an incident
                if engine.delivery_attempt_failed(message, exc, policy):
                    stats.failed += 1
                else:
                    stats.retried += 1
                log.info(
                    "outbox %s (%s) attempt %d failed: %s",
                    message.id,
                    message.operator,
                    message.attempts,
                    type(exc).__name__,
                )
                continue
            engine.mark_delivered(message, result)
            stats.delivered += 1
        return len(messages)


def confirm_delivered(platform: Platform, limit: int = 1000) -> int:
    """Continue the cases of delivered, unconfirmed messages; returns how many."""
    with platform.transaction() as session:
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == DELIVERED,
                    OutboxMessage.confirmed_at.is_(None),
                )
                .order_by(OutboxMessage.delivered_at, OutboxMessage.id)
                .limit(limit)
            )
        )
    confirmed = 0
    for message_id in ids:
        try:
            with platform.transaction() as session:
                message = session.get(
                    OutboxMessage,
                    message_id,
                    with_for_update={"skip_locked": True, "of": OutboxMessage},
                )
                if message is None or message.confirmed_at is not None:
                    continue
                if platform.engine(session).complete_delivery(message) is not None:
                    confirmed += 1
        except EngineError as exc:
            # The case changed meanwhile; the next sweep tries again.
            log.info("outbox %s not confirmed yet: %s", message_id, exc)
    return confirmed
