# SPDX-License-Identifier: EUPL-1.2
"""Interrupting event sub-processes, which SpiffWorkflow 3.2 runs as non-interrupting.

BPMN 2.0 (10.3.5): when the start event of an interrupting event sub-process fires,
the process or sub-process that contains it is interrupted — everything else in it
is cancelled — and it ends when the event sub-process ends. SpiffWorkflow's parser
drops ``isInterrupting``, so its event sub-processes always run beside the rest;
engine/bpmn_prepare.py marks the interrupting start events and ``apply_interrupts``
(called by the workflow after every engine pass) cancels what they interrupt.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    CodeEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import (
    SubWorkflowTask as SubWorkflowTaskMixin,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent, EventManager
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_prepare import EVENT_SUBPROCESS_PROPERTY, INTERRUPTING_PROPERTY

_DONE_FLAG = "pkip_interrupted"
_CLOSED_FLAG = "pkip_scope_closed"

_revive = SubWorkflowTaskMixin._on_subworkflow_completed


def _on_subworkflow_completed(self: Any, subworkflow: Any, my_task: Task) -> None:
    # SpiffWorkflow 3.2 cancels an interrupted sub-process's workflow, whose
    # "completed" signal then sets the cancelled activity back to READY and it
    # completes after all. A cancelled activity stays cancelled.
    if my_task.state == TaskState.CANCELLED:
        return
    _revive(self, subworkflow, my_task)


SubWorkflowTaskMixin._on_subworkflow_completed = _on_subworkflow_completed
_FIRED = (TaskState.READY, TaskState.STARTED, TaskState.COMPLETED)
_BUSY = (TaskState.READY, TaskState.STARTED, TaskState.WAITING, TaskState.ERROR)


def interrupting_start(sub: Any) -> Task | None:
    # Only start events of event sub-processes carry the property (SpiffWorkflow's
    # spiff parser makes them plain SubWorkflowTasks, so the mark is the way to know).
    for task in sub.tasks.values():
        spec = task.task_spec
        # READY: caught and about to run. The scope is interrupted at once, before
        # anything else in it moves on.
        if not isinstance(spec, StartEvent) or task.state not in _FIRED:
            continue
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        if props.get(INTERRUPTING_PROPERTY) == "true":
            return task
    return None


def _props(task: Task) -> dict[str, Any]:
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    return props if isinstance(props, dict) else {}


def _waiting_to_start(sub: Any) -> bool:
    """An event sub-process that has not started: only its start events wait."""
    starts = [t for t in sub.tasks.values() if isinstance(t.task_spec, StartEvent)]
    if not any(_props(t).get(EVENT_SUBPROCESS_PROPERTY) == "true" for t in starts):
        return False
    return not any(
        t.state in _BUSY
        and not isinstance(t.task_spec, StartEvent)
        and t.task_spec.name != sub.spec.end.name  # its end join waits for the start
        for t in sub.tasks.values()
    )


def close_finished_scopes(top: Any) -> bool:
    """Cancel event sub-processes still waiting to start in a scope whose flow has
    ended, so the scope can end (SpiffWorkflow waits for them: a process with a
    timer-cycle event sub-process would keep firing it after its end event)."""
    closed = False
    scopes = [top] + [
        s for s in top.subprocesses.values() if _running(top, s) and not s.completed
    ]
    for scope in scopes:
        waiting, other = [], False
        for task in scope.tasks.values():
            if not task.state & TaskState.NOT_FINISHED_MASK:
                continue
            if task.task_spec.name in (scope.spec.end.name, "End"):
                continue
            sub = top.subprocesses.get(task.id)
            if sub is not None and _waiting_to_start(sub):
                waiting.append(task)
            else:
                other = True
        if other or not waiting or not _flow_ended(scope):
            continue
        for task in waiting:
            task.cancel()
        for task in list(scope.tasks.values()):
            if task.state == TaskState.WAITING:
                task.task_spec._update(task)
        closed = True
    return closed


def _flow_ended(scope: Any) -> bool:
    """Whether an end event of the scope itself completed."""
    return any(
        t.state == TaskState.COMPLETED and type(t.task_spec).__name__ == "EndEvent"
        for t in scope.tasks.values()
    )


def _lineage(task: Task) -> set[Any]:
    """The task, its ancestors and its descendants: what an interrupt must keep."""
    keep = {task.id}
    node = task.parent
    while node is not None:
        keep.add(node.id)
        node = node.parent
    stack = list(task.children)
    while stack:
        child = stack.pop()
        keep.add(child.id)
        stack.extend(child.children)
    return keep


def apply_interrupts(top: Any) -> bool:
    """Cancel what fired interrupting event sub-processes interrupt; True if any."""
    applied = False
    for sub in list(top.subprocesses.values()):
        if sub.parent_task_id is None:
            continue
        esp_task = top.get_task_from_id(sub.parent_task_id)
        if esp_task is not None and esp_task._get_internal_data(_DONE_FLAG):
            applied = _close_scope(esp_task) or applied
            continue
        if (
            esp_task is None
            or esp_task.state == TaskState.CANCELLED
            or interrupting_start(sub) is None
        ):
            continue
        esp_task._set_internal_data(**{_DONE_FLAG: True})
        _interrupt(esp_task)
        applied = True
    return applied


def _close_scope(esp_task: Task) -> bool:
    """End the interrupted scope when its event sub-process has ended.

    SpiffWorkflow joins the event sub-process's branch into the scope's end join of
    the cancelled main flow, so the scope would never signal its completion and the
    activity around it would wait forever.
    """
    outer = esp_task.workflow
    if (
        esp_task.state != TaskState.COMPLETED
        or esp_task._get_internal_data(_CLOSED_FLAG)
        or any(t.state & TaskState.NOT_FINISHED_MASK for t in outer.tasks.values())
    ):
        return False
    esp_task._set_internal_data(**{_CLOSED_FLAG: True})
    sub = outer.top_workflow.subprocesses.get(esp_task.id)
    if sub is not None:
        outer.data.update(sub.data)
    outer._mark_complete(esp_task)
    outer.completed_event(outer)  # the activity around a sub-process moves on
    return True


def _interrupt(esp_task: Task) -> None:
    outer = esp_task.workflow
    keep = _lineage(esp_task)
    for task in list(outer.tasks.values()):
        if task.id in keep or task.state & TaskState.FINISHED_MASK:
            continue
        parent = task.parent
        if (
            parent is not None
            and parent.id not in keep
            and not parent.state & TaskState.FINISHED_MASK
        ):
            continue  # cancelled with its parent
        task.cancel()
    # The joins that wait for every branch of the scope (its EndJoin) may go now.
    for task in list(outer.tasks.values()):
        if task.state == TaskState.WAITING:
            task.task_spec._update(task)


class PkipEventManager(EventManager):  # type: ignore[misc]
    """SpiffWorkflow's event routing inside one instance, with event sub-processes of
    sub-processes started too.

    SpiffWorkflow 3.2 starts event sub-processes by a message, signal, error or
    escalation only at the top level. Here an error or escalation looks for a handler
    from the scope that threw it outwards (BPMN 2.0, 10.5.5): a catching boundary or
    intermediate event in that scope, else an event sub-process of that scope, then
    the enclosing scope. A message or a signal also starts the matching event
    sub-processes of every running sub-process.

    ``bpmn_events`` keeps what must leave the instance: messages nobody here waits
    for, every signal (signals are broadcast to the other instances too), and errors
    and escalations that found no handler (engine/signals.py routes or records them).
    """

    running: Task | None = None
    nested_started = 0
    """The task the engine is running (set by PkipWorkflow around ``task.run()``)."""

    def catch(self, event: BpmnEvent, internal: bool = True) -> int:
        top = self.workflow
        if self.running is not None and not hasattr(event, "pkip_thrower"):
            event.pkip_thrower = self.running.task_spec.bpmn_id  # named in incidents
        if (
            event.target is None
            and self.running is not None
            and isinstance(event.event_definition, CodeEventDefinition)
        ):
            # The spiff parser's error and escalation definitions throw without a
            # scope; the scope is the workflow of the task that threw.
            event.target = self.running.workflow
        if event.target is not None:
            scope = event.target
            while scope is not None:
                caught = self._deliver(event, scope) or self._trigger(event, scope)
                if caught:
                    apply_interrupts(top)
                    return caught
                scope = scope.parent_workflow
            event.target = None
            event.pkip_scoped = True
        self.nested_started = 0
        count: int = super().catch(event, internal) + self.nested_started
        if not internal:
            return count
        triggered = _top_trigger_matches(top, event)
        if isinstance(event.event_definition, SignalEventDefinition):
            if event not in top.bpmn_events:
                top.bpmn_events.append(event)
        elif triggered and event in top.bpmn_events:
            top.bpmn_events.remove(event)
        return count or int(triggered)

    def update_collaboration(self, event: BpmnEvent) -> None:
        super().update_collaboration(event)
        if getattr(event, "pkip_scoped", False):
            return  # an error or escalation: only its own scopes (see catch)
        for sub in list(self.workflow.subprocesses.values()):
            if _running(self.workflow, sub):
                self.nested_started += self._trigger(event, sub, deliver=False)

    def _deliver(self, event: BpmnEvent, scope: Any) -> int:
        tasks = [
            t
            for t in self.tasks.values()
            if t.workflow is scope and t.task_spec.event_definition.catches(t, event)
        ]
        for task in tasks:
            task.task_spec.catch(task, event)
            task.task_spec._update(task)
        return len(tasks)

    def _trigger(self, event: BpmnEvent, scope: Any, deliver: bool = True) -> int:
        """Start the event sub-processes of ``scope`` that ``event`` starts."""
        started = 0
        for name in scope.spec.start.trigger_specs:
            sp_spec = self.workflow.subprocess_specs.get(name)
            if sp_spec is None or not any(
                ts.event_definition == event.event_definition
                for ts in sp_spec.bpmn_start_events
            ):
                continue
            child_id = scope.spec.start.trigger_wf(scope.task_tree, name)
            sub = self.workflow.subprocesses.get(child_id)
            if sub is not None:
                sub.correlations.update(event.correlations or {})
                if deliver:
                    self._deliver(event, sub)
                started += 1
        return started


def _running(top: Any, sub: Any) -> bool:
    if sub.parent_task_id is None:
        return False
    parent = top.get_task_from_id(sub.parent_task_id)
    return parent is not None and not parent.state & TaskState.FINISHED_MASK


def _top_trigger_matches(top: Any, event: BpmnEvent) -> bool:
    for name in top.spec.start.trigger_specs:
        sp_spec = top.subprocess_specs.get(name)
        if sp_spec is not None and any(
            ts.event_definition == event.event_definition
            for ts in sp_spec.bpmn_start_events
        ):
            return True
    return False


def install_event_manager(workflow: Any) -> None:
    """Give a top workflow PKIP's event manager, keeping the tasks it registered."""
    manager = PkipEventManager(workflow)
    manager.tasks.update(workflow.event_manager.tasks)
    workflow.event_manager = manager
