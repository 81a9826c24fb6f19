# SPDX-License-Identifier: EUPL-1.2
"""Compare two BPMN documents element by element (a variant against its base).

Elements are matched by their ``id``. An element is *added* when only the variant
has it, *removed* when only the base has it, and *changed* when both have it and
something that affects how the process runs or reads differs: its type, name,
attributes (``calledElement``, ``default``, ``sourceRef``…), the lane it sits in,
its ``spiffworkflow:property`` values (``formKey``, ``dueWorkingDays``…), its
connector operator and parameters, conditions, scripts, timer expressions, loop
settings and documentation. The diagram's layout (``bpmndi``: shapes, edges,
labels) is ignored, as are the order of elements and formatting whitespace, so
moving a shape or re-saving the file in another modeler is no difference.

No Flask here: pages and the command line call ``diff_diagrams(base, variant)``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from lxml import etree

__all__ = [
    "DiagramDiff",
    "DiagramDiffError",
    "ElementDiff",
    "FieldChange",
    "describe",
    "diff_diagrams",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_PREFIXES = {BPMN_NS: "bpmn", SPIFF_NS: "spiffworkflow", CAMUNDA_NS: "camunda"}
MAX_BYTES = 5 * 1024 * 1024

# Containers and parts folded into their owner's description instead of being
# compared as elements of their own.
_SKIPPED = {"definitions", "laneSet", "collaboration", "extensionElements"}
_FOLDED = {
    "incoming",
    "outgoing",
    "flowNodeRef",
    "documentation",
    "conditionExpression",
    "script",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "ioSpecification",
    "dataInputAssociation",
    "dataOutputAssociation",
    "text",
}
_IGNORED_ATTRIBUTES = {"id"}

Kind = Literal["added", "removed", "changed"]


class DiagramDiffError(ValueError):
    """A document is not XML the comparison can read (malformed, hostile, too big)."""


@dataclass(frozen=True)
class FieldChange:
    """One aspect of an element that differs; ``None`` means "not set"."""

    field: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ElementDiff:
    element_id: str
    kind: Kind
    element_type: str
    """BPMN local name (``userTask``); for a changed type, the variant's."""
    name: str
    changes: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "element_id": self.element_id,
            "kind": self.kind,
            "element_type": self.element_type,
            "name": self.name,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class DiagramDiff:
    """Differences of a variant against its base, in document order."""

    added: list[ElementDiff] = field(default_factory=list)
    removed: list[ElementDiff] = field(default_factory=list)
    changed: list[ElementDiff] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def __iter__(self) -> Iterator[ElementDiff]:
        yield from self.added
        yield from self.removed
        yield from self.changed

    def ids(self, kind: Kind) -> list[str]:
        return [e.element_id for e in getattr(self, kind)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "changed": [e.to_dict() for e in self.changed],
        }


@dataclass(frozen=True)
class _Element:
    element_type: str
    name: str
    fields: dict[str, str]


def diff_diagrams(base: str | bytes, variant: str | bytes) -> DiagramDiff:
    """What ``variant`` adds, removes and changes compared with ``base``."""
    before, after = describe(base), describe(variant)
    result = DiagramDiff()
    for element_id, new in after.items():
        old = before.get(element_id)
        if old is None:
            result.added.append(
                ElementDiff(element_id, "added", new.element_type, new.name)
            )
            continue
        changes = _compare(old.fields, new.fields)
        if changes:
            result.changed.append(
                ElementDiff(element_id, "changed", new.element_type, new.name, changes)
            )
    for element_id, old in before.items():
        if element_id not in after:
            result.removed.append(
                ElementDiff(element_id, "removed", old.element_type, old.name)
            )
    return result


def _compare(old: dict[str, str], new: dict[str, str]) -> tuple[FieldChange, ...]:
    keys = list(old) + [k for k in new if k not in old]
    return tuple(
        FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)
    )


# -- describing a document -------------------------------------------------------------
def describe(document: str | bytes) -> dict[str, _Element]:
    """Every semantic BPMN element with an id, described as comparable fields."""
    root = _parse(document)
    lane_of: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("name") or lane.get("id", "")
    elements: dict[str, _Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node)
        if qname.namespace != BPMN_NS or not node.get("id"):
            continue
        kind = qname.localname
        if kind in _SKIPPED or kind in _FOLDED or kind.endswith("EventDefinition"):
            continue
        element_id = node.get("id", "")
        fields = _fields(node)
        if element_id in lane_of:
            fields["lane"] = lane_of[element_id]
        elements[element_id] = _Element(kind, node.get("name") or "", fields)
    return elements


def _parse(document: str | bytes) -> Any:
    """Parse refusing DTDs, entities and external references (as the deployer does)."""
    content = document.encode("utf-8") if isinstance(document, str) else document
    if len(content) > MAX_BYTES:
        raise DiagramDiffError("the document is larger than 5 MB")
    try:
        SafeET.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise DiagramDiffError(f"refused hostile XML ({type(exc).__name__})") from exc
    except SafeET.ParseError as exc:
        raise DiagramDiffError(f"malformed XML: {exc}") from exc
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    return etree.fromstring(content, parser=parser)


def _fields(node: Any) -> dict[str, str]:
    fields = {"type": etree.QName(node).localname, "name": _norm(node.get("name"))}
    for attr, value in node.attrib.items():
        label = _label(attr)
        if label not in _IGNORED_ATTRIBUTES and label != "name":
            fields[f"@{label}"] = _norm(value)
    for child in node:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local = qname.localname
        if qname.namespace != BPMN_NS:
            continue
        if local == "documentation":
            fields["documentation"] = _code(child.text)
        elif local == "conditionExpression":
            fields["condition"] = _code(child.text)
        elif local == "script":
            fields["script"] = _code(child.text)
        elif local == "extensionElements":
            fields.update(_extensions(child))
        elif local.endswith("EventDefinition"):
            fields.update(_event_definition(child))
        elif local.endswith("LoopCharacteristics"):
            fields["loop"] = _canonical(child)
        elif local == "text":
            fields["text"] = _code(child.text)
    return {k: v for k, v in fields.items() if v != ""}


def _extensions(ext: Any) -> dict[str, str]:
    """spiffworkflow/camunda extensions: properties one by one, the operator and its
    parameters, scripts; anything else as canonical XML under its own name."""
    fields: dict[str, str] = {}
    for child in ext:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local = qname.localname
        if qname.namespace == SPIFF_NS and local == "properties":
            for prop in child:
                if isinstance(prop.tag, str):
                    fields[f"property:{prop.get('name', '')}"] = _norm(
                        prop.get("value")
                    )
        elif qname.namespace == SPIFF_NS and local == "serviceTaskOperator":
            fields["operator"] = _norm(child.get("id"))
            if child.get("resultVariable"):
                fields["operator:resultVariable"] = _norm(child.get("resultVariable"))
            for param in child.iter(f"{{{SPIFF_NS}}}parameter"):
                fields[f"parameter:{param.get('id', '')}"] = _norm(param.get("value"))
        elif (
            qname.namespace == SPIFF_NS
            and local in ("preScript", "postScript")
            or qname.namespace == SPIFF_NS
            and child.text
            and not len(child)
        ):
            fields[local] = _code(child.text)
        else:
            prefix = _PREFIXES.get(qname.namespace or "", qname.namespace or "")
            fields[f"{prefix}:{local}"] = _canonical(child)
    return fields


def _event_definition(node: Any) -> dict[str, str]:
    local = etree.QName(node).localname
    fields = {"event": local.removesuffix("EventDefinition")}
    for attr, value in node.attrib.items():
        label = _label(attr)
        if label != "id":
            fields[f"event@{label}"] = _norm(value)
    for child in node:
        if isinstance(child.tag, str):
            fields[f"event:{etree.QName(child).localname}"] = _code(child.text)
    return fields


def _canonical(node: Any) -> str:
    """A stable text for an arbitrary subtree: tags, sorted attributes, texts."""
    parts: list[str] = []
    for sub in node.iter():
        if not isinstance(sub.tag, str):
            continue
        attrs = ",".join(
            f"{_label(k)}={_norm(v)}" for k, v in sorted(sub.attrib.items())
        )
        text = _code(sub.text)
        parts.append(
            f"{etree.QName(sub).localname}[{attrs}]" + (f"={text}" if text else "")
        )
    return "; ".join(parts)


def _label(attr: str) -> str:
    qname = etree.QName(attr)
    if qname.namespace is None:
        return str(qname.localname)
    prefix = _PREFIXES.get(qname.namespace, qname.namespace)
    return f"{prefix}:{qname.localname}"


def _norm(value: str | None) -> str:
    return " ".join((value or "").split())


def _code(text: str | None) -> str:
    """Code and long texts: trailing spaces, surrounding blank lines and a common
    indentation do not count; indentation relative to it does."""
    lines = [line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return textwrap.dedent("\n".join(lines))
