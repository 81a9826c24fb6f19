# SPDX-License-Identifier: EUPL-1.2
"""SpiffWorkflow, adapted: no hidden tasks, specs stored apart from instance state.

SpiffWorkflow 3.2 walks its task tree with an iterator that stops at depth 1000. A
gateway loop adds about three levels per pass, so after ~332 passes the READY task is
hidden: the engine stops and ``is_completed()`` reports True although no end event ran.
``PkipWorkflow`` removes the depth limit, finds waiting and unfinished tasks by a flat
scan of the task table (also cheaper than the tree walk it replaces), and the runtime
treats an instance as completed only when an end event of the top process completed.

Every SpiffWorkflow dump also embeds the specs (most of a small instance's bytes). The
serializer here stores instance state without them; specs are serialized once per
deployed definition and restored from a small cache.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from core.pii import PiiVault, is_sealed
from engine.conditional import refresh_conditions
from engine.event_data import sync_event_data, take_parent_data
from engine.event_subprocess import (
    apply_interrupts,
    close_finished_scopes,
    install_event_manager,
    interrupting_start,
)
from engine.flow_parser import CONVERTERS as FLOW_CONVERTERS
from engine.models import STATE_CONTEXT
from engine.outbox import PkipServiceTask

_NO_DEPTH_LIMIT = sys.maxsize
_OPEN_STATES = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


class _FlatScanMixin:
    """Replaces the depth-limited tree walks that decide progress and completion."""

    tasks: dict[Any, Task]
    task_tree: Task
    completed: bool

    def get_tasks_iterator(
        self, first_task: Task | None = None, **kwargs: Any
    ) -> BpmnTaskIterator:
        kwargs.setdefault("max_depth", _NO_DEPTH_LIMIT)
        return BpmnTaskIterator(first_task or self.task_tree, **kwargs)

    def update_waiting_tasks(self) -> None:
        waiting = [t for t in self.tasks.values() if t.state == TaskState.WAITING]
        for task in waiting:
            if task.state == TaskState.WAITING:
                task.task_spec._update(task)

    def is_completed(self) -> bool:
        # A task in ERROR is not finished for us: it waits for an operator's retry.
        if not self.completed and not any(
            t.state & _OPEN_STATES for t in self.tasks.values()
        ):
            self.completed = True
        return self.completed


class PkipSubWorkflow(_FlatScanMixin, BpmnSubWorkflow):  # type: ignore[misc]
    """A subprocess or call activity's workflow, without the depth limit."""


class PkipWorkflow(_FlatScanMixin, BpmnWorkflow):  # type: ignore[misc]
    """The top-level workflow of a PKIP process instance."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_event_manager(self)  # engine/event_subprocess.py

    def create_subprocess(self, my_task: Task, spec_name: str) -> PkipSubWorkflow:
        subprocess = PkipSubWorkflow(
            self.subprocess_specs[spec_name],
            parent_task_id=my_task.id,
            top_workflow=self,
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess

    def do_engine_steps(
        self,
        will_complete_task: Callable[[Task], None] | None = None,
        did_complete_task: Callable[[Task], None] | None = None,
    ) -> None:
        """Run ready automatic tasks until only waits and user tasks are left.

        Same order of work as SpiffWorkflow's (deepest subprocesses first), but ready
        tasks are found by a flat scan, so none can hide past a depth limit.
        """
        while True:
            while self._engine_pass(will_complete_task, did_complete_task):
                pass
            # A timer that is due fires here; run on from it rather than leave its
            # READY successor for the next advance (SpiffWorkflow stops at this point).
            self.refresh_timers()
            if not self._has_ready_engine_task():
                return

    def _has_ready_engine_task(self) -> bool:
        return any(
            t.state == TaskState.READY and not t.task_spec.manual
            for t in self.all_tasks()
        )

    def _engine_pass(
        self,
        will: Callable[[Task], None] | None,
        did: Callable[[Task], None] | None,
    ) -> bool:
        manager = self.event_manager

        def run_ready(wf: Any) -> int:
            ready = [
                t
                for t in wf.tasks.values()
                if t.state == TaskState.READY and not t.task_spec.manual
            ]
            count = 0
            for task in ready:
                if task.state != TaskState.READY:  # an earlier one moved it on
                    continue
                if will is not None:
                    will(task)
                take_parent_data(self, task)  # engine/event_data.py
                manager.running = task  # the scope of what it throws
                try:
                    task.run()
                finally:
                    manager.running = None
                count += 1
                if did is not None:
                    did(task)
            return count

        sync_event_data(self)  # engine/event_data.py
        interrupted = apply_interrupts(self)  # engine/event_subprocess.py
        interrupted = refresh_conditions(self) or interrupted  # engine/conditional.py
        active = self.get_active_subprocesses()
        for sub in sorted(active, key=lambda wf: wf.depth, reverse=True):
            while run_ready(sub):
                pass
            sync_event_data(self)  # what a handler set, before its parent moves on
            if sub.parent_task_id is not None:
                parent = self.get_task_from_id(sub.parent_task_id)
                # a cancelled (interrupted) activity must not complete afterwards
                if not parent.state & TaskState.FINISHED_MASK:
                    parent.task_spec._update(parent)
        count = run_ready(self)
        sync_event_data(self)
        interrupted = apply_interrupts(self) or interrupted
        interrupted = close_finished_scopes(self) or interrupted
        return (
            count > 0
            or interrupted
            or len(self.get_active_subprocesses()) > len(active)
        )

    def all_tasks(self) -> Iterator[Task]:
        """Every task of the top workflow and of all its subprocesses."""
        yield from self.tasks.values()
        for sub in self.subprocesses.values():
            yield from sub.tasks.values()

    def unfinished_tasks(self) -> list[Task]:
        return [t for t in self.all_tasks() if t.state & TaskState.NOT_FINISHED_MASK]

    def end_event_reached(self) -> str | None:
        """The id of a completed end event of the top process, if any."""
        ends = [
            t
            for t in self.tasks.values()
            if t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent)
        ]
        if ends:  # the last one: others may end branches of a non-interrupting event
            return str(max(ends, key=lambda t: t.last_state_change).task_spec.bpmn_id)
        # An interrupting event sub-process of the process ends the process with it.
        for sub in self.subprocesses.values():
            if sub.parent_task_id in self.tasks and interrupting_start(sub):
                for task in sub.tasks.values():
                    if task.state == TaskState.COMPLETED and isinstance(
                        task.task_spec, EndEvent
                    ):
                        return str(task.task_spec.bpmn_id)
        return None


class _StateConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Converts a top workflow without its specs; they are supplied on restore."""

    def to_dict(self, workflow: PkipWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: BpmnProcessSpec | None = None,
        subprocess_specs: dict[str, BpmnProcessSpec] | None = None,
    ) -> PkipWorkflow:
        if spec is None:
            raise ValueError("instance state is stored without its spec: pass spec=")
        workflow: PkipWorkflow = self.target_class(
            spec, subprocess_specs or {}, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config.pop(BpmnWorkflow, None)
    config.pop(BpmnSubWorkflow, None)
    config[PkipWorkflow] = _StateConverter
    config[PkipSubWorkflow] = BpmnSubWorkflowConverter
    config[PkipServiceTask] = ServiceTaskConverter
    config.update(FLOW_CONVERTERS)
    return BpmnWorkflowSerializer.configure(config)


class StateSerializer:
    """Instance state and specs to JSON text and back (thread-safe).

    With a ``vault`` the state is stored sealed (AES-GCM, core/pii.py): process data
    holds personal codes, names and addresses. Plain JSON written before still loads,
    and ``pkip pii rotate`` seals it.
    """

    VERSION = "pkip-1"

    def __init__(
        self, spec_cache_size: int = 64, *, vault: PiiVault | None = None
    ) -> None:
        self.vault = vault
        self._serializer = BpmnWorkflowSerializer(_make_registry())
        self._lock = threading.Lock()
        self._specs: OrderedDict[
            str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]
        ]
        self._specs = OrderedDict()
        self._cache_size = spec_cache_size

    # -- specs: stored once per definition ------------------------------------------
    def dump_specs(
        self, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
    ) -> str:
        registry = self._serializer.registry
        with self._lock:
            dct = {
                "spec": registry.convert(spec),
                "subprocess_specs": {
                    name: registry.convert(sub)
                    for name, sub in subprocess_specs.items()
                },
            }
        return json.dumps(dct, sort_keys=True, ensure_ascii=False)

    def load_specs(
        self, cache_key: str, spec_json: Callable[[], str]
    ) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """Restore (and cache) the specs of a definition; specs are never mutated.

        ``spec_json`` is called only on a cache miss (it is a deferred column).
        """
        with self._lock:
            hit = self._specs.get(cache_key)
            if hit is not None:
                self._specs.move_to_end(cache_key)
                return hit
        dct = json.loads(spec_json())
        registry = self._serializer.registry
        spec = registry.restore(dct["spec"])
        subs = {
            name: registry.restore(sub) for name, sub in dct["subprocess_specs"].items()
        }
        with self._lock:
            self._specs[cache_key] = (spec, subs)
            while len(self._specs) > self._cache_size:
                self._specs.popitem(last=False)
        return spec, subs

    # -- instance state --------------------------------------------------------------
    def dump_state(self, workflow: PkipWorkflow) -> str:
        registry = self._serializer.registry
        # The registry converts shallowly in "encoder mode" and lets the JSON encoder
        # recurse (SpiffWorkflow's fast path); the mode is a flag on the shared
        # registry, so the whole dump holds the lock.
        with self._lock:
            registry._encoder_mode = True
            try:
                dct = registry.convert(workflow)
                dct["serializer_version"] = self.VERSION
                text = json.dumps(
                    dct, cls=self._serializer._encoder_cls, separators=(",", ":")
                )
            finally:
                registry._encoder_mode = False
        if self.vault is None:
            return text
        return self.vault.encrypt(text, STATE_CONTEXT)

    def load_state(
        self,
        state_json: str,
        spec: BpmnProcessSpec,
        subprocess_specs: dict[str, BpmnProcessSpec],
    ) -> PkipWorkflow:
        if is_sealed(state_json):
            if self.vault is None:
                raise ValueError("the instance state is sealed: no PKIP_PII_KEYS here")
            state_json = self.vault.decrypt(state_json, STATE_CONTEXT)
        dct = json.loads(state_json)
        version = dct.pop("serializer_version", None)
        if version != self.VERSION:
            raise ValueError(f"unknown instance state format {version!r}")
        workflow: PkipWorkflow = self._serializer.registry.restore(
            dct, spec=spec, subprocess_specs=subprocess_specs
        )
        return workflow
