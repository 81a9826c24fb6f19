# SPDX-License-Identifier: EUPL-1.2
"""Run a diagram in memory from start to end (``pkip bpmn run``).

For analysts trying a diagram and for tests: the same validation as a deploy, the same
workflow class and restricted scripts as the persistent engine, but no database. User
tasks complete with the data given for them (or empty data with ``auto``), service
tasks call the simulators (or a no-op for operators nobody registered), and timers
fire at once when nothing else can move.

The run speaks for the whole file: every participant of the chosen process's
collaboration that starts by itself runs beside it, and messages and signals go
between the instances as in the persistent engine (engine/event_routing.py); a
process of the files with a message or signal start event starts when one arrives.
Whatever happens, the result is JSON: ``status`` is ``completed``, ``failed`` (an
error nobody caught), ``stuck`` (with what it waits for) or ``error`` (with why).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from core.calendar import WorkingCalendar
from core.contracts import CallContext, ConnectorRegistry
from engine.clock import ManualClock, use_clock
from engine.deploy import Deployer, DeployError, DeployProblem
from engine.diagram_functions import diagram_functions
from engine.event_routing import (
    MESSAGE,
    SIGNAL,
    accepts,
    error_text,
    is_starter,
    kind_of,
    start_event_for,
    timer_due,
    uncaught_errors,
    waits,
)
from engine.flow_data import missing_inputs
from engine.flow_errors import failure_element, failure_message
from engine.flow_loops import counts_as_execution
from engine.interfaces import FormCatalogue
from engine.scripting import RestrictedScriptEngine
from engine.workflow import PkipWorkflow, StateSerializer

MAX_ROUNDS = 10_000
MAX_INSTANCES = 200

COMPLETED, FAILED, STUCK, ERROR = "completed", "failed", "stuck", "error"


class RunFailed(Exception):
    """The run could not go on; ``result`` says how far it got (printed as JSON)."""

    def __init__(self, message: str, result: RunResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class RunResult:
    process: str
    completed: list[str]
    end_event: str | None
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    status: str = COMPLETED
    waiting: list[str] = field(default_factory=list)
    reason: str | None = None
    instances: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        out: dict[str, Any] = {
            "process": self.process,
            "status": self.status,
            "completed": self.completed,
            "end_event": self.end_event,
            "data": self.data,
            "notes": self.notes,
        }
        if self.waiting:
            out["waiting"] = self.waiting
        if self.reason:
            out["reason"] = self.reason
        if len(self.instances) > 1:
            out["instances"] = self.instances
        return json.dumps(out, ensure_ascii=False, indent=2, default=str)


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


@dataclass
class _Instance:
    process: str
    wf: PkipWorkflow
    failure: str | None = None
    failed_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.failure is not None or bool(self.wf.is_completed())


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
    """Run ``process`` (default: the only/first executable one) and its partners.

    Raises ``DeployError`` for a diagram that would not deploy and ``RunFailed``
    (carrying the result so far) for a run that did not complete.
    """
    notes: list[str] = []
    registry = _Permissive(connectors, notes)
    deployer = Deployer(
        None, serializer=StateSerializer(), connectors=registry, forms=forms
    )
    parser, bundle = deployer.check(files)
    executable = deployer.executable_processes(parser, bundle)
    candidates = [pid for pid, _ in executable]
    process = _chosen(process, executable, files)
    scripts = RestrictedScriptEngine(
        connectors=registry,
        functions=diagram_functions(WorkingCalendar(), lambda: run.clock()),
    )
    scripts.call_context = CallContext(instance_id="bpmn-run")
    run = _Run(parser, candidates, scripts, notes, forms, auto)
    run.pending = {
        k: (list(v) if isinstance(v, list) else [v])
        for k, v in (task_data or {}).items()
    }
    run.messages = dict(messages or {})
    missing = missing_inputs(parser.get_spec(process), data or {})
    if missing:
        reason = "; ".join(f"{e.message} / {e.message_en}" for e in missing)
        raise RunFailed(reason, run.result(ERROR, reason))
    with use_clock(run.clock):
        try:
            run.start_pools(process, dict(data or {}))
            run.go()
        except RunFailed as exc:
            if exc.result is None:
                exc.result = run.result(ERROR, str(exc))
            raise
        except Exception as exc:  # noqa: BLE001 - a run ends in JSON, never a traceback
            reason = run.failure(exc)
            raise RunFailed(reason, run.result(ERROR, reason)) from exc
    result = run.result(COMPLETED, None)
    if result.status != COMPLETED:
        raise RunFailed(result.reason or result.status, result)
    return result


def _chosen(
    process: str | None, executable: list[tuple[str, str]], files: Mapping[str, Any]
) -> str:
    """The process to run: the one asked for, else the first of the first file."""
    candidates = [pid for pid, _ in executable]
    if process is None:
        first_file = next(iter(files))
        own = [pid for pid, f in executable if f == first_file]
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
    return process


def _partners(parser: Any, process: str, candidates: list[str]) -> list[str]:
    """The other executable participants of ``process``'s collaborations."""
    found: list[str] = []
    for members in getattr(parser, "collaborations", {}).values():
        if process in members:
            found.extend(m for m in members if m != process and m in candidates)
    return list(dict.fromkeys(found))


class _Run:
    def __init__(
        self,
        parser: Any,
        candidates: list[str],
        scripts: RestrictedScriptEngine,
        notes: list[str],
        forms: FormCatalogue,
        auto: bool,
    ) -> None:
        self.parser = parser
        self.candidates = candidates
        self.scripts = scripts
        self.notes = notes
        self.forms = forms
        self.auto = auto
        self.clock = ManualClock()
        self.instances: list[_Instance] = []
        self.pending: dict[str, list[Any]] = {}
        self.messages: dict[str, Mapping[str, Any]] = {}
        self.stuck_reason: str | None = None

    # -- instances -----------------------------------------------------------------
    def start_pools(self, process: str, data: dict[str, Any]) -> None:
        """Start ``process`` and the partners of its collaboration that start by
        themselves. All pools start together: each runs to its first wait before
        what any of them threw on the way is delivered."""
        starters = [
            p
            for p in _partners(self.parser, process, self.candidates)
            if is_starter(self.parser.get_spec(p))
        ]
        # A process that starts on a message or a signal from a partner is started
        # by it; started here too it would run twice.
        if is_starter(self.parser.get_spec(process)) or not starters:
            self.start(process, data, route=False)
        for partner in starters:
            self.start(partner, {}, route=False)
        for inst in list(self.instances):
            self.route(inst)

    def start(
        self, process: str, data: dict[str, Any], route: bool = True
    ) -> _Instance:
        if len(self.instances) >= MAX_INSTANCES:
            raise RunFailed(f"more than {MAX_INSTANCES} instances started")
        wf = PkipWorkflow(
            self.parser.get_spec(process),
            self.parser.get_subprocess_specs(process),
            script_engine=self.scripts,
        )
        wf.task_tree.data.update(data)
        inst = _Instance(process, wf)
        self.instances.append(inst)
        inst.wf.do_engine_steps()
        if route:
            self.route(inst)
        return inst

    def _steps(self, inst: _Instance) -> None:
        inst.wf.do_engine_steps()
        self.route(inst)

    def route(self, source: _Instance) -> None:
        events = source.wf.get_events()
        for event in uncaught_errors(events):
            if source.failure is None:
                source.failure = error_text(event)
                source.failed_at = getattr(event, "pkip_thrower", None)
        for event in events:
            kind = kind_of(event.event_definition)
            if kind == MESSAGE:
                self._deliver_message(source, event)
            elif kind == SIGNAL:
                self._broadcast(source, event)

    def _deliver_message(self, source: _Instance, event: BpmnEvent) -> None:
        name = event.event_definition.name
        for inst in self.instances:
            if inst is not source and not inst.finished and accepts(inst.wf, event):
                self._send(inst, event)
                return
        for pid in self.candidates:
            start = start_event_for(self.parser.get_spec(pid), MESSAGE, name)
            if start is not None:
                self._start_by(pid, start, event)
                return
        self.notes.append(f"message {name}: nobody waits for it; not delivered")

    def _broadcast(self, source: _Instance, event: BpmnEvent) -> None:
        name = event.event_definition.name
        for inst in list(self.instances):
            if inst is not source and not inst.finished and accepts(inst.wf, event):
                self._send(inst, event)
        for pid in self.candidates:
            start = start_event_for(self.parser.get_spec(pid), SIGNAL, name)
            if start is not None:
                self._start_by(pid, start, event)

    def _start_by(self, pid: str, start_def: Any, event: BpmnEvent) -> None:
        inst = self.start(pid, {})
        self._send(inst, BpmnEvent(start_def, event.payload, event.correlations))

    def _send(self, inst: _Instance, event: BpmnEvent) -> None:
        inst.wf.send_event(event)
        self._steps(inst)

    # -- moving on -----------------------------------------------------------------
    def go(self) -> None:
        for _ in range(MAX_ROUNDS):
            if all(inst.finished for inst in self.instances):
                return
            if any(inst.failure for inst in self.instances):
                return
            if not self._move():
                return
        raise RunFailed(f"gave up after {MAX_ROUNDS} rounds")

    def _live(self) -> list[_Instance]:
        return [i for i in self.instances if not i.finished]

    def _move(self) -> bool:
        """One move: a user task, else a message, else a timer. False if none."""
        for inst in self._live():
            ready = [
                t
                for t in inst.wf.all_tasks()
                if t.state == TaskState.READY and t.task_spec.manual
            ]
            if ready:
                self._complete_user_task(ready[0])
                self._steps(inst)
                return True
        for inst in self._live():
            for wait in waits(inst.wf):
                if wait.kind != MESSAGE:
                    continue
                if wait.name not in self.messages and not self.auto:
                    continue
                payload = dict(self.messages.pop(wait.name, {}))
                if not payload:
                    self.notes.append(
                        f"message {wait.name}: delivered with an empty payload"
                    )
                event = BpmnEvent(
                    wait.event_definition,
                    payload=payload,
                    correlations=dict(inst.wf.correlations),
                )
                self._send(inst, event)
                return True
        due = [d for i in self._live() for d in _timers_due(i.wf)]
        if due:
            self.clock.now = max(self.clock.now, min(due)) + timedelta(seconds=1)
            for inst in self._live():
                inst.wf.refresh_timers()
                self._steps(inst)
            return True
        return False

    def _complete_user_task(self, task: Task) -> None:
        element = task.task_spec.bpmn_id
        queue = self.pending.get(element)
        if queue:
            values = dict(queue.pop(0) if len(queue) > 1 else queue[0])
            form_key = (
                (getattr(task.task_spec, "extensions", {}) or {})
                .get("properties", {})
                .get("formKey")
            )
            if form_key:
                errors = self.forms.validate(form_key, values)
                if errors:
                    detail = "; ".join(
                        f"{e.path or '(forma)'}: {e.message}" for e in errors
                    )
                    raise RunFailed(
                        f"user task {element}: invalid data for form {form_key}:"
                        f" {detail}"
                    )
        elif self.auto:
            values = {}
        else:
            raise RunFailed(
                f"user task {element} needs data: give --task {element}=JSON or --auto"
            )
        task.set_data(**values)
        task.run()

    # -- the result ----------------------------------------------------------------
    def failure(self, error: Exception) -> str:
        """A run stopped by an error: the element that failed and why."""
        failed = next(
            (
                t
                for inst in self.instances
                for t in inst.wf.all_tasks()
                if t.state == TaskState.ERROR
            ),
            None,
        )
        failed = failed or getattr(error, "task", None)
        element = failure_element(failed)
        message = failure_message(error, failed).strip()
        return f"{element}: {message}" if element else message

    def result(self, status: str, reason: str | None) -> RunResult:
        main = self.instances[0] if self.instances else None
        if main is None:
            return RunResult("", [], None, {}, self.notes, ERROR, [], reason)
        failed = next((i for i in self.instances if i.failure), None)
        if failed is not None:
            status, reason = FAILED, failed.failure
        elif status == COMPLETED and not all(i.finished for i in self.instances):
            status = STUCK
        waiting: list[str] = []
        if status in (STUCK, ERROR):
            waiting = sorted({w for i in self._live() for w in _waiting_at(i.wf)})
            if status == STUCK and reason is None:
                at = ", ".join(waiting) or "?"
                reason = f"nekas vairs nevar notikt; gaida: {at} / nothing can move;"
                reason += f" waiting at {at}"
        end = main.wf.end_event_reached() if main.wf.is_completed() else None
        if status == COMPLETED and end is None:
            status, reason = (
                ERROR,
                "process apstājās, nesasniedzis beigu notikumu"
                " / the process stopped without reaching an end event",
            )
        # once per execution: a loop or multi-instance activity by its iterations,
        # not also by the task that holds them
        done = [
            t
            for i in self.instances
            for t in i.wf.all_tasks()
            if t.state == TaskState.COMPLETED and counts_as_execution(t)
        ]
        done.sort(key=lambda t: t.last_state_change)
        return RunResult(
            process=main.process,
            completed=[t.task_spec.bpmn_id for t in done],
            end_event=failed.failed_at if failed is main and failed else end,
            data=json.loads(json.dumps(_data(main.wf), default=str)),
            notes=self.notes,
            status=status,
            waiting=waiting,
            reason=reason,
            instances=[_summary(i) for i in self.instances],
        )


def _summary(inst: _Instance) -> dict[str, Any]:
    if inst.failure:
        status = FAILED
    elif inst.wf.is_completed():
        status = COMPLETED
    else:
        status = "waiting"
    return {
        "process": inst.process,
        "status": status,
        "end_event": inst.failed_at
        if inst.failure
        else (inst.wf.end_event_reached() if inst.wf.is_completed() else None),
        "waiting": sorted(_waiting_at(inst.wf)) if status == "waiting" else [],
    }


def _waiting_at(wf: PkipWorkflow) -> set[str]:
    found = {
        str(t.task_spec.bpmn_id or t.task_spec.name)
        for t in wf.all_tasks()
        if t.state
        in (TaskState.WAITING, TaskState.READY, TaskState.STARTED, TaskState.ERROR)
        and getattr(t.task_spec, "bpmn_id", None)
    }
    found |= {f"{w.kind} {w.name}" for w in waits(wf) if w.task is None}
    return found


def _data(wf: PkipWorkflow) -> dict[str, Any]:
    """The workflow's data, or (it is set only when it ends normally) the data of
    the last task that finished."""
    if wf.data:
        return dict(wf.data)
    done = [t for t in wf.tasks.values() if t.state == TaskState.COMPLETED]
    if not done:
        return dict(wf.task_tree.data)
    return dict(max(done, key=lambda t: t.last_state_change).data)


def _timers_due(wf: PkipWorkflow) -> list[datetime]:
    due = [timer_due(t) for t in wf.all_tasks() if t.state == TaskState.WAITING]
    return [d for d in due if d is not None]
