# SPDX-License-Identifier: EUPL-1.2
"""Delivery of outbox messages (see engine/outbox.py for the guarantees).

Two steps:

1. **Send** a batch in two short transactions around the calls: *claim* due
   messages (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers share the queue)
   and lease them — their next attempt moves ``RetryPolicy.lease`` ahead, so no
   other worker takes them meanwhile; *call* each operator with the message's
   idempotency key outside any transaction, the registry's audit trail writing the
   call's ``connector_calls`` row (committed, outcome ``attempting``) before it is
   made; then *record* the outcomes — delivered with the reply, or the failed
   attempt with its backoff — and complete the audit rows. If the worker dies in
   between, the messages are still pending, each call made has its row, and when
   the lease runs out the next attempt repeats the calls with the same keys: the
   receivers deduplicate, nothing is sent twice in effect, and no call goes
   unrecorded.
2. **Confirm**: each delivered message continues its case (completes the waiting
   service task with the reply), one instance per transaction. Sending is never held
   up by slow or conflicting cases; an unconfirmed message is confirmed on the next
   sweep.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.registry import Registry
from core.contracts import CallContext
from engine.errors import EngineError
from engine.models import DELIVERED, PENDING, OutboxMessage
from engine.outbox import RetryPolicy, message_params
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
    """Send up to ``size`` due messages; returns how many were tried."""
    policy = policy or platform.retry_policy
    stats = stats if stats is not None else DeliveryStats()
    claims = _claim(platform, size, policy)
    if not claims:
        return 0
    # A batch never outlives its lease: what is left when half of it is used up
    # goes back to the queue when the outcomes are recorded.
    deadline = time.monotonic() + policy.lease_seconds / 2
    outcomes: list[_Outcome] = []
    for claim in claims:
        if outcomes and time.monotonic() > deadline:
            break
        outcomes.append(_send(platform, claim))
    # The records prepared for calls the batch did not get to say so; a later
    # batch prepares its own.
    unsent = platform.audit.forget(
        [c.context.idempotency_key for c in claims if c.context.idempotency_key]
    )
    _record(platform, claims, outcomes, policy, stats, unsent)
    return len(outcomes)


@dataclass(frozen=True)
class _Claim:
    message_id: int
    operator: str
    params: dict[str, Any]
    context: CallContext


@dataclass(frozen=True)
class _Outcome:
    message_id: int
    result: Any = None
    error: Exception | None = None


def _claim(platform: Platform, size: int, policy: RetryPolicy) -> list[_Claim]:
    """Take up to ``size`` due messages and lease them (committed before the calls:
    no transaction is open while they are made)."""
    with platform.transaction() as session:
        now = platform.engine_config.clock()
        messages = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(size)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        ).all()
        claims = []
        for message in messages:
            message.next_attempt_at = now + policy.lease
            context = CallContext(
                instance_id=message.instance_id,
                municipality=message.municipality,
                element_id=message.element_id,
                idempotency_key=message.idempotency_key,
            )
            # Opened only to send (stored sealed while they hold a personal code).
            params = message_params(message, platform.engine_config.vault)
            claims.append(_Claim(message.id, message.operator, params, context))
        prepared = _prepare_audit(platform, session, claims)
    # Committed with the lease: each call now completes its record, not writes one.
    platform.audit.expect(prepared)
    return claims


def _prepare_audit(
    platform: Platform, session: Session, claims: list[_Claim]
) -> dict[str, int]:
    """The batch's audit records, outcome ``attempting``, written with its lease:
    a call that may reach the other side is on record before it is made, for one
    commit per batch instead of one per call."""
    registry = platform.connectors
    if not isinstance(registry, Registry) or registry.audit is not platform.audit:
        return {}  # another registry or trail (a test's): each call writes its own
    records = [
        registry.attempt_record(c.operator, c.params, c.context)
        for c in claims
        if registry.has_operator(c.operator)
    ]
    return platform.audit.prepare(session, records)


def _send(platform: Platform, claim: _Claim) -> _Outcome:
    """One call; the registry's audit trail records it before it is made."""
    try:
        result = platform.connectors.call(claim.operator, claim.params, claim.context)
    except Exception as exc:  # noqa: BLE001 - counted, retried or an incident
        log.info(
            "outbox %s (%s) attempt failed: %s",
            claim.message_id,
            claim.operator,
            type(exc).__name__,
        )
        return _Outcome(claim.message_id, error=exc)
    return _Outcome(claim.message_id, result=result)


def _record(
    platform: Platform,
    claims: list[_Claim],
    outcomes: list[_Outcome],
    policy: RetryPolicy,
    stats: DeliveryStats,
    unsent: list[int],
) -> None:
    """Write the batch's outcomes — delivered, or failed with the backoff — and
    give the messages it did not get to back to the queue."""
    with platform.transaction() as session:
        platform.audit.withdraw(session, unsent)
        engine = platform.engine(session)
        ids = [c.message_id for c in claims]
        messages = {
            m.id: m
            for m in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .with_for_update(of=OutboxMessage)
            )
        }
        for outcome in outcomes:
            message = messages.pop(outcome.message_id, None)
            if message is None or message.status != PENDING:
                continue  # another worker finished it after this one's lease ran out
            if outcome.error is None:
                engine.mark_delivered(message, outcome.result)
                stats.delivered += 1
            elif engine.delivery_attempt_failed(message, outcome.error, policy):
                stats.failed += 1
            else:
                stats.retried += 1
        for message in messages.values():
            if message.status == PENDING:
                message.next_attempt_at = engine.now()


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
