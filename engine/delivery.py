# SPDX-License-Identifier: EUPL-1.2
"""Outbox deliveries: the delivery job reports each command's outcome here.

Writing outbox messages while the engine runs is engine/outbox.py; sending them is the
delivery job (tasks/outbox.py). A failed delivery's incident is retried through
engine/incidents.py.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from core.pii import mask_identifiers, scrub_personal_codes
from engine.advance import EngineCore, find_task
from engine.models import DELIVERED, FAILED, Incident, OutboxMessage, ProcessInstance
from engine.outbox import (
    RetryPolicy,
    is_feed,
    message_params,
    release_successors,
)
from engine.workflow import PkipWorkflow


class DeliveryOperations(EngineCore):
    """Outcomes of outbox deliveries (a mixin of ``ProcessEngine``)."""

    def outbox_params(self, message: OutboxMessage) -> Any:
        """What to call the message's operator with (its parameters are stored
        sealed while they hold a personal code)."""
        return message_params(message, self.config.vault)

    def mark_delivered(self, message: OutboxMessage, result: Any) -> None:
        """The outside system accepted a command (the case continues separately,
        in :meth:`complete_delivery`, so that sending is not held up by cases)."""
        message.status = DELIVERED
        # Sent: the parameters are kept for the operator's eyes only, with every
        # personal code masked (docs/personal-data.md); a failed message keeps
        # them whole, its retry needs them.
        message.params = scrub_personal_codes(
            message_params(message, self.config.vault)
        )
        message.result = result
        message.delivered_at = self.now()
        message.last_error = None
        # Ordered commands (a case's PSPP events) wait for this one.
        release_successors(self.session, message, self.now())

    def complete_delivery(self, message: OutboxMessage) -> ProcessInstance | None:
        """Continue the case after a delivery: store the reply in the waiting service
        task's result variable, complete the task and run on. None when the case
        cannot take it now (suspended: it stays unconfirmed until resumed; ended:
        nothing waits any more)."""
        if is_feed(message) or message.instance_id is None:
            # No task waits for a feed: nothing to load or continue.
            message.confirmed_at = self.now()
            self._flush()
            return None
        instance = self.get_instance(message.instance_id)
        if instance.status == ProcessInstance.SUSPENDED:
            return None
        if instance.status != ProcessInstance.RUNNING:
            message.confirmed_at = self.now()
            self._flush()
            return None
        wf = self._load(instance)
        task = find_task(wf, message.task_id)
        if task is None or task.state != TaskState.STARTED:
            message.confirmed_at = self.now()  # cancelled meanwhile: nothing waits
            self._flush()
            return None
        result = message.result
        message.confirmed_at = self.now()
        # The reply now lives in the case's (encrypted) process data.
        message.result = scrub_personal_codes(result)

        def action(_: PkipWorkflow) -> None:
            variable = getattr(task.task_spec, "result_variable", None)
            if variable:
                task.data[variable] = result
            task.complete()

        self._event(
            instance,
            "delivered",
            element_id=message.element_id,
            task_id=message.task_id,
            details={"operator": message.operator, "outbox": message.id},
        )
        self._advance(instance, wf, actor=None, action=action)
        return instance

    def delivery_attempt_failed(
        self, message: OutboxMessage, error: Exception, policy: RetryPolicy
    ) -> bool:
        """Count a failed attempt; schedule the next one or, when the error cannot
        be helped by trying again or attempts are used up, fail the message and
        open an incident. Returns True when the message failed for good."""
        message.attempts += 1
        # A refusal may quote the personal code it refused: masked at the source.
        message.last_error = mask_identifiers(f"{type(error).__name__}: {error}")[:2000]
        retryable = bool(getattr(error, "retryable", True))
        # A feed (PSPP's case events) must arrive, in order, however long the
        # receiver is down: it keeps trying at the capped interval; only a refusal
        # fails it. A task's command fails after the last attempt (the case waits
        # for it, a person must know).
        keeps_trying = is_feed(message)
        if retryable and (keeps_trying or message.attempts < policy.max_attempts):
            message.next_attempt_at = self.now() + policy.delay(message.attempts)
            self._flush()
            return False
        message.status = FAILED
        if message.instance_id is None:
            # A platform feed of no process (back-channel logouts): nobody's case
            # waits for it; the failed message itself is the operator's record.
            self._flush()
            return True
        instance = self.get_instance(message.instance_id)
        incident = Incident(
            instance_id=instance.id,
            municipality=instance.municipality,
            task_id=message.task_id,
            element_id=message.element_id,
            kind="delivery_failed",
            error_type=type(error).__name__,
            message=f"{message.operator}: {message.last_error}",
            attempts=message.attempts,
            created_at=self.now(),
            updated_at=self.now(),
        )
        self.session.add(incident)
        instance.has_incident = True
        self._event(
            instance,
            "incident",
            element_id=message.element_id,
            task_id=message.task_id,
            details={"kind": "delivery_failed", "error_type": incident.error_type},
        )
        self._flush()
        return True
