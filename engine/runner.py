# SPDX-License-Identifier: EUPL-1.2
"""Run one diagram in memory from start to end (``pkip bpmn run``).

For analysts trying a diagram and for tests: the same validation as a deploy, the same
workflow class and restricted scripts as the persistent engine, but no database. User
tasks complete with the data given for them (or empty data with ``auto``), service
tasks call the simulators (or a no-op for operators nobody registered), and timers
fire at once when nothing else can move.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from core.contracts import CallContext, ConnectorRegistry
from engine.clock import ManualClock, use_clock
from engine.deploy import Deployer, DeployError, DeployProblem
from engine.interfaces import FormCatalogue
from engine.scripting import RestrictedScriptEngine
from engine.workflow import PkipWorkflow, StateSerializer

MAX_ROUNDS = 10_000


class RunFailed(Exception):
    """The diagram did not reach an end event; the message says why and where."""


@dataclass
class RunResult:
    process: str
    completed: list[str]
    end_event: str | None
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "process": self.process,
                "completed": self.completed,
                "end_event": self.end_event,
                "data": self.data,
                "notes": self.notes,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )


class _Permissive:
    """Known operators go to the registry; unknown ones are a no-op returning null."""

    def __init__(self, inner: ConnectorRegistry | None, notes: list[str]) -> None:
        self.inner = inner
        self.notes = notes

    def has_operator(self, name: str) -> bool:
        return True

    def is_command(self, name: str) -> bool:
        return False  # in memory there is no outbox: commands are called directly

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        if self.inner is not None and self.inner.has_operator(name):
            return self.inner.call(name, params, context)
        self.notes.append(f"service operator {name}: no connector, returned null")
        return None


def run_diagram(
    files: Mapping[str, bytes],
    *,
    forms: FormCatalogue,
    connectors: ConnectorRegistry | None = None,
    process: str | None = None,
    data: Mapping[str, Any] | None = None,
    task_data: Mapping[str, Any] | None = None,
    messages: Mapping[str, Mapping[str, Any]] | None = None,
    auto: bool = False,
) -> RunResult:
    """Run ``process`` (default: the only/first executable one) to its end."""
    notes: list[str] = []
    registry = _Permissive(connectors, notes)
    deployer = Deployer(
        None, serializer=StateSerializer(), connectors=registry, forms=forms
    )
    parser, bundle = deployer.check(files)
    candidates = [pid for pid, _ in deployer.executable_processes(parser, bundle)]
    if process is None:
        first_file = next(iter(files))
        own = [
            pid
            for pid, f in deployer.executable_processes(parser, bundle)
            if f == first_file
        ]
        process = next(iter(own or candidates), None)
    if process not in candidates:
        raise DeployError(
            [
                DeployProblem(
                    ", ".join(files),
                    process or "",
                    "tāda izpildāma procesa nav",
                    "no such executable process",
                )
            ]
        )
    scripts = RestrictedScriptEngine(connectors=registry)
    scripts.call_context = CallContext(instance_id="bpmn-run")
    wf = PkipWorkflow(
        parser.get_spec(process),
        parser.get_subprocess_specs(process),
        script_engine=scripts,
    )
    wf.task_tree.data.update(dict(data or {}))
    pending = {
        k: (list(v) if isinstance(v, list) else [v])
        for k, v in (task_data or {}).items()
    }
    clock = ManualClock()
    with use_clock(clock):
        wf.do_engine_steps()
        for _ in range(MAX_ROUNDS):
            if wf.is_completed():
                break
            if not _step(wf, clock, pending, dict(messages or {}), forms, auto, notes):
                waiting = sorted(
                    {
                        t.task_spec.bpmn_id or t.task_spec.name
                        for t in wf.unfinished_tasks()
                        if t.state
                        in (TaskState.WAITING, TaskState.READY, TaskState.STARTED)
                    }
                )
                raise RunFailed(
                    f"stuck: nothing can move; waiting at {', '.join(waiting) or '?'}"
                )
        else:
            raise RunFailed(f"gave up after {MAX_ROUNDS} rounds")
    end = wf.end_event_reached()
    if end is None:
        raise RunFailed("the process stopped without reaching an end event")
    done = [
        t
        for t in wf.all_tasks()
        if t.state == TaskState.COMPLETED and getattr(t.task_spec, "bpmn_id", None)
    ]
    done.sort(key=lambda t: t.last_state_change)
    return RunResult(
        process=process,
        completed=[t.task_spec.bpmn_id for t in done],
        end_event=end,
        data=json.loads(json.dumps(wf.data, default=str)),
        notes=notes,
    )


def _step(
    wf: PkipWorkflow,
    clock: ManualClock,
    pending: dict[str, list[Any]],
    messages: dict[str, Mapping[str, Any]],
    forms: FormCatalogue,
    auto: bool,
    notes: list[str],
) -> bool:
    """Make one move: a user task, else a message, else a timer. False if none."""
    ready = [
        t for t in wf.all_tasks() if t.state == TaskState.READY and t.task_spec.manual
    ]
    if ready:
        _complete_user_task(ready[0], pending, forms, auto)
        wf.do_engine_steps()
        return True
    waiting = [t for t in wf.all_tasks() if t.state == TaskState.WAITING]
    for task in waiting:
        event_def = getattr(task.task_spec, "event_definition", None)
        if isinstance(event_def, MessageEventDefinition) and (
            event_def.name in messages or auto
        ):
            payload = dict(messages.pop(event_def.name, {}))
            if not payload:
                notes.append(
                    f"message {event_def.name}: delivered with an empty payload"
                )
            wf.send_event(
                BpmnEvent(
                    event_def,
                    payload=payload,
                    correlations=dict(task.workflow.correlations),
                )
            )
            wf.do_engine_steps()
            return True
    due = [_timer_due(t) for t in waiting]
    due_times = [d for d in due if d is not None]
    if due_times:
        clock.now = max(clock.now, min(due_times)) + timedelta(seconds=1)
        wf.refresh_timers()
        wf.do_engine_steps()
        return True
    return False


def _complete_user_task(
    task: Task, pending: dict[str, list[Any]], forms: FormCatalogue, auto: bool
) -> None:
    element = task.task_spec.bpmn_id
    queue = pending.get(element)
    if queue:
        values = dict(queue.pop(0) if len(queue) > 1 else queue[0])
        form_key = (
            (getattr(task.task_spec, "extensions", {}) or {})
            .get("properties", {})
            .get("formKey")
        )
        if form_key:
            errors = forms.validate(form_key, values)
            if errors:
                detail = "; ".join(
                    f"{e.path or '(forma)'}: {e.message}" for e in errors
                )
                raise RunFailed(
                    f"user task {element}: invalid data for form {form_key}: {detail}"
                )
    elif auto:
        values = {}
    else:
        raise RunFailed(
            f"user task {element} needs data: give --task {element}=JSON or --auto"
        )
    task.set_data(**values)
    task.run()


def _timer_due(task: Task) -> datetime | None:
    event_def = getattr(task.task_spec, "event_definition", None)
    if not isinstance(event_def, TimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None
