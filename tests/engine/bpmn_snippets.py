# SPDX-License-Identifier: EUPL-1.2
"""Small BPMN documents built in code for deploy-validation tests."""

from __future__ import annotations

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://pkip.lv/test">\n'
)


def process(pid: str, body: str, *, lanes: str = "") -> bytes:
    lane_set = f"<bpmn:laneSet>{lanes}</bpmn:laneSet>" if lanes else ""
    return (
        HEAD
        + f'<bpmn:process id="{pid}" name="Tests" isExecutable="true">{lane_set}{body}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def linear(
    pid: str, middle: str, middle_id: str = "work", lane: str = "lietvedis"
) -> bytes:
    """start -> middle -> end, the middle element in one lane."""
    lanes = (
        f'<bpmn:lane id="lane1" name="{lane}">'
        f"<bpmn:flowNodeRef>{middle_id}</bpmn:flowNodeRef></bpmn:lane>"
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        f"{middle}"
        '<bpmn:endEvent id="end"/>'
        f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{middle_id}"/>'
        f'<bpmn:sequenceFlow id="f2" sourceRef="{middle_id}" targetRef="end"/>'
    )
    return process(pid, body, lanes=lanes)


def user_task(form_key: str = "decision_draft", extra_props: str = "") -> str:
    return (
        '<bpmn:userTask id="work" name="Darbs"><bpmn:extensionElements>'
        "<spiffworkflow:properties>"
        f'<spiffworkflow:property name="formKey" value="{form_key}"/>{extra_props}'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )


def script_task(script: str) -> str:
    return (
        '<bpmn:scriptTask id="work" name="Skripts">'
        f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
    )


def service_task(operator: str, param_expr: str = "owner") -> str:
    return (
        '<bpmn:serviceTask id="work" name="Serviss"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="result">'
        "<spiffworkflow:parameters>"
        f'<spiffworkflow:parameter id="owner_code" type="str" value="{param_expr}"/>'
        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )
