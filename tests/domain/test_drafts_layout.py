# SPDX-License-Identifier: EUPL-1.2
"""A generated layout for diagrams that came without BPMN DI: every flow node, lane,
pool, boundary event and data store gets a shape, every flow an edge, a sub-process
a plane of its own; the import keeps the file as it came in revision 1."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from sqlalchemy.orm import Session

from domain.drafts import services as drafts
from domain.drafts.layout import DC_NS, DI_NS, with_layout
from engine.deploy_lint import has_diagram
from pkip.platform import Platform
from tests.conftest import MUNI

MODELS = Path(__file__).parent / "bpmn" / "import"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"

LOOP_WITH_SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="d" targetNamespace="http://pkip.lv/test">
  <bpmn:process id="p" isExecutable="true">
    <!-- a comment where a generator left one -->
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="fill" name="Aizpildīt"/>
    <bpmn:subProcess id="sub" name="Pārbaude">
      <bpmn:startEvent id="s_start"/>
      <bpmn:scriptTask id="s_check" name="Pārbaudīt"/>
      <bpmn:endEvent id="s_end"/>
      <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="s_check"/>
      <bpmn:sequenceFlow id="s2" sourceRef="s_check" targetRef="s_end"/>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="late" attachedToRef="sub">
      <bpmn:timerEventDefinition/>
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="ok" default="again"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="late_end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="sub"/>
    <bpmn:sequenceFlow id="f3" sourceRef="sub" targetRef="ok"/>
    <bpmn:sequenceFlow id="done" sourceRef="ok" targetRef="end"/>
    <bpmn:sequenceFlow id="again" sourceRef="ok" targetRef="fill"/>
    <bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="late_end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _stripped(name: str) -> bytes:
    """A fixture as a tool that writes no diagram interchange would export it."""
    text = (MODELS / name).read_text("utf-8")
    text = re.sub(
        r"\s*<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", text, flags=re.S
    )
    return text.encode()


def _drawn(xml: bytes) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(plane element -> elements with a shape, plane element -> with an edge)."""
    root = etree.fromstring(xml)
    shapes, edges = {}, {}
    for plane in root.iter(f"{{{DI_NS}}}BPMNPlane"):
        key = plane.get("bpmnElement")
        shapes[key] = {
            s.get("bpmnElement") for s in plane.iter(f"{{{DI_NS}}}BPMNShape")
        }
        edges[key] = {e.get("bpmnElement") for e in plane.iter(f"{{{DI_NS}}}BPMNEdge")}
        for bounds in plane.iter(f"{{{DC_NS}}}Bounds"):
            assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    return shapes, edges


def test_a_process_with_a_loop_a_subprocess_and_a_boundary_event() -> None:
    xml = with_layout(LOOP_WITH_SUBPROCESS.encode())
    assert xml is not None and has_diagram(etree.fromstring(xml))
    shapes, edges = _drawn(xml)
    assert shapes["p"] == {"start", "fill", "sub", "late", "ok", "end", "late_end"}
    assert edges["p"] == {"f1", "f2", "f3", "done", "again", "f4"}
    assert shapes["sub"] == {"s_start", "s_check", "s_end"}  # drilled down into
    assert edges["sub"] == {"s1", "s2"}
    assert b'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"' in xml


def test_a_pool_with_lanes_and_a_data_store() -> None:
    xml = with_layout(_stripped("bizagi.bpmn"))
    assert xml is not None
    shapes, edges = _drawn(xml)
    assert shapes["Collab"] == {
        "Participant_1",
        "Id_lane",
        "Id_start",
        "Id_t1",
        "Id_t2",
        "Id_end",
    }
    assert edges["Collab"] == {"Id_f1", "Id_f2", "Id_f3"}
    xml = with_layout(_stripped("signavio.bpmn"))
    assert xml is not None
    shapes, _ = _drawn(xml)
    assert "sid-store" in shapes["sid-process"]


def test_nothing_to_draw() -> None:
    empty = (
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        b' id="d" targetNamespace="x"/>'
    )
    assert with_layout(empty) is None


def test_import_keeps_the_file_and_draws_revision_two(
    platform: Platform, db_session: Session
) -> None:
    content = (MODELS / "no_diagram.bpmn").read_bytes()
    draft = drafts.import_draft(
        db_session, municipality=MUNI, upload_name="x.bpmn", content=content, user="a"
    )
    assert draft.revision == 2 and draft.layout_generated
    xml = drafts.xml_of(db_session, draft).encode()
    report = drafts.report(
        platform.deployer(db_session), draft.file_name, xml, municipality=MUNI
    )
    assert report.has_diagram and report.deployable
    shapes, _ = _drawn(xml)
    assert shapes["bez_diagrammas"] >= {"start", "register", "end", "l1"}
