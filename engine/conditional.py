# SPDX-License-Identifier: EUPL-1.2
"""Conditional intermediate catch events that see the process's current data.

BPMN 2.0 (10.5.6): a conditional event fires when its condition becomes true. In
SpiffWorkflow 3.2 a waiting conditional event evaluates its condition against the
data it arrived with, which nothing changes while it waits: a condition made true by
a parallel branch is never seen, and the event waits forever (checked with the
library alone). ``refresh_conditions`` (called by the workflow on every engine pass)
gives each waiting conditional catch event the data of the latest task finished in
its process or sub-process, then lets it check its condition again.

Conditional start events of event sub-processes and conditional boundary events are
refused at deploy (engine/deploy_checks.py): their data would be the snapshot of
another scope, so they could not fire reliably.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import (
    ConditionalEventDefinition,
)
from SpiffWorkflow.util.task import TaskState


def refresh_conditions(top: Any) -> bool:
    """Re-check waiting conditional events against current data; True if any fired."""
    fired = False
    for task in list(top.all_tasks()):
        event_def = getattr(task.task_spec, "event_definition", None)
        if task.state != TaskState.WAITING or not isinstance(
            event_def, ConditionalEventDefinition
        ):
            continue
        # (the waiting task's own timestamp moves each time it is re-checked, so
        # the newest finished task is taken, whatever its branch)
        done = [
            t for t in task.workflow.tasks.values() if t.state == TaskState.COMPLETED
        ]
        if not done:
            continue
        latest = max(done, key=lambda t: t.last_state_change)
        data = {**task.data, **latest.data}
        # SpiffWorkflow's own re-check inherits the data it arrived with again, so
        # the condition is evaluated here, with the script engine's sandbox.
        scripts = top.script_engine
        if scripts.environment.evaluate(event_def.expression, data):
            task.set_data(**latest.data)
            task._set_internal_data(has_fired=True)
            task._set_state(TaskState.READY)
            fired = True
    return fired
