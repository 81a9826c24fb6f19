# SPDX-License-Identifier: EUPL-1.2
"""What a diagram says that SpiffWorkflow 3.2's parser would drop, made explicit.

The parser sees a prepared copy of each BPMN file (the stored files stay as the
analyst drew them):

- **Link events.** SpiffWorkflow 3.2 does not know ``linkEventDefinition``: a link
  throw event has no outgoing flow, so the process would quietly end there. A link
  throw and the link catch of the same name in the same process or sub-process are
  one sequence flow drawn in two pieces (BPMN 2.0, 10.5.6), so the copy joins them
  with a sequence flow and turns both into pass-through events.
- **Interrupting event sub-processes.** The parser ignores ``isInterrupting`` (every
  event sub-process runs beside its parent). The copy marks each interrupting start
  event of an event sub-process with the property ``pkip.interrupting``; the workflow
  (engine/event_subprocess.py) cancels the rest of the parent when one fires. Every
  event sub-process start event is marked ``pkip.eventSubProcess``: when the rest of
  its scope has ended, an event sub-process still waiting to start is cancelled
  (BPMN 2.0, 10.3.5: it exists only while its parent is active).

``link_problems`` names the link events that cannot be paired, for the deploy.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from lxml import etree

from engine.deploy_xml import BPMN_NS, NS, SPIFF_NS, DeployProblem

INTERRUPTING_PROPERTY = "pkip.interrupting"
EVENT_SUBPROCESS_PROPERTY = "pkip.eventSubProcess"
_LINK = "bpmn:linkEventDefinition"
_CONTAINERS = ".//bpmn:process | .//bpmn:subProcess | .//bpmn:transaction"


def is_link_event(node: Any) -> bool:
    return node.find(_LINK, NS) is not None


def _link_name(node: Any) -> str:
    link = node.find(_LINK, NS)
    return str(link.get("name") or node.get("name") or "").strip()


def _links(container: Any) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    throws: dict[str, list[Any]] = defaultdict(list)
    catches: dict[str, list[Any]] = defaultdict(list)
    for node in container:
        if not isinstance(node.tag, str) or not is_link_event(node):
            continue
        kind = etree.QName(node).localname
        target = throws if kind == "intermediateThrowEvent" else catches
        target[_link_name(node)].append(node)
    return throws, catches


def link_problems(name: str, root: Any) -> list[DeployProblem]:
    """Link events that do not pair up, each named with the reason (LV, then EN)."""
    problems: list[DeployProblem] = []
    for container in root.xpath(_CONTAINERS, namespaces=NS):
        throws, catches = _links(container)
        for link, nodes in catches.items():
            if len(nodes) > 1:
                problems.extend(
                    DeployProblem.bilingual(
                        name,
                        node.get("id", ""),
                        f"saites notikums '{link}' tiek uztverts vairākās vietās"
                        f" / link '{link}' has more than one catch event",
                    )
                    for node in nodes
                )
        for link, nodes in throws.items():
            if link not in catches:
                problems.extend(
                    DeployProblem.bilingual(
                        name,
                        node.get("id", ""),
                        f"saites notikumam '{link}' šajā procesā nav uztveršanas"
                        f" notikuma / link '{link}' has no catch event in this process",
                    )
                    for node in nodes
                )
        for link, nodes in catches.items():
            if link not in throws:
                problems.extend(
                    DeployProblem.bilingual(
                        name,
                        node.get("id", ""),
                        f"saites notikumu '{link}' šajā procesā neviens nemet"
                        f" / link '{link}' has no throw event in this process",
                    )
                    for node in nodes
                )
    return problems


def prepare_for_parse(tree: Any) -> Any:
    """A copy of ``tree`` for SpiffWorkflow's parser (the original is not changed)."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    has_links = root.find(f".//{_LINK}", NS) is not None
    has_esp = root.find(".//bpmn:subProcess[@triggeredByEvent='true']", NS) is not None
    if not has_links and not has_esp:
        return tree
    prepared = copy.deepcopy(tree)
    proot = prepared.getroot() if hasattr(prepared, "getroot") else prepared
    for container in proot.xpath(_CONTAINERS, namespaces=NS):
        _join_links(container)
    for start in proot.xpath(
        ".//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", namespaces=NS
    ):
        _add_property(start, EVENT_SUBPROCESS_PROPERTY, "true")
        if (start.get("isInterrupting") or "true").strip().lower() != "false":
            _add_property(start, INTERRUPTING_PROPERTY, "true")
    return prepared


def _join_links(container: Any) -> None:
    throws, catches = _links(container)
    for link, throw_nodes in throws.items():
        targets = catches.get(link, [])
        if len(targets) != 1:
            continue  # refused by link_problems
        target = targets[0]
        for node in throw_nodes:
            flow = etree.SubElement(container, f"{{{BPMN_NS}}}sequenceFlow")
            flow.set("id", f"pkip_link_{node.get('id')}")
            flow.set("sourceRef", node.get("id", ""))
            flow.set("targetRef", target.get("id", ""))
    for nodes in (*throws.values(), *catches.values()):
        for node in nodes:
            node.remove(node.find(_LINK, NS))
            # A none intermediate throw event passes straight on; a none catch
            # event would have nothing to wait for.
            node.tag = f"{{{BPMN_NS}}}intermediateThrowEvent"


def _add_property(node: Any, prop: str, value: str) -> None:
    ext = node.find("bpmn:extensionElements", NS)
    if ext is None:
        ext = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        node.insert(0, ext)
    props = ext.find("spiffworkflow:properties", NS)
    if props is None:
        props = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    entry = etree.SubElement(props, f"{{{SPIFF_NS}}}property")
    entry.set("name", prop)
    entry.set("value", value)
