# SPDX-License-Identifier: EUPL-1.2
"""Process instances: start, advance, complete user tasks, timers, messages, incidents.

Each public operation works inside the caller's transaction and only flushes: the web
request, the job or the CLI command commits (or rolls back on an error). An instance
row carries a version number that SQLAlchemy checks on every UPDATE, so of two
concurrent advances of the same instance exactly one wins and the other gets
``Conflict`` with nothing written.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.calendar import WorkingCalendar
from engine.clock import real_now, use_clock
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.interfaces import (
    CallContext,
    ConnectorRegistry,
    FormCatalogue,
    FormValidationError,
)
from engine.models import (
    BASE_VARIANT,
    DELIVERED,
    FAILED,
    PENDING,
    HistoryEvent,
    Incident,
    MessageSubscription,
    OutboxMessage,
    ProcessDefinition,
    ProcessInstance,
    UserTask,
)
from engine.outbox import OutboxWriter, RetryPolicy
from engine.scripting import RestrictedScriptEngine
from engine.sync import AdvanceRecorder, canonical_correlation
from engine.workflow import PkipWorkflow, StateSerializer

log = logging.getLogger(__name__)


@dataclass
class EngineConfig:
    """The long-lived parts an engine needs; one per process, shared by sessions."""

    connectors: ConnectorRegistry
    forms: FormCatalogue
    serializer: StateSerializer = field(default_factory=StateSerializer)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    clock: Callable[[], datetime] = real_now
    script_time_limit: float = 1.0
    after_advance: list[Callable[[Session, ProcessInstance], None]] = field(
        default_factory=list
    )
    """Called after every advance of an instance, in its transaction (the domain
    keeps its own records in step this way, e.g. the service case's status)."""


class ProcessEngine:
    """The engine API over one database session."""

    def __init__(self, session: Session, config: EngineConfig) -> None:
        self.session = session
        self.config = config
        self.scripts = RestrictedScriptEngine(
            connectors=config.connectors, time_limit=config.script_time_limit
        )

    def now(self) -> datetime:
        return self.config.clock()

    # -- definitions ------------------------------------------------------------------
    def definition_for(self, key: str, municipality: str) -> ProcessDefinition:
        """The version in force: the municipality's own variant, else the base one."""
        found = self.session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.key == key,
                ProcessDefinition.municipality.in_((municipality, BASE_VARIANT)),
            )
            # the variant ('RIGA') sorts before the base ('') in descending order
            .order_by(
                ProcessDefinition.municipality.desc(), ProcessDefinition.version.desc()
            )
            .limit(1)
        ).first()
        if found is None:
            raise NotFound(f"process '{key}' is not deployed")
        return found

    # -- instances ------------------------------------------------------------------
    def start(
        self,
        key: str,
        *,
        municipality: str,
        data: Mapping[str, Any] | None = None,
        actor: str | None = None,
        business_key: str | None = None,
        message: tuple[str, Mapping[str, Any]] | None = None,
    ) -> ProcessInstance:
        """Start the version in force and run it to its first wait state."""
        definition = self.definition_for(key, municipality)
        data = dict(data or {})
        start_form = _start_form(definition)
        if start_form:
            self._validate(start_form, data)
        spec, subs = self._specs(definition)
        wf = PkipWorkflow(spec, subs, script_engine=self.scripts)
        wf.task_tree.data.update(data)
        now = self.now()
        instance = ProcessInstance(
            id=uuid.uuid4().hex,
            definition=definition,
            definition_id=definition.id,
            process_key=definition.key,
            municipality=municipality,
            business_key=business_key,
            status=ProcessInstance.RUNNING,
            started_by=actor,
            started_at=now,
            updated_at=now,
            state="",
        )
        self.session.add(instance)
        self.session.flush()  # the row first: history and tasks refer to it
        self._event(
            instance, "started", actor=actor, details={"version": definition.version}
        )
        action = None
        if message is not None:
            name, payload = message

            def action(w: PkipWorkflow) -> None:
                w.do_engine_steps()  # brings the message start event to its wait
                self._deliver_message(w, name, payload)

        self._advance(instance, wf, actor=actor, action=action)
        return instance

    def get_instance(
        self, instance_id: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self.session.get(ProcessInstance, instance_id)
        if instance is None or (
            municipality is not None and instance.municipality != municipality
        ):
            raise NotFound(f"instance {instance_id} not found")
        return instance

    def cancel(
        self,
        instance_id: str,
        *,
        actor: str,
        municipality: str | None = None,
        reason: str = "",
    ) -> ProcessInstance:
        instance = self._active(instance_id, municipality, allow_suspended=True)
        wf = self._load(instance)
        wf.cancel()
        instance.status = ProcessInstance.CANCELLED
        instance.ended_at = self.now()
        self._event(instance, "cancelled", actor=actor, details={"reason": reason})
        self._sync(instance, wf, watermark=time.time(), actor=actor)
        return instance

    def suspend(
        self, instance_id: str, *, actor: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self._active(instance_id, municipality)
        instance.status = ProcessInstance.SUSPENDED
        instance.updated_at = self.now()
        self._event(instance, "suspended", actor=actor)
        self._flush()
        return instance

    def resume(
        self, instance_id: str, *, actor: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self.get_instance(instance_id, municipality)
        if instance.status != ProcessInstance.SUSPENDED:
            raise InvalidOperation("only a suspended instance can be resumed")
        instance.status = ProcessInstance.RUNNING
        self._event(instance, "resumed", actor=actor)
        # Timers that fell due while suspended fire now.
        self._advance(instance, self._load(instance), actor=actor)
        return instance

    # -- user tasks -------------------------------------------------------------------
    def get_task(self, task_id: str, municipality: str | None = None) -> UserTask:
        row = self.session.get(UserTask, task_id)
        if row is None or (
            municipality is not None and row.municipality != municipality
        ):
            raise NotFound(f"task {task_id} not found")
        return row

    def complete_task(
        self,
        task_id: str,
        data: Mapping[str, Any],
        *,
        actor: str,
        municipality: str | None = None,
    ) -> ProcessInstance:
        """Validate the form data, complete the task and run to the next wait state."""
        row = self.get_task(task_id, municipality)
        if row.state != UserTask.READY:
            raise Conflict(f"task {task_id} is already {row.state}")
        if row.assignee is not None and row.assignee != actor:
            raise Conflict(f"task {task_id} is claimed by another user")
        if row.form_key:
            self._validate(row.form_key, data)
        instance = self._active(row.instance_id, municipality)
        wf = self._load(instance)
        spiff_task = _find_task(wf, task_id)
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer ready")

        def action(_: PkipWorkflow) -> None:
            spiff_task.data.update(dict(data))
            spiff_task.run()

        row.assignee = actor
        self._advance(instance, wf, actor=actor, action=action, completed_task=task_id)
        return instance

    def claim(
        self, task_id: str, *, user: str, municipality: str | None = None
    ) -> UserTask:
        """Take a ready task; a task claimed by someone else is a conflict."""
        row = self.get_task(task_id, municipality)
        with _conflicts():
            result = self.session.execute(
                update(UserTask)
                .where(
                    UserTask.id == task_id,
                    UserTask.state == UserTask.READY,
                    (UserTask.assignee.is_(None)) | (UserTask.assignee == user),
                )
                .values(assignee=user, claimed_at=self.now())
                .execution_options(synchronize_session=False)
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"task {task_id} is not free to claim")
        self.session.refresh(row)
        self._event_for(row, "claimed", actor=user)
        self._flush()
        return row

    def unclaim(
        self,
        task_id: str,
        *,
        user: str,
        municipality: str | None = None,
        force: bool = False,
    ) -> UserTask:
        row = self.get_task(task_id, municipality)
        if row.state != UserTask.READY:
            raise Conflict(f"task {task_id} is already {row.state}")
        if row.assignee != user and not force:
            raise Conflict(f"task {task_id} is not claimed by {user}")
        row.assignee = None
        row.claimed_at = None
        self._event_for(row, "unclaimed", actor=user)
        self._flush()
        return row

    def assign(
        self, task_id: str, *, assignee: str, by: str, municipality: str | None = None
    ) -> UserTask:
        """A supervisor hands a ready task to a colleague."""
        row = self.get_task(task_id, municipality)
        if row.state != UserTask.READY:
            raise Conflict(f"task {task_id} is already {row.state}")
        row.assignee = assignee
        row.claimed_at = self.now()
        self._event_for(row, "assigned", actor=by, details={"assignee": assignee})
        self._flush()
        return row

    # -- timers ------------------------------------------------------------------------
    def due_timer_instances(self, limit: int = 100) -> list[str]:
        """Ids of running instances with a timer due now (oldest first)."""
        return list(
            self.session.scalars(
                select(ProcessInstance.id)
                .where(
                    ProcessInstance.status == ProcessInstance.RUNNING,
                    ProcessInstance.next_timer_at <= self.now(),
                )
                .order_by(ProcessInstance.next_timer_at)
                .limit(limit)
            )
        )

    def fire_timers(self, instance_id: str) -> ProcessInstance | None:
        """Fire whatever timers of the instance are due and run on.

        Returns None when there is nothing to do: another worker holds the instance
        (PostgreSQL's SKIP LOCKED), or it already moved past the timer.
        """
        instance = self.session.get(
            ProcessInstance,
            instance_id,
            with_for_update={"skip_locked": True, "of": ProcessInstance},
        )
        if (
            instance is None
            or instance.status != ProcessInstance.RUNNING
            or instance.next_timer_at is None
            or instance.next_timer_at > self.now()
        ):
            return None
        wf = self._load(instance)
        self._advance(instance, wf, actor=None, action=lambda w: w.refresh_timers())
        return instance

    # -- messages ----------------------------------------------------------------------
    def correlate_message(
        self,
        name: str,
        *,
        municipality: str,
        correlation: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> list[ProcessInstance]:
        """Deliver a message to the waiting instance(s) or start one by a message start.

        Returns the instances that received it; empty when nobody waits for it.
        """
        key = canonical_correlation(correlation or {})
        payload = dict(payload or {})
        subs = self.session.scalars(
            select(MessageSubscription).where(
                MessageSubscription.message_name == name,
                MessageSubscription.municipality == municipality,
                MessageSubscription.correlation == key,
            )
        ).all()
        delivered = []
        for instance_id in dict.fromkeys(s.instance_id for s in subs):
            instance = self.get_instance(instance_id)
            if instance.status != ProcessInstance.RUNNING:
                continue
            wf = self._load(instance)
            self._advance(
                instance,
                wf,
                actor=actor,
                action=lambda w: self._deliver_message(w, name, payload),
            )
            delivered.append(instance)
        if delivered:
            return delivered
        starters = self._message_start_keys(name, municipality)
        return [
            self.start(
                key_, municipality=municipality, actor=actor, message=(name, payload)
            )
            for key_ in starters
        ]

    def _message_start_keys(self, name: str, municipality: str) -> list[str]:
        keys = self.session.scalars(
            select(ProcessDefinition.key)
            .where(ProcessDefinition.municipality.in_({municipality, BASE_VARIANT}))
            .distinct()
        ).all()
        found = []
        for key in keys:
            definition = self.definition_for(key, municipality)
            if name in definition.meta.get("message_starts", []):
                found.append(key)
        return found

    def _deliver_message(
        self, wf: PkipWorkflow, name: str, payload: Mapping[str, Any]
    ) -> None:
        for task in wf.all_tasks():
            event_def = getattr(task.task_spec, "event_definition", None)
            if (
                task.state == TaskState.WAITING
                and isinstance(event_def, MessageEventDefinition)
                and event_def.name == name
            ):
                # Correlation was decided by the subscription table; hand SpiffWorkflow
                # the workflow's own keys so its check agrees.
                event = BpmnEvent(
                    event_def,
                    payload=dict(payload),
                    correlations=dict(task.workflow.correlations),
                )
                wf.send_event(event)
                return
        raise Conflict(f"the instance is not waiting for message '{name}'")

    # -- incidents ---------------------------------------------------------------------
    def retry_incident(
        self, incident_id: int, *, actor: str, municipality: str | None = None
    ) -> Incident:
        incident = self.session.get(Incident, incident_id)
        if incident is None or (
            municipality is not None and incident.municipality != municipality
        ):
            raise NotFound(f"incident {incident_id} not found")
        if incident.status != Incident.OPEN:
            raise InvalidOperation("the incident is already resolved")
        instance = self._active(incident.instance_id, municipality)
        if incident.kind == "delivery_failed":
            return self._requeue_delivery(incident, actor)
        wf = self._load(instance)
        failed = _find_task(wf, incident.task_id) if incident.task_id else None

        def action(_: PkipWorkflow) -> None:
            if failed is not None and failed.state == TaskState.ERROR:
                failed._set_state(TaskState.READY)

        self._event(
            instance, "incident_retried", actor=actor, details={"incident": incident.id}
        )
        self._advance(instance, wf, actor=actor, action=action)
        return incident

    # -- outbox deliveries -------------------------------------------------------------
    def mark_delivered(self, message: OutboxMessage, result: Any) -> None:
        """The outside system accepted a command (the case continues separately,
        in :meth:`complete_delivery`, so that sending is not held up by cases)."""
        message.status = DELIVERED
        message.result = result
        message.delivered_at = self.now()
        message.last_error = None

    def complete_delivery(self, message: OutboxMessage) -> ProcessInstance | None:
        """Continue the case after a delivery: store the reply in the waiting service
        task's result variable, complete the task and run on. None when the case
        cannot take it now (suspended: it stays unconfirmed until resumed; ended:
        nothing waits any more)."""
        instance = self.get_instance(message.instance_id)
        if instance.status == ProcessInstance.SUSPENDED:
            return None
        if instance.status != ProcessInstance.RUNNING:
            message.confirmed_at = self.now()
            self._flush()
            return None
        wf = self._load(instance)
        task = _find_task(wf, message.task_id)
        if task is None or task.state != TaskState.STARTED:
            message.confirmed_at = self.now()  # cancelled meanwhile: nothing waits
            self._flush()
            return None
        result = message.result
        message.confirmed_at = self.now()

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
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        retryable = bool(getattr(error, "retryable", True))
        if retryable and message.attempts < policy.max_attempts:
            message.next_attempt_at = self.now() + policy.delay(message.attempts)
            self._flush()
            return False
        message.status = FAILED
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

    def _requeue_delivery(self, incident: Incident, actor: str) -> Incident:
        message = self.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.instance_id == incident.instance_id,
                OutboxMessage.task_id == incident.task_id,
            )
        ).first()
        if message is None:
            raise NotFound(f"no outbox message for incident {incident.id}")
        message.status = PENDING
        message.attempts = 0
        message.next_attempt_at = self.now()
        incident.status = Incident.RESOLVED
        incident.resolved_at = self.now()
        incident.resolved_by = actor
        instance = self.get_instance(incident.instance_id)
        instance.has_incident = bool(
            self.session.scalar(
                select(func.count())
                .select_from(Incident)
                .where(
                    Incident.instance_id == instance.id,
                    Incident.status == Incident.OPEN,
                    Incident.id != incident.id,
                )
            )
        )
        self._event(
            instance, "incident_retried", actor=actor, details={"incident": incident.id}
        )
        self._flush()
        return incident

    def open_incidents(self, instance_id: str) -> list[Incident]:
        return list(
            self.session.scalars(
                select(Incident).where(
                    Incident.instance_id == instance_id,
                    Incident.status == Incident.OPEN,
                )
            )
        )

    def history(
        self, instance_id: str, municipality: str | None = None
    ) -> list[HistoryEvent]:
        self.get_instance(instance_id, municipality)
        return list(
            self.session.scalars(
                select(HistoryEvent)
                .where(HistoryEvent.instance_id == instance_id)
                .order_by(HistoryEvent.id)
            )
        )

    # -- internals ---------------------------------------------------------------------
    def _validate(self, form_key: str, data: Mapping[str, Any]) -> None:
        errors = self.config.forms.validate(form_key, data)
        if errors:
            raise FormValidationError(form_key, errors)

    def _specs(self, definition: ProcessDefinition) -> Any:
        return self.config.serializer.load_specs(
            f"{definition.id}:{definition.checksum}", lambda: definition.spec_json
        )

    def workflow(self, instance: ProcessInstance) -> PkipWorkflow:
        """The instance's restored workflow, for reading (its data, its tasks).

        Changes made to it are not saved: advancing goes through the operations
        above, which record history, the task index and the state together.
        """
        return self._load(instance)

    def _load(self, instance: ProcessInstance) -> PkipWorkflow:
        spec, subs = self._specs(instance.definition)
        wf = self.config.serializer.load_state(instance.state, spec, subs)
        # The script engine is not part of the state: attach it on every load.
        wf.script_engine = self.scripts
        return wf

    def _active(
        self, instance_id: str, municipality: str | None, allow_suspended: bool = False
    ) -> ProcessInstance:
        instance = self.get_instance(instance_id, municipality)
        allowed = {ProcessInstance.RUNNING} | (
            {ProcessInstance.SUSPENDED} if allow_suspended else set()
        )
        if instance.status not in allowed:
            raise InvalidOperation(f"instance {instance_id} is {instance.status}")
        return instance

    def _advance(
        self,
        instance: ProcessInstance,
        wf: PkipWorkflow,
        *,
        actor: str | None,
        action: Callable[[PkipWorkflow], None] | None = None,
        completed_task: str | None = None,
    ) -> None:
        self.scripts.call_context = CallContext(
            instance_id=instance.id, municipality=instance.municipality, actor=actor
        )
        self.scripts.outbox = OutboxWriter(
            self.session, instance.id, instance.municipality, self.config.clock
        )
        watermark = time.time()
        error: Exception | None = None
        with use_clock(self.config.clock):
            try:
                if action is not None:
                    action(wf)
                wf.do_engine_steps()
            except Conflict:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes an incident
                error = exc
            finally:
                self.scripts.outbox = None
        self._sync(
            instance,
            wf,
            watermark=watermark,
            actor=actor,
            error=error,
            completed_task=completed_task,
        )

    def _sync(
        self,
        instance: ProcessInstance,
        wf: PkipWorkflow,
        *,
        watermark: float,
        actor: str | None,
        error: Exception | None = None,
        completed_task: str | None = None,
    ) -> None:
        """Write what the advance did: history, task index, waits, status, state."""
        with _conflicts():
            recorder = AdvanceRecorder(
                self, instance, wf, watermark=watermark, actor=actor
            )
            recorder.record(error=error, completed_task=completed_task)
            self.session.flush()
            for listener in self.config.after_advance:
                listener(self.session, instance)

    def _event(self, instance: ProcessInstance, kind: str, **kwargs: Any) -> None:
        self.session.add(
            HistoryEvent(instance_id=instance.id, kind=kind, at=self.now(), **kwargs)
        )

    def _event_for(self, row: UserTask, kind: str, **kwargs: Any) -> None:
        self.session.add(
            HistoryEvent(
                instance_id=row.instance_id,
                kind=kind,
                at=self.now(),
                element_id=row.element_id,
                element_name=row.name,
                task_id=row.id,
                **kwargs,
            )
        )

    def _flush(self) -> None:
        with _conflicts():
            self.session.flush()


@contextmanager
def _conflicts() -> Iterator[None]:
    """Turn a lost write race into ``Conflict`` (the caller rolls back)."""
    try:
        yield
    except StaleDataError as exc:
        raise Conflict(
            "the case was changed by someone else; reload and try again"
        ) from exc
    except OperationalError as exc:
        # SQLite refuses a write from a transaction whose snapshot is stale; for the
        # caller that is the same conflict as a version mismatch.
        if "locked" in str(exc).lower():
            raise Conflict(
                "the case is being changed by someone else; try again"
            ) from exc
        raise


def _start_form(definition: ProcessDefinition) -> str | None:
    for entry in definition.meta.get("tasks", {}).values():
        if entry.get("type") == "StartEvent" and entry.get("formKey"):
            return str(entry["formKey"])
    return None


def _find_task(wf: PkipWorkflow, task_id: str) -> Task | None:
    try:
        wanted = UUID(task_id)
    except ValueError:
        return None
    for task in wf.all_tasks():
        if task.id == wanted:
            return task
    return None
