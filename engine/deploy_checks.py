# SPDX-License-Identifier: EUPL-1.2
"""The structural checks of a deploy: every problem of a diagram found at once.

Run by ``Deployer.check`` (engine/deploy.py) on each BPMN file after SpiffWorkflow
parsed it: elements the engine cannot run, flow nodes without a way in or out, user
tasks nobody would see, unknown form keys and connector operators, malformed numeric
properties, and every piece of code in the diagram through the restricted checker.
Each check returns a list of ``DeployProblem``; none raises.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from core.contracts import ConnectorRegistry
from engine.bpmn_prepare import is_link_event, link_problems
from engine.deploy_flow import check_flow, refused_ids
from engine.deploy_xml import BPMN_NS, NS, DeployProblem, node_properties
from engine.interfaces import FormCatalogue
from engine.scripting import ScriptRejected, check_code

# Flow nodes the engine runs (SpiffWorkflow's parser classes) and the BPMN elements
# that are not flow nodes; any other element inside a process is refused, because
# SpiffWorkflow would silently skip it.
_RUNNABLE = {etree.QName(tag).localname for tag in SpiffBpmnParser.PARSER_CLASSES} | {
    "businessRuleTask"
}
_NOT_FLOW_NODES = {
    "sequenceFlow",
    "laneSet",
    "lane",
    "flowNodeRef",
    "childLaneSet",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "extensionElements",
    "documentation",
    "ioSpecification",
    "property",
    "group",
    "dataInputAssociation",
    "dataOutputAssociation",
    "incoming",
    "outgoing",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "text",
    "category",
    "categoryValue",
    "conditionExpression",
    "script",
}
_EVENT_DEFINITIONS_RUNNABLE = {
    "timerEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
    "linkEventDefinition",  # joined into a sequence flow (engine/bpmn_prepare.py)
}
# Refused event definitions with the reason an analyst can act on (LV, then EN).
_EVENT_REFUSALS = {
    "conditionalEventDefinition": (
        "nosacījuma notikumu dzinējs atbalsta tikai kā starpposma uztveršanas"
        " notikumu plūsmā: šeit nosacījums netiktu pārbaudīts, kad mainās dati, un"
        " notikums neiestātos",
        "a conditional event runs only as an intermediate catch event: here its"
        " condition would not be re-checked when data changes",
    ),
}
_DEAD_END_OK = {"endEvent"}
_NO_INCOMING_OK = {"startEvent", "boundaryEvent"}


def check_tree(
    name: str, root: Any, *, connectors: ConnectorRegistry, forms: FormCatalogue
) -> list[DeployProblem]:
    """Every problem of one parsed BPMN file (``name`` is its file name)."""
    problems: list[DeployProblem] = []
    for proc in root.iterfind(".//bpmn:process", NS):
        problems.extend(_check_container(name, proc, forms))
        for sub in proc.iterfind(".//bpmn:subProcess", NS):
            problems.extend(_check_container(name, sub, forms))
    problems.extend(_check_expressions(name, root))
    problems.extend(link_problems(name, root))
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        op = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if op is None:
            problems.append(
                DeployProblem(
                    name,
                    task.get("id", ""),
                    "servisa uzdevums nenosauc operatoru"
                    " (spiffworkflow:serviceTaskOperator)",
                    "service task names no operator"
                    " (spiffworkflow:serviceTaskOperator)",
                )
            )
        elif not connectors.has_operator(op.get("id", "")):
            problems.append(
                DeployProblem(
                    name,
                    task.get("id", ""),
                    f"nezināms savienotāja operators '{op.get('id')}'",
                    f"unknown connector operator '{op.get('id')}'",
                )
            )
    # Flow constructs refused by name (engine/deploy_flow.py) replace what the
    # generic checks say about the same elements.
    flow = check_flow(name, root)
    refused = refused_ids(flow, root)
    return [p for p in problems if p.element_id not in refused] + flow


def _check_container(
    name: str, container: Any, forms: FormCatalogue
) -> list[DeployProblem]:
    problems: list[DeployProblem] = []
    lane_of: dict[str, str] = {}
    for lane in container.iterfind("bpmn:laneSet/bpmn:lane", NS):
        for ref in lane.iterfind(".//bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = lane.get("name") or lane.get("id", "")
    for node in container:
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
            continue
        kind = etree.QName(node).localname
        node_id = node.get("id", "")
        if kind in _NOT_FLOW_NODES:
            continue
        if kind not in _RUNNABLE:
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    f"dzinējs nevar izpildīt bpmn:{kind}",
                    f"the engine cannot run bpmn:{kind}",
                )
            )
            continue
        for child in node:
            if isinstance(child.tag, str) and child.tag.endswith("EventDefinition"):
                ev = etree.QName(child).localname
                # engine/conditional.py: only conditional catch events in the flow
                if (
                    ev == "conditionalEventDefinition"
                    and kind == "intermediateCatchEvent"
                ):
                    continue
                if ev not in _EVENT_DEFINITIONS_RUNNABLE:
                    lv, en = _EVENT_REFUSALS.get(
                        ev,
                        (
                            f"dzinējs nevar izpildīt bpmn:{ev}",
                            f"the engine cannot run bpmn:{ev}",
                        ),
                    )
                    problems.append(DeployProblem(name, node_id, lv, en))
        is_event_sub = kind == "subProcess" and node.get("triggeredByEvent") == "true"
        # a link pair is one flow drawn in two pieces: the throw has no way out, the
        # catch no way in (paired or refused by link_problems)
        link = is_link_event(node)
        no_out_ok = is_event_sub or (link and kind == "intermediateThrowEvent")
        no_in_ok = is_event_sub or (link and kind == "intermediateCatchEvent")
        outgoing = container.xpath(
            f"bpmn:sequenceFlow[@sourceRef='{node_id}']", namespaces=NS
        )
        incoming = container.xpath(
            f"bpmn:sequenceFlow[@targetRef='{node_id}']", namespaces=NS
        )
        if not outgoing and kind not in _DEAD_END_OK and not no_out_ok:
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    "elementam nav izejošas plūsmas (process šeit klusi beigtos)",
                    "flow node has no outgoing sequence flow"
                    " (the process would silently end here)",
                )
            )
        if not incoming and kind not in _NO_INCOMING_OK and not no_in_ok:
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    "elementam nav ienākošas plūsmas (tas nekad neizpildīsies)",
                    "flow node has no incoming sequence flow (it can never run)",
                )
            )
        if kind == "userTask":
            props = node_properties(node)
            if node_id not in lane_of and not props.get("candidateGroup"):
                problems.append(
                    DeployProblem(
                        name,
                        node_id,
                        "lietotāja uzdevums nav nevienā joslā un tam nav"
                        " īpašības candidateGroup: neviens to neredzētu",
                        "user task is in no lane and has no candidateGroup"
                        " property: nobody would see it",
                    )
                )
            form_key = props.get("formKey")
            if form_key and not forms.has(form_key):
                problems.append(
                    DeployProblem(
                        name,
                        node_id,
                        f"nezināma formas atslēga '{form_key}'",
                        f"unknown form key '{form_key}'",
                    )
                )
            problems.extend(_check_numeric_props(name, node_id, props))
    return problems


def _check_numeric_props(
    name: str, node_id: str, props: dict[str, str]
) -> list[DeployProblem]:
    problems = []
    for prop in ("dueWorkingDays", "dueCalendarDays", "priority", "targetWorkingDays"):
        value = props.get(prop)
        if value is None:
            continue
        if not value.strip().isdigit():
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    f"īpašībai {prop} jābūt veselam skaitlim, ne '{value}'",
                    f"property {prop} must be a whole number, got '{value}'",
                )
            )
        elif prop == "priority" and int(value) > 100:
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    "īpašībai priority jābūt no 0 līdz 100",
                    "property priority must be 0..100",
                )
            )
    if "dueWorkingDays" in props and "dueCalendarDays" in props:
        problems.append(
            DeployProblem(
                name,
                node_id,
                "norādiet dueWorkingDays vai dueCalendarDays, ne abus",
                "give dueWorkingDays or dueCalendarDays, not both",
            )
        )
    return problems


# Where diagrams carry code: (XPath, compile mode). Each is checked by the same
# restricted checker that guards it at run time, so a refused construct is a deploy
# error with the element id instead of an incident weeks later.
_CODE_PLACES = (
    (".//bpmn:conditionExpression", "eval"),
    (".//bpmn:scriptTask/bpmn:script", "exec"),
    (".//spiffworkflow:preScript", "exec"),
    (".//spiffworkflow:postScript", "exec"),
    (".//bpmn:timeDuration", "eval"),
    (".//bpmn:timeDate", "eval"),
    (".//bpmn:timeCycle", "eval"),
    (".//bpmn:messagePath", "eval"),
    (".//bpmn:completionCondition", "eval"),
    (".//bpmn:loopCondition", "eval"),
    (".//bpmn:loopCardinality", "eval"),
    (".//spiffworkflow:messagePayload", "eval"),
)


def _owner_id(node: Any) -> str:
    while node is not None:
        if node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return ""


def _check_expressions(name: str, root: Any) -> list[DeployProblem]:
    problems = []
    found: list[tuple[Any, str, str]] = []
    for xpath, mode in _CODE_PLACES:
        for node in root.iterfind(xpath, NS):
            found.append((node, node.text or "", mode))
    for param in root.iterfind(".//spiffworkflow:parameter", NS):
        if param.get("value") is not None:
            found.append((param, param.get("value", ""), "eval"))
    for node, code, mode in found:
        if not code.strip():
            if mode == "eval":
                problems.append(
                    DeployProblem(
                        name, _owner_id(node), "tukša izteiksme", "empty expression"
                    )
                )
            continue
        try:
            check_code(code.strip() if mode == "eval" else code, mode)
        except ScriptRejected as exc:
            problems.append(
                DeployProblem(
                    name,
                    _owner_id(node),
                    f"skripts atteikts: {exc}",
                    f"script refused: {exc}",
                )
            )
        except SyntaxError as exc:
            problems.append(
                DeployProblem(
                    name,
                    _owner_id(node),
                    f"sintakses kļūda: {exc.msg}",
                    f"syntax error: {exc.msg}",
                )
            )
    return problems
