# SPDX-License-Identifier: EUPL-1.2
"""After every advance: write history, the task index, message waits, the next timer,
the status and the state, all from one scan of the workflow.

An instance counts as completed only when an end event of its top process ran; a
workflow that stops without one, or that can no longer move, gets an incident.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as SpiffUserTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from core.pii import mask_identifiers
from engine.event_routing import (
    MESSAGE,
    SIGNAL_PREFIX,
    error_text,
    timer_due,
    uncaught_errors,
    waits,
)
from engine.flow_errors import failure_element, failure_message
from engine.flow_loops import counts_as_execution
from engine.models import (
    HistoryEvent,
    Incident,
    MessageSubscription,
    ProcessInstance,
    UserTask,
)
from engine.workflow import PkipWorkflow, StateSerializer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.calendar import WorkingCalendar
    from engine.scripting import RestrictedScriptEngine


class _HostConfig(Protocol):
    @property
    def serializer(self) -> StateSerializer: ...

    @property
    def calendar(self) -> WorkingCalendar: ...


class RecorderHost(Protocol):
    """What the recorder uses of the engine (``EngineCore`` satisfies it); a protocol,
    so that the module that advances and the one that records don't import each
    other."""

    @property
    def session(self) -> Session: ...

    @property
    def config(self) -> _HostConfig: ...

    @property
    def scripts(self) -> RestrictedScriptEngine: ...

    def now(self) -> datetime: ...


log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 2000


def canonical_correlation(correlation: Mapping[str, Any]) -> str:
    """One text form of correlation keys, so matching is a plain indexed equality."""
    return json.dumps(
        dict(correlation), sort_keys=True, ensure_ascii=False, default=str
    )


class AdvanceRecorder:
    """Records one advance of one instance (used by ProcessEngine only)."""

    def __init__(
        self,
        engine: RecorderHost,
        instance: ProcessInstance,
        wf: PkipWorkflow,
        *,
        watermark: float,
        actor: str | None,
    ) -> None:
        self.engine = engine
        self.session = engine.session
        self.instance = instance
        self.wf = wf
        self.watermark = watermark
        self.actor = actor
        self.now = engine.now()
        self.meta: dict[str, Any] = instance.definition.meta
        self.tasks = list(wf.all_tasks())

    def record(
        self,
        *,
        error: Exception | None,
        completed_task: str | None,
        thrown: Sequence[Any] = (),
    ) -> None:
        # Queries first, then only additions, and no autoflush in between: the caller
        # flushes once, and the new rows go out as batched INSERTs.
        with self.session.no_autoflush:
            open_rows = self.session.scalars(
                select(UserTask).where(
                    UserTask.instance_id == self.instance.id,
                    UserTask.state == UserTask.READY,
                )
            ).all()
            self._subscriptions()
            self._history(completed_task)
            self._task_index(open_rows, completed_task)
            self._finish(error, uncaught_errors(list(thrown)))

    def _finish(self, error: Exception | None, uncaught: Sequence[Any] = ()) -> None:
        instance = self.instance
        instance.next_timer_at = next_timer(self.tasks)
        if error is not None:
            self._incident(error)
        elif uncaught and instance.status == ProcessInstance.RUNNING:
            self._failed(uncaught[0])
        elif instance.status == ProcessInstance.RUNNING:
            self._status()
        instance.state = self.engine.config.serializer.dump_state(self.wf)
        instance.state_bytes = len(instance.state)
        instance.updated_at = self.now

    # -- history -----------------------------------------------------------------------
    def _history(self, completed_task: str | None) -> None:
        done = [
            t
            for t in self.tasks
            if t.state == TaskState.COMPLETED
            and t.last_state_change >= self.watermark
            and counts_as_execution(t)
        ]
        done.sort(key=lambda t: t.last_state_change)
        for task in done:
            spec = task.task_spec
            kind, actor = _kind_of(task), None
            if str(task.id) == completed_task:
                actor = self.actor
            details: dict[str, Any] = {}
            if kind == "service_called":
                details["operator"] = getattr(spec, "operation_name", None)
            if kind == "message_received":
                details["message"] = spec.event_definition.name
            if task.workflow is not self.wf:
                details["subprocess"] = task.workflow.spec.name
            self.session.add(
                HistoryEvent(
                    instance_id=self.instance.id,
                    at=self.now,
                    kind=kind,
                    element_id=spec.bpmn_id,
                    element_name=spec.bpmn_name,
                    task_id=str(task.id),
                    actor=actor,
                    details=details,
                )
            )

    # -- task index --------------------------------------------------------------------
    def _task_index(
        self, open_rows: Sequence[UserTask], completed_task: str | None
    ) -> None:
        ready = {
            str(t.id): t
            for t in self.tasks
            if t.state == TaskState.READY and t.task_spec.manual
        }
        by_id = {str(t.id): t for t in self.tasks}
        for row in open_rows:
            if row.id in ready:
                continue
            task = by_id.get(row.id)
            if task is not None and task.state == TaskState.COMPLETED:
                row.state = UserTask.COMPLETED
                row.completed_by = self.actor if row.id == completed_task else None
            else:  # cancelled, or removed by an interrupting boundary event
                row.state = UserTask.CANCELLED
                self._add_event("task_cancelled", row)
            row.completed_at = self.now
        known = {row.id for row in open_rows}
        for task_id, task in ready.items():
            if task_id not in known:
                self._new_task_row(task_id, task)

    def _new_task_row(self, task_id: str, task: Task) -> None:
        spec = task.task_spec
        entry = self.meta.get("tasks", {}).get(spec.bpmn_id, {})
        process_props = self.meta.get("process", {})
        row = self.session.get(UserTask, task_id)
        if row is None:
            row = UserTask(id=task_id, instance_id=self.instance.id)
            self.session.add(row)
        row.municipality = self.instance.municipality
        row.process_key = self.instance.process_key
        row.element_id = spec.bpmn_id
        row.name = spec.bpmn_name or spec.bpmn_id
        row.candidate_group = entry.get("candidateGroup") or getattr(spec, "lane", None)
        row.form_key = entry.get("formKey")
        row.priority = int(entry.get("priority", 50))
        row.state = UserTask.READY
        row.assignee = None
        row.created_at = self.now
        row.due_at = self._due(entry, process_props)
        self._add_event("task_ready", row)

    def _due(
        self, entry: Mapping[str, Any], process_props: Mapping[str, Any]
    ) -> datetime | None:
        working = entry.get("dueWorkingDays")
        calendar = entry.get("dueCalendarDays")
        if working is None and calendar is None:
            working = process_props.get("dueWorkingDays")
            calendar = process_props.get("dueCalendarDays")
        if working is None and calendar is None:
            return None
        return self.engine.config.calendar.due_at(
            self.now,
            working_days=int(working) if working is not None else None,
            calendar_days=int(calendar) if calendar is not None else None,
        )

    def _add_event(self, kind: str, row: UserTask) -> None:
        self.session.add(
            HistoryEvent(
                instance_id=self.instance.id,
                at=self.now,
                kind=kind,
                element_id=row.element_id,
                element_name=row.name,
                task_id=row.id,
                details={"group": row.candidate_group} if kind == "task_ready" else {},
            )
        )

    # -- message waits -----------------------------------------------------------------
    def _subscriptions(self) -> None:
        self.session.execute(
            delete(MessageSubscription).where(
                MessageSubscription.instance_id == self.instance.id
            )
        )
        if self.instance.status != ProcessInstance.RUNNING:
            return
        scripts = self.engine.scripts
        seen: set[tuple[str, str, str]] = set()
        # waiting catch events, receive tasks, event-based gateways, and the event
        # sub-processes a message or a signal would start (engine/event_routing.py)
        for wait in waits(self.wf):
            event_def = wait.event_definition
            data = dict(wait.task.data) if wait.task is not None else dict(self.wf.data)
            # A correlation property's retrieval expression is evaluated against the
            # waiting instance's own data here and against the payload by the sender,
            # so "case_number" means the same key on both sides.
            keys: dict[str, Any] = {}
            for prop in getattr(event_def, "correlation_properties", None) or []:
                try:
                    keys[prop.name] = scripts.environment.evaluate(
                        prop.retrieval_expression, data
                    )
                except Exception:  # noqa: BLE001 - a missing key just does not match
                    keys[prop.name] = None
            name = wait.name if wait.kind == MESSAGE else SIGNAL_PREFIX + wait.name
            row = (name, canonical_correlation(keys), wait.element_id or "")
            if row in seen:
                continue
            seen.add(row)
            self.session.add(
                MessageSubscription(
                    instance_id=self.instance.id,
                    municipality=self.instance.municipality,
                    message_name=row[0],
                    correlation=row[1],
                    element_id=row[2],
                )
            )

    # -- status and incidents ----------------------------------------------------------
    def _status(self) -> None:
        wf, instance = self.wf, self.instance
        if wf.is_completed():
            end = wf.end_event_reached()
            if end is not None:
                instance.status = ProcessInstance.COMPLETED
                instance.end_event = end
                instance.ended_at = self.now
                self.session.add(
                    HistoryEvent(
                        instance_id=instance.id,
                        at=self.now,
                        kind="ended",
                        element_id=end,
                    )
                )
                self._resolve_incidents()
                return
            self._open_incident(
                "no_end_event",
                None,
                "RuntimeError",
                "the process stopped without reaching an end event",
            )
            return
        unfinished = [t for t in self.tasks if t.state & TaskState.NOT_FINISHED_MASK]
        can_move = any(
            t.state in (TaskState.WAITING, TaskState.STARTED)
            or (t.state == TaskState.READY and t.task_spec.manual)
            for t in unfinished
        )
        failed = any(t.state == TaskState.ERROR for t in self.tasks)
        if not can_move and not failed:  # a failed task has its incident already
            self._open_incident(
                "stuck",
                None,
                "RuntimeError",
                "the process can no longer move: nothing is ready or waiting",
            )
        else:
            self._resolve_incidents()

    def _failed(self, event: Any) -> None:
        """An error nobody caught ends the case in error, never as completed."""
        instance = self.instance
        element = getattr(event, "pkip_thrower", None)
        instance.status = ProcessInstance.FAILED
        instance.end_event = element
        instance.ended_at = self.now
        instance.next_timer_at = None
        self._open_incident(
            "error_end",
            None,
            "BpmnError",
            error_text(event),
            element=element,
        )
        self.session.add(
            HistoryEvent(
                instance_id=instance.id,
                at=self.now,
                kind="failed",
                element_id=element,
                details={"error": getattr(event.event_definition, "code", None)},
            )
        )

    def _incident(self, error: Exception) -> None:
        failed = next((t for t in self.tasks if t.state == TaskState.ERROR), None)
        # SpiffWorkflow wraps the real error and keeps only its class name.
        error_type = getattr(error, "error_type", None)
        if not error_type or error_type == "unknown":
            error_type = type(error.__cause__ or error).__name__
        # An error raised before a task ran (missing data) leaves none in ERROR.
        culprit = failed or getattr(error, "task", None)
        message = failure_message(error, culprit)[:MAX_ERROR_TEXT]
        element = failure_element(culprit)
        kind = (
            "service_failed"
            if failed is not None and isinstance(failed.task_spec, ServiceTask)
            else "task_failed"
        )
        self._open_incident(kind, failed, error_type, message, element=element)
        log.warning(
            "incident on instance %s at %s: %s", self.instance.id, element, error_type
        )

    def _open_incident(
        self,
        kind: str,
        task: Task | None,
        error_type: str,
        message: str,
        element: str | None = None,
    ) -> None:
        task_id = str(task.id) if task is not None else None
        # Errors quote values from the process data (``int(applicant_code)``): the
        # stored text is masked like a log line, so no page or API shows a code.
        message = mask_identifiers(message)
        existing = self.session.scalars(
            select(Incident).where(
                Incident.instance_id == self.instance.id,
                Incident.status == Incident.OPEN,
                Incident.kind == kind,
                Incident.task_id.is_(None)
                if task_id is None
                else Incident.task_id == task_id,
            )
        ).first()
        if existing is not None:
            existing.attempts += 1
            existing.message = message
            existing.error_type = error_type
            existing.updated_at = self.now
            incident = existing
        else:
            incident = Incident(
                instance_id=self.instance.id,
                municipality=self.instance.municipality,
                task_id=task_id,
                element_id=element,
                kind=kind,
                error_type=error_type,
                message=message,
                created_at=self.now,
                updated_at=self.now,
            )
            self.session.add(incident)
        self.instance.has_incident = True
        self.session.add(
            HistoryEvent(
                instance_id=self.instance.id,
                at=self.now,
                kind="incident",
                element_id=element,
                task_id=task_id,
                details={"kind": kind, "error_type": error_type},
            )
        )

    def _resolve_incidents(self) -> None:
        """Close the incidents whose cause is gone: a failed task that ran again, a
        wait that can move again. Delivery failures close only when requeued."""
        if not self.instance.has_incident:
            return
        states = {str(t.id): t.state for t in self.tasks}
        remaining = False
        for incident in self.session.scalars(
            select(Incident).where(
                Incident.instance_id == self.instance.id,
                Incident.status == Incident.OPEN,
            )
        ):
            if incident.kind == "delivery_failed" or (
                incident.task_id and states.get(incident.task_id) == TaskState.ERROR
            ):
                remaining = True
                continue
            incident.status = Incident.RESOLVED
            incident.resolved_at = self.now
            incident.resolved_by = self.actor
        self.instance.has_incident = remaining


def _kind_of(task: Task) -> str:
    spec = task.task_spec
    event_def = getattr(spec, "event_definition", None)
    if isinstance(spec, SpiffUserTask):
        return "task_completed"
    if isinstance(spec, ServiceTask):
        return "service_called"
    if isinstance(event_def, TimerEventDefinition):
        return "timer_fired"
    if isinstance(event_def, MessageEventDefinition) and not isinstance(spec, EndEvent):
        return "message_received"
    if isinstance(spec, EndEvent):
        return "end_event"
    return "step_completed"


def next_timer(tasks: list[Task]) -> datetime | None:
    """The earliest due time of the waiting timers among ``tasks`` (an event-based
    gateway's timer too: engine/event_routing.py)."""
    due = [timer_due(t) for t in tasks if t.state == TaskState.WAITING]
    found = [d for d in due if d is not None]
    return min(found) if found else None
