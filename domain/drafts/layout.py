# SPDX-License-Identifier: EUPL-1.2
"""A generated layout (BPMN DI) for a diagram that came without one, so bpmn-js can
draw it and the analyst can fix it in the modeler.

Left to right by the longest path from the start (flows that go back are drawn
below), one band per lane, one pool per participant; a sub-process is drawn
collapsed with its contents on a plane of its own (bpmn-js drills down into it),
boundary events sit on their host's lower edge, data stores and objects below the
flow. It is a starting point, not a drawing: the page says it was generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.deploy_xml import BPMN_NS

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DDI_NS = "http://www.omg.org/spec/DD/20100524/DI"

_COLUMN, _ROW, _LEFT, _TOP = 160, 110, 80, 40
_NOT_SHAPES = {
    "sequenceFlow",
    "laneSet",
    "extensionElements",
    "documentation",
    "ioSpecification",
    "property",
    "association",
    "textAnnotation",
    "dataObject",
    "boundaryEvent",
    "dataStoreReference",
    "dataObjectReference",
    "group",
    "category",
}
_DATA = {"dataStoreReference", "dataObjectReference"}


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def mid_y(self) -> float:
        return self.y + self.h / 2

    @property
    def mid_x(self) -> float:
        return self.x + self.w / 2


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _size(kind: str) -> tuple[float, float]:
    if kind.endswith("Event"):
        return 36, 36
    if kind.endswith("Gateway"):
        return 50, 50
    if kind in _DATA:
        return 50, 50
    return 100, 80


def _bpmn_children(container: Any) -> list[Any]:
    return [
        c
        for c in container
        if isinstance(c.tag, str) and etree.QName(c).namespace == BPMN_NS
    ]


def _layers(ids: list[str], flows: list[tuple[str, str, str]]) -> dict[str, int]:
    """Longest-path layer of each node, ignoring flows that close a cycle."""
    succ: dict[str, list[str]] = {i: [] for i in ids}
    for _fid, src, tgt in flows:
        if src in succ and tgt in succ:
            succ[src].append(tgt)
    order: list[str] = []  # post-order of an iterative depth-first search
    seen: set[str] = set()
    incoming = {t for _f, s, t in flows if s in succ}
    for start in [i for i in ids if i not in incoming] + ids:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(succ[start]))]
        while stack:
            node, pending = stack[-1]
            nxt = next((n for n in pending if n not in seen), None)
            if nxt is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(nxt)
                stack.append((nxt, iter(succ[nxt])))
    position = {n: k for k, n in enumerate(reversed(order))}
    layer = dict.fromkeys(ids, 0)
    for node in reversed(order):
        for nxt in succ[node]:
            if position[nxt] > position[node]:  # forward edge in topological order
                layer[nxt] = max(layer[nxt], layer[node] + 1)
    return layer


class _Plane:
    def __init__(self, plane: Any) -> None:
        self.plane = plane
        self.boxes: dict[str, _Box] = {}
        self.lanes: list[tuple[Any, float, float]] = []  # (lane, top, height)

    def shape(self, element_id: str, box: _Box, **attrs: str) -> None:
        self.boxes[element_id] = box
        shape = etree.SubElement(
            self.plane,
            _q(DI_NS, "BPMNShape"),
            id=f"{element_id}_di",
            bpmnElement=element_id,
            **attrs,
        )
        etree.SubElement(
            shape,
            _q(DC_NS, "Bounds"),
            x=f"{box.x:g}",
            y=f"{box.y:g}",
            width=f"{box.w:g}",
            height=f"{box.h:g}",
        )

    def edge(self, element_id: str, points: Iterable[tuple[float, float]]) -> None:
        edge = etree.SubElement(
            self.plane,
            _q(DI_NS, "BPMNEdge"),
            id=f"{element_id}_di",
            bpmnElement=element_id,
        )
        for x, y in points:
            etree.SubElement(edge, _q(DDI_NS, "waypoint"), x=f"{x:g}", y=f"{y:g}")


def _lane_of(container: Any) -> tuple[dict[str, int], list[Any]]:
    lanes = container.findall(f"{_q(BPMN_NS, 'laneSet')}/{_q(BPMN_NS, 'lane')}")
    found = {}
    for index, lane in enumerate(lanes):
        for ref in lane.iter(_q(BPMN_NS, "flowNodeRef")):
            found[(ref.text or "").strip()] = index
    return found, lanes


def _place(container: Any, plane: _Plane, left: float, top: float) -> float:
    """Draw ``container``'s flow nodes and flows from (left, top); returns the bottom
    (lane shapes are added by the caller, which knows the pool's width)."""
    children = _bpmn_children(container)
    nodes = [c for c in children if _local(c) not in _NOT_SHAPES and c.get("id")]
    ids = [str(n.get("id")) for n in nodes]
    flows = [
        (str(f.get("id")), str(f.get("sourceRef")), str(f.get("targetRef")))
        for f in children
        if _local(f) == "sequenceFlow"
    ]
    layer = _layers(ids, flows)
    lane_of, lanes = _lane_of(container)
    rows: dict[tuple[int, int], int] = {}
    lane_rows = [1] * max(len(lanes), 1)
    slot: dict[str, tuple[int, int]] = {}
    for node_id in ids:
        lane = lane_of.get(node_id, 0)
        row = rows.get((lane, layer[node_id]), 0)
        rows[(lane, layer[node_id])] = row + 1
        lane_rows[lane] = max(lane_rows[lane], row + 1)
        slot[node_id] = (lane, row)
    lane_top = [top + sum(lane_rows[:k]) * _ROW for k in range(len(lane_rows))]
    for node in nodes:
        node_id = str(node.get("id"))
        w, h = _size(_local(node))
        lane, row = slot[node_id]
        cx = left + layer[node_id] * _COLUMN + 50
        cy = lane_top[lane] + row * _ROW + _ROW / 2
        extra = {"isExpanded": "false"} if _local(node) == "subProcess" else {}
        plane.shape(node_id, _Box(cx - w / 2, cy - h / 2, w, h), **extra)
    bottom = top + sum(lane_rows) * _ROW
    _place_attached(children, plane)
    bottom = _place_data(children, plane, left, bottom)
    for fid, src, tgt in flows:
        if src in plane.boxes and tgt in plane.boxes:
            plane.edge(fid, _route(plane.boxes[src], plane.boxes[tgt], bottom))
    plane.lanes = [
        (lane, lane_top[k], lane_rows[k] * _ROW) for k, lane in enumerate(lanes)
    ]
    return bottom if lanes else bottom + 20  # lanes fill their pool


def _place_attached(children: list[Any], plane: _Plane) -> None:
    on_host: dict[str, int] = {}
    for event in children:
        host = plane.boxes.get(str(event.get("attachedToRef")))
        if _local(event) != "boundaryEvent" or host is None:
            continue
        count = on_host.get(str(event.get("attachedToRef")), 0)
        on_host[str(event.get("attachedToRef"))] = count + 1
        x = host.x + host.w - 28 - count * 40
        plane.shape(str(event.get("id")), _Box(x, host.y + host.h - 18, 36, 36))


def _place_data(
    children: list[Any], plane: _Plane, left: float, bottom: float
) -> float:
    data = [c for c in children if _local(c) in _DATA and c.get("id")]
    for k, item in enumerate(data):
        plane.shape(
            str(item.get("id")), _Box(left + k * _COLUMN + 25, bottom + 10, 50, 50)
        )
    return bottom + (80 if data else 0)


def _route(a: _Box, b: _Box, bottom: float) -> list[tuple[float, float]]:
    if b.x > a.x + a.w:  # forward: leave right, enter left, bend half-way
        start, end = (a.x + a.w, a.mid_y), (b.x, b.mid_y)
        if start[1] == end[1]:
            return [start, end]
        bend = (start[0] + end[0]) / 2
        return [start, (bend, start[1]), (bend, end[1]), end]
    below = bottom - 10  # backward: down, along the bottom, up
    return [
        (a.mid_x, a.y + a.h),
        (a.mid_x, below),
        (b.mid_x, below),
        (b.mid_x, b.y + b.h),
    ]


def _message_route(a: _Box, b: _Box) -> list[tuple[float, float]]:
    """Between pools: out of the top or bottom edge, across, into the other."""
    down = b.y > a.y
    start = (a.mid_x, a.y + a.h if down else a.y)
    end = (b.mid_x, b.y if down else b.y + b.h)
    if start[0] == end[0]:
        return [start, end]
    middle = (start[1] + end[1]) / 2
    return [start, (start[0], middle), (end[0], middle), end]


def _new_plane(root: Any, element_id: str, index: int) -> _Plane:
    diagram = etree.SubElement(
        root, _q(DI_NS, "BPMNDiagram"), id=f"BPMNDiagram_{index}"
    )
    plane = etree.SubElement(
        diagram, _q(DI_NS, "BPMNPlane"), id=f"BPMNPlane_{index}", bpmnElement=element_id
    )
    return _Plane(plane)


def _draw_lanes(plane: _Plane, left: float, width: float) -> None:
    for lane, top, height in plane.lanes:
        plane.shape(
            str(lane.get("id")), _Box(left, top, width, height), isHorizontal="true"
        )


def add_layout(root: Any) -> bool:
    """Add diagram interchange to a parsed file that has none; False when there is
    nothing to draw (no process)."""
    processes = {str(p.get("id")): p for p in root.iter(_q(BPMN_NS, "process"))}
    if not processes:
        return False
    collaboration = root.find(_q(BPMN_NS, "collaboration"))
    count = 1
    if collaboration is None:
        process = next(iter(processes.values()))
        plane = _new_plane(root, str(process.get("id")), count)
        _place(process, plane, _LEFT + 30, _TOP)
        width = max((b.x + b.w for b in plane.boxes.values()), default=200) + 50
        _draw_lanes(plane, _LEFT, width - _LEFT)
        targets = [process]
    else:
        plane = _new_plane(root, str(collaboration.get("id")), count)
        top, targets = float(_TOP), []
        for participant in collaboration.iter(_q(BPMN_NS, "participant")):
            process = processes.get(str(participant.get("processRef")))
            pool_top = top
            if process is None:  # a black box pool
                bottom = top + 80
            else:
                targets.append(process)
                bottom = _place(process, plane, _LEFT + 60, top)
            width = max((b.x + b.w for b in plane.boxes.values()), default=400) + 60
            plane.shape(
                str(participant.get("id")),
                _Box(_LEFT, pool_top, width - _LEFT, bottom - pool_top),
                isHorizontal="true",
            )
            _draw_lanes(plane, _LEFT + 30, width - _LEFT - 30)
            plane.lanes = []
            top = bottom + 40
        for flow in collaboration.iter(_q(BPMN_NS, "messageFlow")):
            a = plane.boxes.get(str(flow.get("sourceRef")))
            b = plane.boxes.get(str(flow.get("targetRef")))
            if a is not None and b is not None:
                plane.edge(str(flow.get("id")), _message_route(a, b))
    for target in targets:
        for sub in target.iter(_q(BPMN_NS, "subProcess")):
            count += 1
            _place(sub, _new_plane(root, str(sub.get("id")), count), _LEFT, _TOP)
    return True


def with_layout(content: bytes) -> bytes | None:
    """``content`` with a generated layout (the DI prefixes declared on the root);
    None when there is nothing to draw. ``content`` was read safely already."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    old = etree.fromstring(content, parser=parser)
    nsmap = {k: v for k, v in old.nsmap.items() if v not in (DI_NS, DC_NS, DDI_NS)}
    taken = set(nsmap)
    for prefix, uri in (("bpmndi", DI_NS), ("dc", DC_NS), ("di", DDI_NS)):
        nsmap[prefix if prefix not in taken else f"{prefix}{len(taken)}"] = uri
    root = etree.Element(old.tag, attrib=dict(old.attrib), nsmap=nsmap)
    root.text = old.text
    for child in old:
        root.append(child)
    if not add_layout(root):
        return None
    etree.indent(root, space="  ")
    return bytes(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
