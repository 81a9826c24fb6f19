# SPDX-License-Identifier: EUPL-1.2
"""Event sub-processes work on the data of the process that holds them.

BPMN 2.0 (10.3.5): an event sub-process runs in the context of its parent; it has no
data mapping of its own, so it sees the parent's data as it is when its start event
fires and what it changes is the parent's data. SpiffWorkflow 3.2 copies the data in
once, when the event sub-process is created (for a timer one, when its scope starts),
and its changes end in a branch of its own that the parent's running flow never
reads. Checked with the library alone: a handler that reads a value the process set
before the event fails with ``NameError``, and a later step of a non-interrupting
parent does not see what the handler set.

``sync_event_data`` (called by the workflow on every engine pass) closes both gaps:

- **in**: when a start event of an event sub-process fires, the tasks it leads to get
  the parent's current data; what the event brought (a message payload) stays;
- **out**: when an end event of an event sub-process completes, what the handler
  changed or added is written to the parent's running tasks (and the sub-processes
  running inside it), so the parent's later steps and its end data carry it;
- **between handlers**: handlers that overlap (a timer cycle firing again while the
  last reminder still waits) share the context too. What an ended handler changed
  reaches every handler still running for each key that one has not changed itself;
  a list both appended to keeps both appends (the ended one's first); any other key
  both changed keeps, in the parent, the value of the handler that ends last.
  Changes are measured against each firing's own baseline, and a handler gets deep
  copies (a script may change a list in place), so one firing never resets another's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_prepare import EVENT_SUBPROCESS_PROPERTY

_IN_FLAG = "pkip_esp_data_in"
_OUT_FLAG = "pkip_esp_data_out"
# What one firing's branch was given: the baseline its changes are measured against.
# Kept per branch (a timer cycle's firings share their start task and its parent)
# and deep-copied (a script may change a list in place).
_BASE = "pkip_esp_base"
_SPEC_MARK = "_pkip_event_subprocess"
# A task the flow has reached (not one only predicted: MAYBE, LIKELY, FUTURE).
_REACHED = (
    TaskState.WAITING
    | TaskState.READY
    | TaskState.STARTED
    | TaskState.COMPLETED
    | TaskState.ERROR
)
_FRONTIER = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_MISSING = object()


def _is_esp_start(task: Task) -> bool:
    spec = task.task_spec
    if not isinstance(spec, StartEvent):
        return False
    props = (getattr(spec, "extensions", None) or {}).get("properties", {})
    return isinstance(props, dict) and props.get(EVENT_SUBPROCESS_PROPERTY) == "true"


def is_event_subprocess(sub: Any) -> bool:
    """Whether a sub-workflow is an event sub-process (the spiff parser makes it a
    plain sub-process task: its marked start events tell). Remembered on the spec,
    which is shared and never changes: this runs several times per engine pass."""
    spec = sub.spec
    known = spec.__dict__.get(_SPEC_MARK)
    if known is None:
        known = any(
            isinstance(ts, StartEvent)
            and (getattr(ts, "extensions", None) or {})
            .get("properties", {})
            .get(EVENT_SUBPROCESS_PROPERTY)
            == "true"
            for ts in spec.task_specs.values()
        )
        setattr(spec, _SPEC_MARK, known)
    return bool(known)


def sync_event_data(top: Any) -> None:
    """Data in for event sub-processes that just started, out for those that ended."""
    for sub in list(top.subprocesses.values()):
        if sub.parent_task_id is None:
            continue
        esp_task = top.get_task_from_id(sub.parent_task_id)
        if esp_task is None or not is_event_subprocess(sub):
            continue
        for task in list(sub.tasks.values()):
            if _is_esp_start(task):
                for child in task.children:
                    if child.state & _REACHED:
                        take_parent_data(top, child)
            elif (
                task.state == TaskState.COMPLETED
                and isinstance(task.task_spec, EndEvent)
                and not task._get_internal_data(_OUT_FLAG)
            ):
                first = _start_of(task)
                if first is not None:
                    _data_out(top, sub, esp_task, task, first)


def take_parent_data(top: Any, first: Task) -> None:
    """Give the branch ``first`` begins the parent's current data, once, if
    ``first`` follows an event sub-process start event (the workflow calls it
    before running a task: a start event and its successor may run in one go)."""
    start = first.parent
    if start is None or not _is_esp_start(start) or first._get_internal_data(_IN_FLAG):
        return
    first._set_internal_data(**{_IN_FLAG: True})
    sub = first.workflow
    esp_task = top.get_task_from_id(sub.parent_task_id)
    if esp_task is None:
        return
    current = parent_data(top, esp_task.workflow, exclude=sub)
    # What the event sub-process was given before: values still equal to it are
    # stale copies; anything else (the event's payload) is its own. A timer cycle
    # fires the same start event again: each firing's branch is given the data anew.
    holder = start.parent if start.parent is not None else start
    stale = dict(holder.data)
    holder.data = dict(current)  # the baseline of instances started before _BASE
    first._set_internal_data(**{_BASE: copy.deepcopy(current)})
    for task in [start, *_unfinished_below(first)]:
        own = {k: v for k, v in task.data.items() if stale.get(k, _MISSING) != v}
        task.data = {**copy.deepcopy(current), **own}


def _unfinished_below(first: Task) -> list[Task]:
    found, stack = [], [first]
    while stack:
        task = stack.pop()
        if task.state & TaskState.NOT_FINISHED_MASK:
            found.append(task)
        stack.extend(task.children)
    return found


def _start_of(end: Task) -> Task | None:
    """The first task of the firing's branch that led to ``end`` (its parent is the
    event sub-process start event)."""
    node = end
    while node.parent is not None:
        if _is_esp_start(node.parent):
            return node
        node = node.parent
    return None


def _baseline(first: Task) -> dict[str, Any]:
    base = first._get_internal_data(_BASE)
    if isinstance(base, dict):
        return base
    start = first.parent
    return dict((start.parent if start.parent is not None else start).data)


def _data_out(top: Any, sub: Any, esp_task: Task, end: Task, first: Task) -> None:
    end._set_internal_data(**{_OUT_FLAG: True})
    base = _baseline(first)
    first.internal_data.pop(_BASE, None)  # the branch has ended: not stored further
    changed = {k: v for k, v in end.data.items() if base.get(k, _MISSING) != v}
    if not changed:
        return
    outer = esp_task.workflow
    _to_running_handlers(top, outer, changed)
    for task in _frontier(top, outer, exclude=sub):
        task.data.update(changed)
        if task.state == TaskState.WAITING and task.parent is not None:
            # A waiting task takes its data from its parent again on every check
            # (the parent's values win): the parent must carry the change too.
            task.parent.data.update(changed)
    if outer is not top or top.data:
        outer.data.update(changed)  # a scope that already ended keeps it too


def parent_data(top: Any, scope: Any, exclude: Any) -> dict[str, Any]:
    """The data of ``scope`` as it stands now: its running tasks' data merged in the
    order they got there, else the data of its last completed task."""
    tasks = sorted(_frontier(top, scope, exclude), key=lambda t: t.last_state_change)
    if not tasks:
        done = [t for t in scope.tasks.values() if t.state == TaskState.COMPLETED]
        tasks = [max(done, key=lambda t: t.last_state_change)] if done else []
    merged: dict[str, Any] = {}
    for task in tasks:
        merged.update(task.data)
    return merged


def _frontier(top: Any, scope: Any, exclude: Any) -> Iterator[Task]:
    """The running tasks of ``scope`` and of the sub-processes running inside it
    (not event sub-processes, nor inside a call activity that maps its data)."""
    for task in scope.tasks.values():
        if not task.state & _FRONTIER:
            continue
        child = top.subprocesses.get(task.id)
        if child is not None and (child is exclude or is_event_subprocess(child)):
            continue  # an event sub-process holds only copies of the data
        yield task
        if child is not None and not child.completed and not _maps_data(child):
            yield from _frontier(top, child, exclude)


def _maps_data(sub: Any) -> bool:
    io = getattr(sub.spec, "io_specification", None)
    return io is not None and bool(io.data_inputs or io.data_outputs)


def _to_running_handlers(top: Any, outer: Any, changed: dict[str, Any]) -> None:
    """Overlapping handlers share the context too: a handler still running (a timer
    cycle fired again before the last reminder finished) sees what an ended one
    changed, for every key it has not changed itself; a key it did change keeps its
    own value, which it writes when it ends (the handler that ends last wins)."""
    for sub in list(top.subprocesses.values()):
        esp_task = top.get_task_from_id(sub.parent_task_id)
        if esp_task is None or esp_task.workflow is not outer or sub.completed:
            continue
        if not is_event_subprocess(sub):
            continue
        for start in sub.tasks.values():
            if not _is_esp_start(start):
                continue
            for first in start.children:
                base = first._get_internal_data(_BASE)
                if isinstance(base, dict):  # fired and not yet ended
                    _into_branch(first, base, changed)


def _into_branch(first: Task, base: dict[str, Any], changed: dict[str, Any]) -> None:
    running = [t for t in _unfinished_below(first) if t.state & _FRONTIER]
    if not running:
        return
    for key, value in changed.items():
        old = base.get(key, _MISSING)
        for task in running:
            mine = task.data.get(key, _MISSING)
            new = value if mine == old else _appended(old, value, mine)
            if new is _MISSING:
                continue  # both set it: the handler's own value stands
            task.data[key] = copy.deepcopy(new)
            if task.state == TaskState.WAITING and task.parent is not None:
                task.parent.data[key] = copy.deepcopy(new)  # see _data_out
        base[key] = copy.deepcopy(value)
    first._set_internal_data(**{_BASE: base})


def _appended(old: Any, theirs: Any, mine: Any) -> Any:
    """Two handlers that both appended to the same list keep both: the ended one's
    list, then what the running one added after the baseline. Any other change of
    a key both made is not merged (``_MISSING``)."""
    lists = all(isinstance(v, list) for v in (old, theirs, mine))
    if lists and theirs[: len(old)] == old and mine[: len(old)] == old:
        return [*theirs, *mine[len(old) :]]
    return _MISSING
