# SPDX-License-Identifier: EUPL-1.2
"""Which compensation a diagram may use (engine/flow_compensation.py runs it).

Compensation within one process or sub-process level runs as the standard says; the
rest is refused here by element, in Latvian first. ``handled_ids`` are the elements
of supported compensation, which the generic checks would otherwise call dead ends
(a boundary event and a handler have no sequence flows by design).
"""

from __future__ import annotations

from typing import Any

from engine.deploy_xml import BPMN_NS, NS, DeployProblem
from engine.flow_compensation import Scope, scopes

_B = f"{{{BPMN_NS}}}"
ONE_THROW = (
    "vienā procesa līmenī atbalstīts tikai viens kompensācijas notikums, kas to izmet"
    " / only one compensation throw event per process level is supported"
)
DEEPER = (
    "kompensācija, kas ietvertu apakšprocesa iekšējos apstrādātājus, netiek atbalstīta"
    " / compensating the handlers inside a sub-process is not supported"
)
NO_HANDLER = (
    "kompensācijas robežnotikumam nav apstrādātāja (asociācijas uz darbību ar"
    " isForCompensation) / the compensation boundary event has no handler (an"
    " association to an activity with isForCompensation)"
)
LOOP = (
    "cikla vai daudzinstanču darbības kompensācija netiek atbalstīta"
    " / compensating a loop or multi-instance activity is not supported"
)
HANDLER_FLOW = (
    "kompensācijas apstrādātājam nevar būt secības plūsmu"
    " / a compensation handler cannot have sequence flows"
)
EVENT_SUBPROCESS = (
    "kompensācijas notikumu apakšprocess un kompensācijas izmešana notikumu"
    " apakšprocesā netiek atbalstīti / compensation event sub-processes and throwing"
    " compensation in an event sub-process are not supported"
)
UNKNOWN_REF = (
    "activityRef '{ref}' nenorāda šī līmeņa darbību ar kompensācijas apstrādātāju"
    " / activityRef '{ref}' names no activity of this level with a compensation"
    " handler"
)
CATCH = (
    "kompensāciju var tikai izmest vai noķert robežnotikumā"
    " / compensation can only be thrown, or caught by a boundary event"
)


def check_compensation(name: str, root: Any) -> list[DeployProblem]:
    """Every use of compensation in one file that the engine cannot run."""
    problems: list[DeployProblem] = []
    for definition in root.iterfind(".//bpmn:compensateEventDefinition", NS):
        event = definition.getparent()
        if event.tag in (f"{_B}startEvent", f"{_B}intermediateCatchEvent"):
            reason = EVENT_SUBPROCESS if event.tag == f"{_B}startEvent" else CATCH
            problems.append(DeployProblem.bilingual(name, event.get("id", ""), reason))
    for scope in scopes(root):
        problems.extend(_check_scope(name, scope))
    for handler in root.iterfind(".//*[@isForCompensation='true']", NS):
        handler_id = handler.get("id", "")
        container = handler.getparent()
        flows = container.xpath(
            "bpmn:sequenceFlow[@sourceRef=$id or @targetRef=$id]",
            namespaces=NS,
            id=handler_id,
        )
        if flows:
            problems.append(DeployProblem.bilingual(name, handler_id, HANDLER_FLOW))
    return problems


def _check_scope(name: str, scope: Scope) -> list[DeployProblem]:
    problems = []
    by_id = {n.get("id"): n for n in scope.container if n.get("id")}
    for boundary in scope.boundaries:
        activity = by_id.get(boundary.get("attachedToRef"))
        if boundary.get("attachedToRef") not in scope.handlers:
            problems.append(
                DeployProblem.bilingual(name, boundary.get("id", ""), NO_HANDLER)
            )
        elif activity is not None and _loops(activity):
            problems.append(DeployProblem.bilingual(name, boundary.get("id", ""), LOOP))
    in_event_subprocess = scope.container.get("triggeredByEvent") == "true"
    deeper = any(
        s is not scope and _inside(s.container, scope.container) and s.boundaries
        for s in scopes(scope.container.getroottree().getroot())
    )
    for throw in scope.throws:
        ref = throw.find("bpmn:compensateEventDefinition", NS).get("activityRef")
        reason = None
        if in_event_subprocess:
            reason = EVENT_SUBPROCESS
        elif len(scope.throws) > 1:
            reason = ONE_THROW
        elif deeper:
            reason = DEEPER
        elif ref and ref not in scope.handlers:
            reason = UNKNOWN_REF.format(ref=ref)
        if reason:
            problems.append(DeployProblem.bilingual(name, throw.get("id", ""), reason))
    return problems


def _loops(activity: Any) -> bool:
    return any(
        activity.find(f"bpmn:{kind}", NS) is not None
        for kind in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics")
    )


def _inside(node: Any, container: Any) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent is container:
            return True
        parent = parent.getparent()
    return False


def handled_ids(root: Any) -> set[str]:
    """Boundary events, throw events and handlers of compensation as drawn."""
    ids: set[str] = set()
    for scope in scopes(root):
        ids.update(n.get("id", "") for n in scope.boundaries + scope.throws)
        ids.update(scope.handlers.values())
    ids.update(
        h.get("id", "") for h in root.iterfind(".//*[@isForCompensation='true']")
    )
    return ids
