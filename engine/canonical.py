# SPDX-License-Identifier: EUPL-1.2
"""The deploy checksum: a hash of what BPMN and DMN files say, not of how they are
written.

A diagram re-saved by bpmn-js (the modeler) or Camunda Modeler comes back with other
whitespace, attribute order, namespace prefixes and ``exporter`` attributes, with
attributes equal to their BPMN default left out and the diagram's shapes in another
order. None of that is a new version. Everything else is, the layout included:
moving a shape or bending an edge changes the checksum.

The canonical form of a document, compared instead of its text:

- element and attribute names in Clark notation (``{namespace}name``), so prefixes
  and namespace declarations do not count; ``xsi:type`` values resolved the same way;
- attributes sorted; ``exporter`` and ``exporterVersion`` of the root
  ``definitions`` left out, as are BPMN attributes equal to their default
  (``cancelActivity="true"``…) and empty ``extensionElements``;
- whitespace-only text left out (other text is kept exactly: scripts and
  expressions are code); comments and processing instructions left out;
- sibling elements grouped by name, keeping the document order within a name: the
  order of sequence flows, waypoints or DMN rules can matter, the interleaving of
  different elements does not; the shapes and edges of a diagram plane sorted by the
  element they draw, and a lane's ``flowNodeRef`` sorted (both are sets);
- coordinates and sizes of the diagram (DC/DI) compared as numbers (``150.0`` is
  ``150``);
- the ``formalExpression`` that bpmn-js writes for a correlation's ``messagePath``
  read as ``messagePath``, as the engine's parser reads it.

No parsing here: the caller passes trees parsed with its own safe parser.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_form", "content_checksum"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_GEOMETRY = (f"{{{DC_NS}}}", f"{{{DI_NS}}}")
_PLANE = f"{{{BPMNDI_NS}}}BPMNPlane"
_FLOW_NODE_REF = f"{{{BPMN_NS}}}flowNodeRef"
_EXTENSIONS = f"{{{BPMN_NS}}}extensionElements"
_RETRIEVAL = f"{{{BPMN_NS}}}correlationPropertyRetrievalExpression"
_IGNORED_ROOT_ATTRIBUTES = {"exporter", "exporterVersion"}

# Attribute defaults of the BPMN 2.0 schema (as bpmn-moddle declares them): a writer
# may leave such an attribute out, and a reader takes the default when it is absent.
_BPMN_DEFAULTS = {
    "behavior": "All",
    "cancelActivity": "true",
    "cancelRemainingInstances": "true",
    "completionQuantity": "1",
    "eventGatewayType": "Exclusive",
    "expressionLanguage": "http://www.w3.org/1999/XPath",
    "gatewayDirection": "Unspecified",
    "instantiate": "false",
    "isCollection": "false",
    "isForCompensation": "false",
    "isInterrupting": "true",
    "isSequential": "false",
    "parallelMultiple": "false",
    "startQuantity": "1",
    "testBefore": "false",
    "textFormat": "text/plain",
    "triggeredByEvent": "false",
    "typeLanguage": "http://www.w3.org/2001/XMLSchema",
    "waitForCompletion": "true",
}
_GEOMETRY_DEFAULTS = {"x": "0", "y": "0"}


def content_checksum(trees: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical forms of ``trees`` (file name → lxml root)."""
    document = {name: canonical_form(root) for name, root in sorted(trees.items())}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_form(root: Any) -> list[Any]:
    """The canonical form of a parsed document as nested lists (JSON-serialisable):
    ``[name, [[attribute, value], …], text, [children…], tail]``."""
    return _element(root, parent_tag="", is_root=True)


def _element(node: Any, *, parent_tag: str, is_root: bool = False) -> list[Any]:
    tag = str(node.tag)
    if parent_tag == _RETRIEVAL and tag == f"{{{BPMN_NS}}}formalExpression":
        tag = f"{{{BPMN_NS}}}messagePath"
    attributes = sorted(
        (name, value)
        for name, value in (
            (str(key), _value(node, tag, str(key), str(raw)))
            for key, raw in node.attrib.items()
        )
        if not _ignored(tag, name, value, is_root=is_root)
    )
    text = node.text or ""
    children = []
    for child in node:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            text += child.tail or ""
        elif not _empty_extensions(child):
            children.append(child)
    children.sort(key=lambda child: _order(tag, child))
    return [
        tag,
        [list(pair) for pair in attributes],
        _significant(text),
        [_element(child, parent_tag=tag) for child in children],
        "" if is_root else _significant(node.tail or ""),
    ]


def _significant(text: str) -> str:
    return text if text.strip() else ""


def _order(parent_tag: str, child: Any) -> tuple[str, ...]:
    """Sort key of a child: by name only (the sort is stable), except in the two
    places where the order means nothing at all."""
    tag = str(child.tag)
    if parent_tag == _PLANE:
        return (tag, child.get("bpmnElement") or "", child.get("id") or "")
    if tag == _FLOW_NODE_REF:
        return (tag, (child.text or "").strip())
    return (tag,)


def _empty_extensions(node: Any) -> bool:
    return (
        node.tag == _EXTENSIONS
        and not (node.text or "").strip()
        and not any(isinstance(child.tag, str) for child in node)
    )


def _value(node: Any, tag: str, name: str, value: str) -> str:
    if name == XSI_TYPE:  # a QName: its prefix resolved, the default namespace too
        prefix, _, local = value.strip().rpartition(":")
        uri = node.nsmap.get(prefix or None)
        return f"{{{uri}}}{local}" if uri else value
    if tag.startswith(_GEOMETRY):
        try:
            number = float(value)
        except ValueError:
            return value
        text = repr(number)
        return text[:-2] if text.endswith(".0") else text
    return value


def _ignored(tag: str, name: str, value: str, *, is_root: bool) -> bool:
    if "}" in name:  # a qualified attribute (xsi:type, an extension's): kept
        return False
    if is_root and tag.endswith("}definitions") and name in _IGNORED_ROOT_ATTRIBUTES:
        return True
    if tag.startswith(f"{{{BPMN_NS}}}"):
        return _BPMN_DEFAULTS.get(name) == value.strip()
    if tag.startswith(_GEOMETRY):
        return _GEOMETRY_DEFAULTS.get(name) == value
    return False
