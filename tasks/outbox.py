# SPDX-License-Identifier: EUPL-1.2
"""Delivery of outbox messages (see engine/outbox.py for the guarantees).

Two steps:

1. **Send**, one message at a time, in three short transactions around the call:
   *claim* a due message (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers share
   the queue) and lease it — its next attempt moves ``RetryPolicy.lease`` ahead, so
   no other worker takes it meanwhile; *call* the operator with the message's
   idempotency key outside any transaction, the registry's audit trail writing the
   call's ``connector_calls`` row before it is made and completing it after; then
   *record* the outcome — delivered with the reply, or the failed attempt with its
   backoff. If the worker dies in between, the message is still pending, the audit
   row says the call was being made, and when the lease runs out the next attempt
   repeats the call with the same key: the receivers deduplicate, nothing is sent
   twice in effect, and no call goes unrecorded.
2. **Confirm**: each delivered message continues its case (completes the waiting
   service task with the reply), one instance per transaction. Sending is never held
   up by slow or conflicting cases; an unconfirmed message is confirmed on the next
   sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

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
    """Send up to ``size`` due messages, one after another; returns how many were
    tried."""
    policy = policy or platform.retry_policy
    stats = stats if stats is not None else DeliveryStats()
    tried = 0
    while tried < size:
        claim = _claim(platform, policy)
        if claim is None:
            break
        tried += 1
        try:
            result = platform.connectors.call(
                claim.operator, claim.params, claim.context
            )
        except Exception as exc:  # noqa: BLE001 - counted, retried or an incident
            log.info(
                "outbox %s (%s) attempt failed: %s",
                claim.message_id,
                claim.operator,
                type(exc).__name__,
            )
            _record(platform, claim.message_id, policy, stats, error=exc)
            continue
        _record(platform, claim.message_id, policy, stats, result=result)
    return tried


@dataclass(frozen=True)
class _Claim:
    message_id: int
    operator: str
    params: dict[str, Any]
    context: CallContext


def _claim(platform: Platform, policy: RetryPolicy) -> _Claim | None:
    """Take the next due message and lease it (committed before the call)."""
    with platform.transaction() as session:
        now = platform.engine_config.clock()
        message = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        ).first()
        if message is None:
            return None
        message.next_attempt_at = now + policy.lease
        return _Claim(
            message_id=message.id,
            operator=message.operator,
            params=dict(message.params or {}),
            context=CallContext(
                instance_id=message.instance_id,
                municipality=message.municipality,
                element_id=message.element_id,
                idempotency_key=message.idempotency_key,
            ),
        )


def _record(
    platform: Platform,
    message_id: int,
    policy: RetryPolicy,
    stats: DeliveryStats,
    *,
    result: Any = None,
    error: Exception | None = None,
) -> None:
    """Write the outcome of one attempt: delivered, or failed with its backoff."""
    with platform.transaction() as session:
        engine = platform.engine(session)
        message = session.get(
            OutboxMessage, message_id, with_for_update={"of": OutboxMessage}
        )
        if message is None or message.status != PENDING:
            return  # another worker finished it after this one's lease ran out
        if error is None:
            engine.mark_delivered(message, result)
            stats.delivered += 1
        elif engine.delivery_attempt_failed(message, error, policy):
            stats.failed += 1
        else:
            stats.retried += 1


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
