# SPDX-License-Identifier: EUPL-1.2
"""A process's declared data inputs, checked when a case starts.

BPMN 2.0 §10.4.3: the dataInputs of a process's ioSpecification are what it needs to
start. SpiffWorkflow 3.2 checks them only for a called process; a top-level process
without them starts anyway and fails later, in whatever script first reads the
missing value (a ``NameError`` an operator has to interpret). PKIP refuses the start
instead, naming each missing input.
"""

from __future__ import annotations

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
