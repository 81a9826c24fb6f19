# SPDX-License-Identifier: EUPL-1.2
"""What a deployed definition keeps besides its specs: its files and its ``meta``.

Used by ``Deployer`` (engine/deploy.py) when it stores a process: ``resources_for``
picks the files the process needs (its own, its called processes', the DMN files it
calls), ``definition_meta`` reads once what pages and the runtime need (task
properties, lanes, message starts, operators, what the definition provides) so
nothing parses the XML again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.deploy_xml import NS, Bundle, node_properties

TASK_PROPERTIES = (
    "formKey",
    "dueWorkingDays",
    "dueCalendarDays",
    "priority",
    "candidateGroup",
    # case accounting (domain/accounting, docs/cases.md): the status the case
    # reaches when the element has run; "false" on a message wait that is not the
    # client's turn
    "caseStatus",
    "clientTurn",
)


def resources_for(
    key: str,
    subs: dict[str, BpmnProcessSpec],
    file_name: str,
    bundle: Bundle,
    parser: SpiffBpmnParser,
) -> dict[str, str]:
    """The files this process needs: its own, its called processes', the DMN files."""
    needed = {file_name}
    for sub_key in subs:
        sub_parser = parser.get_process_parser(sub_key)
        if sub_parser is not None and sub_parser.filename:
            needed.add(Path(sub_parser.filename).name)
    decisions = set()
    for fname in list(needed):
        tree = bundle.trees.get(fname)
        if tree is not None:
            decisions |= {
                (d.text or "").strip()
                for d in tree.iterfind(".//spiffworkflow:calledDecisionId", NS)
            }
    for fname in bundle.dmn:
        ids = {
            d.get("id")
            for d in bundle.trees[fname].iter()
            if isinstance(d.tag, str) and etree.QName(d).localname == "decision"
        }
        if ids & decisions:
            needed.add(fname)
    files = bundle.all_files()
    return {fname: files[fname] for fname in sorted(needed)}


def definition_meta(
    key: str,
    spec: BpmnProcessSpec,
    subs: dict[str, BpmnProcessSpec],
    root: Any,
    trees: list[Any],
) -> dict[str, Any]:
    """What pages and the runtime need without parsing the XML again.

    ``root`` is the process's own file, ``trees`` every BPMN file it uses (called
    processes included), read for the flow nodes' properties.
    """
    proc = root.find(f".//bpmn:process[@id='{key}']", NS)
    process_props = node_properties(proc) if proc is not None else {}
    xml_props = {
        node.get("id"): node_properties(node)
        for tree in trees
        for node in tree.iter()
        if isinstance(node.tag, str) and node.get("id")
    }
    tasks: dict[str, dict[str, Any]] = {}
    message_starts: list[str] = []
    operators: set[str] = set()
    for task_spec in _all_task_specs(spec, subs):
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        kind = type(task_spec).__name__
        entry: dict[str, Any] = {"name": task_spec.bpmn_name or bpmn_id, "type": kind}
        if getattr(task_spec, "lane", None):
            entry["lane"] = task_spec.lane
        props = xml_props.get(bpmn_id, {})
        entry.update({k: v for k, v in props.items() if k in TASK_PROPERTIES})
        op = getattr(task_spec, "operation_name", None)
        if op:
            operators.add(op)
            entry["operator"] = op
        tasks[bpmn_id] = entry
        event_def: Any = getattr(task_spec, "event_definition", None)
        if (
            kind == "StartEvent"
            and task_spec in spec.task_specs.values()
            and type(event_def).__name__ == "MessageEventDefinition"
        ):
            message_starts.append(event_def.name)
    return {
        "name": spec.description or key,
        "process": process_props,
        "tasks": tasks,
        "message_starts": sorted(set(message_starts)),
        "operators": sorted(operators),
        "provides": sorted({key, *subs.keys()} | _decision_ids(root)),
    }


def _decision_ids(root: Any) -> set[str]:
    return {
        (d.text or "").strip()
        for d in root.iterfind(".//spiffworkflow:calledDecisionId", NS)
    }


def _all_task_specs(
    spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec]
) -> list[Any]:
    specs = list(spec.task_specs.values())
    for sub in subs.values():
        specs.extend(sub.task_specs.values())
    return specs
