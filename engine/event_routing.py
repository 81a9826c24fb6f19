# SPDX-License-Identifier: EUPL-1.2
"""Events between instances: who waits for a message or a signal, who starts on one.

Shared by the persistent engine (engine/signals.py) and ``pkip bpmn run``
(engine/runner.py), so both route the same way:

- a **message** thrown by an instance and not caught inside it goes to one instance
  that waits for it (a catch event, a receive task, a boundary event, or an event
  sub-process that it starts), else starts a process of the deployment with a message
  start event of that name;
- a **signal** is broadcast: every other instance that waits for it gets it, and every
  process of the deployment with a signal start event of that name starts;
- an **error** that no handler caught ends the instance in error (BPMN 2.0, 10.5.5
  and 13.5.6: an unhandled error is a failure, never a normal end); an escalation
  that nobody catches has no effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

MESSAGE = "message"
SIGNAL = "signal"
SIGNAL_PREFIX = "signal:"
"""Signal waits are stored as message subscriptions named ``signal:<name>``."""


@dataclass(frozen=True)
class Wait:
    """Something an instance waits for: a message or a signal, at an element."""

    kind: str  # MESSAGE or SIGNAL
    name: str
    element_id: str
    event_definition: Any
    task: Any  # the waiting task, or None for an event sub-process not yet started


def kind_of(event_definition: Any) -> str | None:
    if isinstance(event_definition, MessageEventDefinition):
        return MESSAGE
    if isinstance(event_definition, SignalEventDefinition):
        return SIGNAL
    return None


def _running(top: Any, sub: Any) -> bool:
    if sub.parent_task_id is None:
        return False
    parent = top.get_task_from_id(sub.parent_task_id)
    return parent is not None and not parent.state & TaskState.FINISHED_MASK


def waits(top: Any) -> Iterator[Wait]:
    """Every message and signal ``top`` (a top workflow) waits for now."""
    for task in list(top.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        for event_def in _definitions(task.task_spec):
            kind = kind_of(event_def)
            if kind:
                element = task.task_spec.bpmn_id
                yield Wait(kind, event_def.name, element, event_def, task)
    if top.is_completed():
        return
    scopes = [top] + [s for s in top.subprocesses.values() if _running(top, s)]
    for scope in scopes:
        for name in scope.spec.start.trigger_specs:
            sp_spec = top.subprocess_specs.get(name)
            for start in getattr(sp_spec, "bpmn_start_events", []):
                kind = kind_of(start.event_definition)
                if kind:
                    yield Wait(
                        kind,
                        start.event_definition.name,
                        start.bpmn_id,
                        start.event_definition,
                        None,
                    )


def _definitions(spec: Any) -> list[Any]:
    """A task spec's event definitions; an event-based gateway holds several."""
    event_def = getattr(spec, "event_definition", None)
    if isinstance(event_def, MultipleEventDefinition):
        return list(event_def.event_definitions)
    return [event_def] if event_def is not None else []


def timer_due(task: Any) -> datetime | None:
    """When a waiting timer (or an event-based gateway's timer) falls due."""
    if not any(
        isinstance(d, TimerEventDefinition) for d in _definitions(task.task_spec)
    ):
        return None
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)  # type: ignore[no-any-return]
    except ValueError:
        return None


def accepts(top: Any, event: BpmnEvent) -> bool:
    """Whether delivering ``event`` to ``top`` would be caught by something."""
    kind = kind_of(event.event_definition)
    for wait in waits(top):
        if wait.kind != kind or wait.name != event.event_definition.name:
            continue
        if wait.task is None or wait.event_definition.catches(wait.task, event):
            return True
    return False


def start_event_for(spec: Any, kind: str, name: str) -> Any | None:
    """The event definition of ``spec``'s start event for that message or signal."""
    for start in getattr(spec, "bpmn_start_events", []):
        if (
            kind_of(start.event_definition) == kind
            and start.event_definition.name == name
        ):
            return start.event_definition
    return None


def is_starter(spec: Any) -> bool:
    """Whether a process starts by itself (a none or timer start event)."""
    return any(
        kind_of(start.event_definition) is None
        for start in getattr(spec, "bpmn_start_events", [])
    )


def uncaught_errors(events: list[BpmnEvent]) -> list[BpmnEvent]:
    return [e for e in events if isinstance(e.event_definition, ErrorEventDefinition)]


def error_text(event: BpmnEvent) -> str:
    """An uncaught error for people: Latvian, then English."""
    code = getattr(event.event_definition, "code", None) or ""
    name = getattr(event.event_definition, "name", None) or ""
    label = " ".join(x for x in (name, f"({code})" if code else "") if x) or "?"
    return (
        f"process beidzās ar kļūdu {label}, ko neviens neuztvēra"
        f" / the process ended with the uncaught error {label}"
    )
