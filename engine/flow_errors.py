# SPDX-License-Identifier: EUPL-1.2
"""What a failed flow step is called in an incident or a ``pkip bpmn run`` error.

SpiffWorkflow reports a gateway where no condition holds in English, and for an
inclusive gateway without naming it ("No conditions satisfied on gateway"). The
standard calls for an exception there (BPMN 2.0 §13.3.2, §13.3.3); the operator who
sees the incident needs to know which gateway, and why, in Latvian first.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.task import Task

from engine.flow_split import ImplicitSplit, no_flow_message

_NO_CONDITION = "No conditions satisfied"
# SpiffWorkflow's WorkflowDataException carries the data item, its message does not.
_DATA_ITEMS = (
    (
        "data_input",
        "trūkst darbības ievaddatu",
        "the activity's data input is missing:",
    ),
    (
        "data_output",
        "trūkst darbības izvaddatu",
        "the activity's data output is missing:",
    ),
)


def failure_element(task: Task | None) -> str | None:
    """The diagram element a failed task stands for (a split: its activity)."""
    if task is None:
        return None
    spec = task.task_spec
    if isinstance(spec, ImplicitSplit):
        return spec.activity_id
    bpmn_id = getattr(spec, "bpmn_id", None)
    return str(bpmn_id) if bpmn_id else None


def failure_message(error: BaseException, task: Task | None) -> str:
    """The error's text; a gateway with no way on says so by name, Latvian first."""
    text = str(error)
    for attr, latvian, english in _DATA_ITEMS:
        item = getattr(error, attr, None)
        if item is not None:
            name = getattr(item, "bpmn_id", item)
            return f"{latvian} '{name}' / {english} '{name}'"
    if task is None or _NO_CONDITION not in text:
        return text
    spec = task.task_spec
    if isinstance(spec, ImplicitSplit):
        return text  # already names its activity
    if isinstance(spec, ExclusiveGateway | InclusiveGateway):
        return no_flow_message(str(spec.bpmn_id))
    return text
