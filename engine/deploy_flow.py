# SPDX-License-Identifier: EUPL-1.2
"""Flow constructs of BPMN 2.0 that the engine cannot run as the standard says.

SpiffWorkflow 3.2 parses some of them and then runs another path without a word: a
multi-instance activity's None/One/Complex behaviour (no event is ever thrown), start
and completion quantities other than 1 (every token starts the activity, one token
leaves). Others it refuses with an English parser message that names no construct
(the complex gateway). What of compensation cannot run is refused by
engine/deploy_compensation.py. Each is
refused here at deploy, naming the element and the reason in Latvian first, English
second, so an analyst never gets a case that ends in the wrong place.

``check_flow`` is called by the structural checks (engine/deploy_checks.py); the
elements it refuses are not reported again by the generic checks or the parser.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.deploy_compensation import check_compensation, handled_ids
from engine.deploy_xml import BPMN_NS, NS, DeployProblem

# Activities: what can carry a loop, quantities and outgoing sequence flows.
ACTIVITIES = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "subProcess",
    "callActivity",
    "transaction",
    "adHocSubProcess",
}

COMPLEX_GATEWAY = (
    "kompleksā vārteja netiek atbalstīta: dzinējs nevar izpildīt tās aktivizācijas"
    " nosacījumu; izmantojiet ekskluzīvo, iekļaujošo vai paralēlo vārteju"
    " / the engine cannot run a complex gateway (bpmn:complexGateway): use an"
    " exclusive, inclusive or parallel gateway"
)
MI_BEHAVIOR = (
    "daudzinstanču darbības uzvedība {behavior} ar notikumu netiek atbalstīta:"
    " notikums netiktu izmests; izmantojiet uzvedību All"
    " / multi-instance behavior {behavior} with an event is not supported: the event"
    " would never be thrown; use behavior All"
)
QUANTITY = (
    "{attr}={value} netiek atbalstīts: dzinējs izpilda darbību ar vienu marķieri;"
    " izmantojiet vārteju / {attr}={value} is not supported: the engine runs an"
    " activity with one token; model it with a gateway"
)

CONDITION_NOT_ALLOWED = (
    "secības plūsmai no {source} nevar būt nosacījuma: dzinējs to neievērotu;"
    " nosacījumus lieciet uz plūsmām no darbības vai ekskluzīvās/iekļaujošās vārtejas"
    " / a sequence flow leaving {source} cannot have a condition: the engine would"
    " ignore it; put conditions on flows leaving an activity or an exclusive or"
    " inclusive gateway"
)
# Where BPMN 2.0 allows a condition on an outgoing flow (§13.2.1): activities, and
# the gateways that choose (a complex gateway is refused on its own).
_CONDITIONS_ALLOWED = ACTIVITIES | {"exclusiveGateway", "inclusiveGateway"}


def check_flow(name: str, root: Any) -> list[DeployProblem]:
    """Every flow construct of one parsed BPMN file the engine would run wrongly."""
    problems: list[DeployProblem] = []
    for container in _containers(root):
        for node in container:
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                continue
            reason = _refusal(container, node)
            if reason:
                problems.append(
                    DeployProblem.bilingual(name, node.get("id", ""), reason)
                )
        problems.extend(_misplaced_conditions(name, container))
    return problems + check_compensation(name, root)


def _misplaced_conditions(name: str, container: Any) -> list[DeployProblem]:
    """Conditional flows out of events and parallel or event-based gateways, which
    SpiffWorkflow follows as if they had no condition."""
    kinds = {
        node.get("id"): etree.QName(node).localname
        for node in container
        if isinstance(node.tag, str) and node.get("id")
    }
    problems = []
    for flow in container.iterfind("bpmn:sequenceFlow", NS):
        source = flow.get("sourceRef", "")
        kind = kinds.get(source)
        if kind is None or kind in _CONDITIONS_ALLOWED or kind == "complexGateway":
            continue
        if flow.find("bpmn:conditionExpression", NS) is not None:
            reason = CONDITION_NOT_ALLOWED.format(source=f"bpmn:{kind} '{source}'")
            problems.append(DeployProblem.bilingual(name, flow.get("id", ""), reason))
    return problems


def refused_ids(problems: list[DeployProblem], root: Any) -> set[str]:
    """The elements other checks need not speak of: refused by ``check_flow`` (it
    said why), or part of compensation (no sequence flows by design)."""
    return {p.element_id for p in problems if p.element_id} | handled_ids(root)


def _containers(root: Any) -> list[Any]:
    found: list[Any] = []
    for proc in root.iterfind(".//bpmn:process", NS):
        found.append(proc)
        found.extend(proc.iterfind(".//bpmn:subProcess", NS))
        found.extend(proc.iterfind(".//bpmn:transaction", NS))
        found.extend(proc.iterfind(".//bpmn:adHocSubProcess", NS))
    return found


def _refusal(container: Any, node: Any) -> str | None:
    kind = etree.QName(node).localname
    if kind == "complexGateway":
        return COMPLEX_GATEWAY
    if kind not in ACTIVITIES:
        return None
    for attr in ("startQuantity", "completionQuantity"):
        value = (node.get(attr) or "1").strip()
        if value != "1":
            return QUANTITY.format(attr=attr, value=value)
    behavior = _mi_behavior_with_event(node)
    if behavior:
        return MI_BEHAVIOR.format(behavior=behavior)
    return None


def _mi_behavior_with_event(node: Any) -> str | None:
    """The behaviour of a multi-instance activity when it would throw an event.

    All (the default) throws none; None and One throw the referenced event, Complex
    the events of its complexBehaviorDefinition. Without a reference nothing is
    thrown, which is what the engine does.
    """
    mi = node.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if mi is None:
        return None
    behavior = str(mi.get("behavior", "All"))
    if behavior == "None" and mi.get("noneBehaviorEventRef"):
        return behavior
    if behavior == "One" and mi.get("oneBehaviorEventRef"):
        return behavior
    complex_def = mi.find("bpmn:complexBehaviorDefinition", NS)
    if behavior == "Complex" and complex_def is not None:
        return behavior
    return None
