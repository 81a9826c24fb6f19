# SPDX-License-Identifier: EUPL-1.2
"""What a diagram made in another modeler must change before it can be deployed.

Camunda, Signavio, Bizagi and plain bpmn.io export diagrams that parse but would run
differently here or not at all: descriptive processes (``isExecutable="false"``),
conditions written as prose or in another tool's expression language, gateways whose
branches only carry a label, data stores the engine never reads or writes, user
tasks without a name, and vendor extensions that carry behaviour PKIP would silently
drop (``camunda:class``, listeners, Zeebe job types). ``lint_tree`` finds them all,
element by element, each with its reason in Latvian and in English; ``blocking``
findings stop a deploy (``blocking_problems``, called by ``Deployer.check``), the
others are warnings for the draft page (extensions we only ignore, untyped tasks).

The checks read the XML only, so they report even when SpiffWorkflow cannot parse
the file, and they never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.deploy_findings import Finding, finding
from engine.deploy_vendor import vendor_findings
from engine.deploy_xml import BPMN_NS, NS, DeployProblem

__all__ = ["Finding", "blocking_problems", "has_diagram", "lint_tree"]

_BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
_GATEWAYS_WITH_CONDITIONS = {"exclusiveGateway", "inclusiveGateway"}
# Another tool's expression language: JUEL/Camunda 7 (${…}, #{…}), FEEL/Zeebe (=…).
_VENDOR_EXPRESSION = re.compile(r"^\s*(\$\{|#\{|=)")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True)
class _Flow:
    node: Any
    source: str
    condition: str | None


def lint_tree(name: str, root: Any) -> list[Finding]:
    """Every finding of one parsed BPMN file, blocking ones first, in file order."""
    del name  # kept for symmetry with check_tree; findings carry no file
    findings: list[Finding] = []
    findings.extend(_executable_findings(root))
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node)
        if qname.namespace != BPMN_NS:
            continue
        kind = qname.localname
        if kind == "userTask" and not (node.get("name") or "").strip():
            findings.append(
                finding(
                    node,
                    "unnamed_user_task",
                    "lietotāja uzdevumam nav nosaukuma: darbinieks sarakstā"
                    " neredzētu, kas jādara; ierakstiet nosaukumu",
                    "user task has no name: staff would not see what to do;"
                    " give it a name",
                )
            )
        elif kind in ("dataStoreReference", "dataStore"):
            findings.append(
                finding(
                    node,
                    "data_store",
                    "datu krātuve: dzinējs tajā neko neglabā un no tās nelasa;"
                    " izdzēsiet to vai aizstājiet ar servisa uzdevumu",
                    "data store: the engine neither stores nor reads anything"
                    " there; delete it or use a service task",
                )
            )
        elif kind == "task":
            findings.append(
                finding(
                    node,
                    "untyped_task",
                    "uzdevumam nav veida: dzinējs to izlaidīs uzreiz; ja to veic"
                    " cilvēks, padariet to par lietotāja uzdevumu",
                    "task has no type: the engine passes it at once; if a person"
                    " does it, make it a user task",
                    blocking=False,
                )
            )
        findings.extend(vendor_findings(node))
    findings.extend(_condition_findings(root))
    return sorted(findings, key=lambda f: not f.blocking)


def blocking_problems(name: str, root: Any) -> list[DeployProblem]:
    """The findings that stop a deploy, as deploy problems of file ``name``.

    A file with no executable process at all is left to the deployer's own
    "no executable process" (it may be a file of called processes or decisions)."""
    return [
        DeployProblem(name, f.element_id, f.reason, f.reason_en)
        for f in lint_tree(name, root)
        if f.blocking and f.code != "not_executable"
    ]


def has_diagram(root: Any) -> bool:
    """True when the file has BPMN diagram interchange with at least one shape."""
    return root.find(f".//{{{_BPMNDI_NS}}}BPMNShape") is not None


def _executable_findings(root: Any) -> list[Finding]:
    processes = root.findall(".//bpmn:process", NS)
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
    findings = []
    for proc in processes:
        if proc in executable:
            continue
        has_nodes = any(
            isinstance(c.tag, str) and etree.QName(c).localname.endswith("Event")
            for c in proc
        )
        if executable and not has_nodes:
            continue  # an empty pool beside the executable process: nothing to run
        findings.append(
            finding(
                proc,
                "not_executable",
                'process nav izpildāms (isExecutable="false"): tas ir tikai'
                " aprakstošs modelis; atzīmējiet to kā izpildāmu",
                'process is not executable (isExecutable="false"): it is a'
                " descriptive model only; mark it executable",
                blocking=not executable,
            )
        )
    return findings


def _flows(root: Any) -> list[_Flow]:
    flows = []
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        cond = flow.find("bpmn:conditionExpression", NS)
        flows.append(
            _Flow(
                flow,
                flow.get("sourceRef", ""),
                None if cond is None else (cond.text or ""),
            )
        )
    return flows


def _condition_findings(root: Any) -> list[Finding]:
    findings = []
    flows = _flows(root)
    for flow in flows:
        if flow.condition is not None and flow.condition.strip():
            found = _condition_problem(flow.node, flow.condition.strip())
            if found is not None:
                findings.append(found)
    by_source: dict[str, list[_Flow]] = {}
    for flow in flows:
        by_source.setdefault(flow.source, []).append(flow)
    for gateway in root.iter(*(f"{{{BPMN_NS}}}{k}" for k in _GATEWAYS_WITH_CONDITIONS)):
        leaving = by_source.get(gateway.get("id", ""), [])
        if len(leaving) < 2:
            continue
        default = gateway.get("default")
        for flow in leaving:
            if flow.condition is None and flow.node.get("id") != default:
                findings.append(
                    _unconditioned(flow.node, etree.QName(gateway).localname)
                )
    return findings


def _unconditioned(flow: Any, gateway_kind: str) -> Finding:
    """A branch with no condition. From an exclusive gateway the route would not be
    what its label says: it blocks. From an inclusive one BPMN takes it every time,
    as SpiffWorkflow does: a warning, since a label alone suggests a choice."""
    label = (flow.get("name") or "").strip()
    shown = f" (tikai nosaukums '{label}')" if label else ""
    shown_en = f" (only the label '{label}')" if label else ""
    if gateway_kind == "inclusiveGateway":
        return finding(
            flow,
            "unconditioned_inclusive_flow",
            f"plūsmai no iekļaujošā sazarojuma nav nosacījuma{shown}: tā tiks"
            " izvēlēta vienmēr",
            f"flow leaving an inclusive gateway has no condition{shown_en}: it is"
            " taken every time",
            blocking=False,
        )
    return finding(
        flow,
        "missing_condition",
        f"plūsmai no sazarojuma nav nosacījuma{shown}: ierakstiet izteiksmi vai"
        " padariet to par noklusēto plūsmu",
        f"flow leaving a gateway has no condition{shown_en}: write an expression"
        " or make it the default flow",
    )


def _condition_problem(node: Any, text: str) -> Finding | None:
    if _VENDOR_EXPRESSION.match(text):
        return finding(
            node,
            "vendor_expression",
            f"nosacījums '{text}' ir citas sistēmas (Camunda JUEL vai FEEL)"
            " valodā; ierakstiet to kā Python izteiksmi, piem. summa > 100",
            f"condition '{text}' is in another tool's language (Camunda JUEL or"
            " FEEL); write it as a Python expression, e.g. amount > 100",
        )
    try:
        compile(text, "<condition>", "eval")
    except SyntaxError:
        if len(_WORD.findall(text)) >= 2:
            return finding(
                node,
                "natural_language_condition",
                f"nosacījums '{text}' ir uzrakstīts dabiskā valodā, nevis kā"
                " izteiksme; ierakstiet to kā izteiksmi par procesa datiem,"
                " piem. pieteikums_pilnigs == True",
                f"condition '{text}' is written in natural language, not as an"
                " expression; write it over the process data, e.g."
                " application_complete == True",
            )
    return None
