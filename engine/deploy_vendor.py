# SPDX-License-Identifier: EUPL-1.2
"""Other modelers' extensions on a BPMN element: which ones PKIP only ignores (a
warning) and which carry behaviour it would silently drop (a blocking finding).

PKIP reads ``camunda:formKey`` (a key of its form catalogue) and
``camunda:candidateGroups`` (engine/deploy_xml.py ``node_properties``); a Camunda
form reference (``embedded:…``, ``camunda-forms:…``) is no such key. Java
delegates, expressions, listeners, connectors, input/output mappings and Zeebe job
types would run in Camunda and do nothing here, so a case would go on as if they
had run: those block.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.deploy_findings import Finding, finding

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SIGNAVIO_NS = "http://www.signavio.com"
VENDORS = {
    CAMUNDA_NS: "camunda",
    ZEEBE_NS: "zeebe",
    SIGNAVIO_NS: "signavio",
    "http://camunda.org/schema/modeler/1.0": "modeler",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0": "color",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
}
# Namespaces whose attributes and elements PKIP reads or that only style a shape.
_HARMLESS = {
    "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "http://bpmn.io/schema/bpmn/biocolor/1.0",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://camunda.org/schema/modeler/1.0",
}
_READ_BY_PKIP = {(CAMUNDA_NS, "candidateGroups")}
# (namespace, local name) -> (Latvian, English) reason it blocks.
_BEHAVIOUR = {
    (CAMUNDA_NS, "class"): (
        "Java klase, ko PKIP neizpilda",
        "a Java class PKIP does not run",
    ),
    (CAMUNDA_NS, "expression"): (
        "Camunda izteiksme, ko PKIP neizpilda",
        "a Camunda expression PKIP does not run",
    ),
    (CAMUNDA_NS, "delegateExpression"): (
        "Camunda delegāts, ko PKIP neizpilda",
        "a Camunda delegate PKIP does not run",
    ),
    (CAMUNDA_NS, "type"): (
        "ārējs Camunda darbinieks (external task), kura PKIP nav",
        "a Camunda external task worker PKIP does not have",
    ),
    (CAMUNDA_NS, "executionListener"): (
        "izpildes klausītājs, ko PKIP neizsauc",
        "an execution listener PKIP never calls",
    ),
    (CAMUNDA_NS, "taskListener"): (
        "uzdevuma klausītājs, ko PKIP neizsauc",
        "a task listener PKIP never calls",
    ),
    (CAMUNDA_NS, "inputOutput"): (
        "datu ievades/izvades kartējums, ko PKIP neveic",
        "an input/output mapping PKIP does not apply",
    ),
    (CAMUNDA_NS, "connector"): (
        "Camunda savienotājs, kura PKIP nav",
        "a Camunda connector PKIP does not have",
    ),
    (ZEEBE_NS, "taskDefinition"): (
        "Zeebe darba veids, kuru PKIP neviens neapstrādā",
        "a Zeebe job type nobody handles in PKIP",
    ),
    (ZEEBE_NS, "ioMapping"): (
        "datu ievades/izvades kartējums, ko PKIP neveic",
        "an input/output mapping PKIP does not apply",
    ),
    (ZEEBE_NS, "formDefinition"): (
        "Camunda forma, kuras PKIP nav; izvēlieties PKIP formu",
        "a Camunda form PKIP does not have; choose a PKIP form",
    ),
    (ZEEBE_NS, "userTaskForm"): (
        "Camunda forma, kuras PKIP nav; izvēlieties PKIP formu",
        "a Camunda form PKIP does not have; choose a PKIP form",
    ),
    (ZEEBE_NS, "calledDecision"): (
        "Zeebe lēmuma izsaukums, ko PKIP nelasa",
        "a Zeebe decision call PKIP does not read",
    ),
}


def _vendor(namespace: str) -> str:
    if namespace in VENDORS:
        return VENDORS[namespace]
    lowered = namespace.lower()
    for word in ("bizagi", "signavio", "camunda", "zeebe", "activiti", "flowable"):
        if word in lowered:
            return word
    return namespace


def _extensions(node: Any) -> list[tuple[str, str]]:
    """(namespace, local name) of the node's foreign attributes and the foreign
    elements directly in its extensionElements (their contents go with them)."""
    found = []
    for attr in node.attrib:
        q = etree.QName(attr)
        if q.namespace and q.namespace not in _HARMLESS:
            found.append((q.namespace, q.localname))
    ext = node.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}extensionElements")
    if ext is not None:
        for child in ext:
            if not isinstance(child.tag, str):
                continue
            q = etree.QName(child)
            if q.namespace and q.namespace not in _HARMLESS:
                found.append((q.namespace, q.localname))
    return found


def _form_key_finding(node: Any) -> Finding | None:
    key = node.get(f"{{{CAMUNDA_NS}}}formKey")
    if key is None or ":" not in key:
        return None  # a plain key is read as a PKIP form key (deploy checks it)
    return finding(
        node,
        "vendor_behaviour",
        f"camunda:formKey '{key}' ir Camunda formas atsauce, kuras PKIP nav;"
        " izvēlieties PKIP formu īpašību panelī",
        f"camunda:formKey '{key}' refers to a Camunda form PKIP does not have;"
        " choose a PKIP form in the properties panel",
    )


def vendor_findings(node: Any) -> list[Finding]:
    """The findings of one element's vendor extensions: one blocking finding per
    behaviour PKIP would drop, one warning listing everything it only ignores."""
    findings = []
    form = _form_key_finding(node)
    if form is not None:
        findings.append(form)
    ignored: list[str] = []
    for namespace, local in _extensions(node):
        if (namespace, local) in _READ_BY_PKIP or (
            namespace == CAMUNDA_NS and local == "formKey"
        ):
            continue
        name = f"{_vendor(namespace)}:{local}"
        behaviour = _BEHAVIOUR.get((namespace, local))
        if behaviour is not None:
            findings.append(
                finding(
                    node,
                    "vendor_behaviour",
                    f"{name}: {behaviour[0]}; bez tā process ietu tālāk, it kā tas"
                    " būtu izpildīts — aizstājiet ar PKIP līdzekļiem vai izdzēsiet",
                    f"{name}: {behaviour[1]}; without it the case would go on as"
                    " if it had run — replace it with PKIP means or delete it",
                )
            )
        elif name not in ignored:
            ignored.append(name)
    if ignored:
        listed = ", ".join(ignored)
        findings.append(
            finding(
                node,
                "vendor_ignored",
                f"citas sistēmas paplašinājumi tiks ignorēti: {listed}",
                f"other tools' extensions will be ignored: {listed}",
                blocking=False,
            )
        )
    return findings
