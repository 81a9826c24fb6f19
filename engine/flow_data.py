# SPDX-License-Identifier: EUPL-1.2
"""Data inputs and outputs: a process's, checked when a case starts; an activity's,
scoping what it sees without losing the rest of the case (:class:`CaseDataIo`).

BPMN 2.0 §10.4.3: the dataInputs of a process's ioSpecification are what it needs to
start. SpiffWorkflow 3.2 checks them only for a called process; a top-level process
without them starts anyway and fails later, in whatever script first reads the
missing value (a ``NameError`` an operator has to interpret). PKIP refuses the start
instead, naming each missing input.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from core.contracts import FieldError, FormValidationError


def missing_inputs(spec: BpmnProcessSpec, data: Mapping[str, Any]) -> list[FieldError]:
    """A field error for each declared data input of the process absent in ``data``."""
    io_spec = getattr(spec, "io_specification", None)
    if io_spec is None:
        return []
    return [
        FieldError(
            path=str(item.bpmn_id),
            message=f"trūkst procesa ievaddatu '{item.bpmn_id}'",
            message_en=f"the process data input '{item.bpmn_id}' is missing",
            code="required",
        )
        for item in io_spec.data_inputs
        if item.bpmn_id not in data
    ]


def check_inputs(spec: BpmnProcessSpec, data: Mapping[str, Any]) -> None:
    """Raise ``FormValidationError`` naming every missing data input."""
    errors = missing_inputs(spec, data)
    if errors:
        raise FormValidationError(str(spec.name), errors)


class CaseDataIo:
    """An activity's ioSpecification scopes what it sees, not what the case keeps.

    BPMN 2.0 §10.4: an activity's data inputs are what it reads and its data outputs
    what it hands back; the rest of the process's data stays where it is. Since in
    SpiffWorkflow the case data travels with the task, SpiffWorkflow 3.2 narrows the
    data to the inputs before the activity runs and to the outputs when it completes
    — and every later step has lost the rest of the case. Mixed in front of an
    activity's task spec, this gives the next steps the case's data as the activity
    found it, with the declared outputs added (nothing else the activity wrote).
    """

    io_specification: Any

    def _on_complete_hook(self, my_task: Any) -> None:
        io_spec = self.io_specification
        scoped = io_spec is not None and bool(
            io_spec.data_inputs or io_spec.data_outputs
        )
        case = my_task.parent.data if scoped and my_task.parent is not None else None
        outputs = (
            {var.bpmn_id for var in io_spec.data_outputs} if case is not None else set()
        )
        super()._on_complete_hook(my_task)  # type: ignore[misc]
        if case is not None:
            kept = {k: v for k, v in my_task.data.items() if k in outputs}
            my_task.data = {**copy.deepcopy(case), **kept}
