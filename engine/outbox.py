# SPDX-License-Identifier: EUPL-1.2
"""The transactional outbox: calls that change the outside world, never lost or doubled.

A service task whose operator is a *command* (an e-address send, a PSPP status, a
payment request) does not call out while the engine runs. ``PkipServiceTask`` writes
an ``OutboxMessage`` in the same transaction as the process step and leaves the task
STARTED: the instance waits. A background job delivers the message with its
idempotency key (the receiver treats a repeat as the same call), with exponential
backoff, and on success completes the waiting task with the reply in the same
transaction that marks the message delivered. A crash between the call and that
commit leaves the message pending; once its lease runs out (``RetryPolicy``) the
next attempt repeats the call with the same key, so the receiver sees one send.
After the last attempt the message fails and the instance gets an incident whose
retry queues the message again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.pii import PiiVault, open_json, seal_json
from engine.event_parsers import PkipEndEventParser, PkipStartEventParser
from engine.models import DELIVERED, HELD, PENDING, OutboxMessage

PARAMS_CONTEXT = "outbox_messages.params"
"""What sealed outbox parameters are bound to (core/pii.py: the AEAD context)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2×base, 4×base … capped; then the message fails."""

    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 3600.0
    lease_seconds: float = 120.0
    """How long a message being sent is left to its sender before another worker
    may try it (the sender died): longer than any command's timeout."""

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)


class OutboxWriter:
    """Writes outbox messages for one instance inside the engine's transaction."""

    def __init__(
        self,
        session: Session,
        instance_id: str,
        municipality: str,
        clock: Callable[[], datetime],
        vault: PiiVault | None = None,
    ) -> None:
        self.session = session
        self.instance_id = instance_id
        self.municipality = municipality
        self.clock = clock
        self.vault = vault

    def enqueue(
        self, task_id: str, element_id: str, operator: str, params: Mapping[str, Any]
    ) -> OutboxMessage:
        # One message per run of a service task: the key is the instance and the
        # task run, so a retried advance that reaches the same task finds it again.
        key = f"{self.instance_id}:{task_id}"
        existing = self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).first()
        if existing is not None:
            return existing
        now = self.clock()
        message = OutboxMessage(
            idempotency_key=key,
            instance_id=self.instance_id,
            task_id=task_id,
            element_id=element_id,
            municipality=self.municipality,
            operator=operator,
            params=self._sealed(dict(params)),
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self.session.add(message)
        return message

    def _sealed(self, params: dict[str, Any]) -> dict[str, Any]:
        # Waiting to be sent, a command keeps its parameters whole, so sealed
        # when they hold a personal code (docs/personal-data.md).
        if self.vault is None:
            return params
        return seal_json(params, self.vault, PARAMS_CONTEXT)


def enqueue_ordered(
    session: Session,
    *,
    key: str,
    instance_id: str | None,
    municipality: str,
    operator: str,
    params: Mapping[str, Any],
    now: datetime,
    after: OutboxMessage | None = None,
) -> OutboxMessage:
    """Queue a command that no instance task waits for (a feed such as PSPP's case
    events), to be sent only once ``after`` is delivered.

    ``key`` is the idempotency key (unique: a second call with it returns the first
    message). The message's ``task_id`` is the key's first 36 characters, so a
    failed delivery's incident finds it again; its ``element_id`` is empty, so no
    flow node shows it as a wait. While ``after`` is not delivered the message is
    HELD and no worker picks it; delivering ``after`` releases it in the same
    transaction (``release_successors``). ``after`` is read again under a row lock,
    the lock a worker's record of its delivery takes too: either that record waits
    for this transaction and then releases the message, or this one waits for the
    record and sees ``after`` delivered — never held behind a delivered message.
    """
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    status = PENDING
    if after is not None:
        session.flush()
        locked = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id == after.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        status = PENDING if locked.status == DELIVERED else HELD
    message = OutboxMessage(
        idempotency_key=key,
        instance_id=instance_id,
        task_id=key[:36],
        element_id="",
        municipality=municipality,
        operator=operator,
        params=dict(params),
        status=status,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        after_id=after.id if after is not None and status == HELD else None,
    )
    session.add(message)
    session.flush()
    return message


def is_feed(message: OutboxMessage) -> bool:
    """A command queued by ``enqueue_ordered`` (no task of the instance waits)."""
    return message.element_id == ""


def release_successors(session: Session, message: OutboxMessage, now: datetime) -> int:
    """Make the commands held behind ``message`` (now delivered) due; returns how
    many. Runs in the delivery's transaction: they become visible to other workers
    only together with the delivery."""
    successors = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.after_id == message.id, OutboxMessage.status == HELD
        )
    ).all()
    for successor in successors:
        successor.status = PENDING
        successor.next_attempt_at = now
    return len(successors)


def message_params(message: OutboxMessage, vault: PiiVault | None) -> Any:
    """The parameters of ``message`` to call its operator with (opened if sealed)."""
    return open_json(message.params, vault, PARAMS_CONTEXT)


class PkipServiceTask(ServiceTask):  # type: ignore[misc]
    """A service task that hands commands to the outbox and waits (STARTED).

    Queries, and every operator when no outbox is attached (``pkip bpmn run``), are
    called inline as SpiffWorkflow's own service task does.
    """

    def _execute(self, task: Any) -> bool | None:
        engine = task.workflow.script_engine
        outbox: OutboxWriter | None = getattr(engine, "outbox", None)
        connectors = getattr(engine, "connectors", None)
        if outbox is None or connectors is None:
            return bool(super()._execute(task))
        if not connectors.is_command(self.operation_name):
            return bool(super()._execute(task))
        params = {k: v["value"] for k, v in self.evaluate_params(task).items()}
        outbox.enqueue(str(task.id), self.bpmn_id, self.operation_name, params)
        return None  # STARTED: completed by ProcessEngine.complete_delivery


class PkipBpmnParser(SpiffBpmnParser):  # type: ignore[misc]
    """SpiffWorkflow's parser with PKIP's service task."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, PkipServiceTask),
        full_tag("startEvent"): (
            PkipStartEventParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1],
        ),
        full_tag("endEvent"): (
            PkipEndEventParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("endEvent")][1],
        ),
    }
