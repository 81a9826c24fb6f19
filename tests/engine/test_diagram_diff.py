# SPDX-License-Identifier: EUPL-1.2
"""Comparing a variant's diagram with its base, element by element."""

from __future__ import annotations

import re

import pytest

from engine.diagram_diff import DiagramDiff, DiagramDiffError, diff_diagrams
from tests.conftest import PROCESS_DIR

TREE = (PROCESS_DIR / "tree_felling.bpmn").read_text(encoding="utf-8")
DOG = (PROCESS_DIR / "dog_fee.bpmn").read_text(encoding="utf-8")


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _changes(
    diff: DiagramDiff, element_id: str
) -> dict[str, tuple[str | None, str | None]]:
    found = [e for e in diff.changed if e.element_id == element_id]
    assert found, f"{element_id} not changed: {diff.to_dict()}"
    return {c.field: (c.before, c.after) for c in found[0].changes}


def test_the_same_diagram_has_no_difference() -> None:
    diff = diff_diagrams(TREE, TREE)
    assert diff.is_empty
    assert diff.to_dict() == {"added": [], "removed": [], "changed": []}


def test_layout_order_and_formatting_are_no_difference() -> None:
    moved = re.sub(r'x="(\d+)"', lambda m: f'x="{int(m.group(1)) + 37}"', TREE)
    moved = re.sub(r'y="(\d+)"', lambda m: f'y="{int(m.group(1)) + 11}"', moved)
    moved = _replace(moved, 'exporterVersion="0.1"', 'exporterVersion="18.0"')
    # re-indented, attributes and elements in another order, script re-indented
    moved = _replace(
        moved,
        '<bpmn:endEvent id="end_refused" name="Atļauja atteikta">',
        '<bpmn:endEvent   name="Atļauja atteikta"\n    id="end_refused">',
    )
    moved = _replace(
        moved,
        "<bpmn:script>compensation_rate = 85\ncompensation = tree_count * "
        "compensation_rate</bpmn:script>",
        "<bpmn:script>\n    compensation_rate = 85\n    compensation = tree_count * "
        "compensation_rate   \n  </bpmn:script>",
    )
    assert moved != TREE
    assert diff_diagrams(TREE, moved).is_empty


def test_added_and_removed_elements() -> None:
    variant = _replace(
        TREE,
        '<bpmn:endEvent id="end_reminder" name="Atgādinājums nosūtīts">',
        '<bpmn:task id="extra_check" name="Papildu pārbaude" />\n'
        '<bpmn:endEvent id="end_reminder_v" name="Atgādinājums nosūtīts">',
    )
    diff = diff_diagrams(TREE, variant)
    assert [(e.element_id, e.element_type, e.name) for e in diff.added] == [
        ("extra_check", "task", "Papildu pārbaude"),
        ("end_reminder_v", "endEvent", "Atgādinājums nosūtīts"),
    ]
    assert [(e.element_id, e.element_type) for e in diff.removed] == [
        ("end_reminder", "endEvent")
    ]
    assert diff.ids("removed") == ["end_reminder"]


def test_changed_name_type_and_properties() -> None:
    variant = _replace(TREE, 'name="Apsekot koku"', 'name="Apsekot kokus"')
    variant = _replace(
        variant,
        '<spiffworkflow:property name="dueCalendarDays" value="10" />',
        '<spiffworkflow:property name="dueCalendarDays" value="14" />',
    )
    variant = _replace(
        variant,
        '<spiffworkflow:property name="formKey" value="tree_felling_registration" />',
        '<spiffworkflow:property name="formKey" value="tree_felling_registration_v2" />'
        '\n<spiffworkflow:property name="priority" value="80" />',
    )
    variant = _replace(
        variant,
        '<bpmn:exclusiveGateway id="permit_gateway" name="Atļaut?"',
        '<bpmn:inclusiveGateway id="permit_gateway" name="Atļaut?"',
    )
    variant = _replace(variant, "</bpmn:exclusiveGateway>", "</bpmn:inclusiveGateway>")
    diff = diff_diagrams(TREE, variant)
    assert not diff.added and not diff.removed
    assert _changes(diff, "inspect_trees") == {
        "name": ("Apsekot koku", "Apsekot kokus"),
        "property:dueCalendarDays": ("10", "14"),
    }
    assert _changes(diff, "register_application") == {
        "property:formKey": (
            "tree_felling_registration",
            "tree_felling_registration_v2",
        ),
        "property:priority": (None, "80"),
    }
    assert _changes(diff, "permit_gateway") == {
        "type": ("exclusiveGateway", "inclusiveGateway")
    }
    changed = {e.element_id: e for e in diff.changed}
    assert changed["permit_gateway"].element_type == "inclusiveGateway"


def test_changed_conditions_scripts_timers_lanes_and_flows() -> None:
    variant = _replace(
        TREE, "inspection_approved == True", "inspection_approved == True and ok"
    )
    variant = _replace(variant, "compensation_rate = 85", "compensation_rate = 90")
    variant = _replace(variant, '"P3D"', '"P5D"')
    variant = _replace(
        variant, 'decision_kind = "permit"', 'decision_kind = "permit_v2"'
    )
    # register_application moves from the lietvedis lane to the specialists lane
    variant = _replace(
        variant, "<bpmn:flowNodeRef>register_application</bpmn:flowNodeRef>\n", ""
    )
    variant = _replace(
        variant,
        "<bpmn:flowNodeRef>split_gateway</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>register_application</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>split_gateway</bpmn:flowNodeRef>",
    )
    variant = _replace(
        variant,
        'sourceRef="permit_gateway" targetRef="issue_refusal"',
        'sourceRef="permit_gateway" targetRef="end_refused"',
    )
    diff = diff_diagrams(TREE, variant)
    assert _changes(diff, "Flow_permit_gateway_to_permit") == {
        "condition": (
            "inspection_approved == True",
            "inspection_approved == True and ok",
        )
    }
    assert set(_changes(diff, "calculate_compensation")) == {"script"}
    assert _changes(diff, "inspection_reminder_timer") == {
        "event:timeDuration": ('"P3D"', '"P5D"')
    }
    permit = _changes(diff, "issue_permit")
    assert set(permit) == {"preScript"}
    before, after = permit["preScript"]
    # the pre-script's first line changed; its document_fields line did not
    assert before.splitlines()[0] == 'decision_kind = "permit"'
    assert after.splitlines()[0] == 'decision_kind = "permit_v2"'
    assert before.splitlines()[1:] == after.splitlines()[1:]
    assert _changes(diff, "register_application") == {
        "lane": ("lietvedis", "specialists")
    }
    assert _changes(diff, "Flow_permit_gateway_to_refusal") == {
        "@targetRef": ("issue_refusal", "end_refused")
    }


def test_changed_connector_operator_and_parameters() -> None:
    assert "serviceTaskOperator" in DOG
    match = re.search(r'<spiffworkflow:serviceTaskOperator id="([^"]+)"', DOG)
    assert match
    operator = match.group(1)
    variant = _replace(
        DOG,
        f'<spiffworkflow:serviceTaskOperator id="{operator}"',
        '<spiffworkflow:serviceTaskOperator id="other.operator"',
    )
    diff = diff_diagrams(DOG, variant)
    assert len(diff.changed) == 1
    assert diff.changed[0].element_type == "serviceTask"
    assert {c.field: (c.before, c.after) for c in diff.changed[0].changes} == {
        "operator": (operator, "other.operator")
    }


def test_hostile_or_broken_xml_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;'
        "</bpmn:definitions>"
    )
    with pytest.raises(DiagramDiffError, match="hostile"):
        diff_diagrams(TREE, bomb)
    with pytest.raises(DiagramDiffError, match="malformed"):
        diff_diagrams("<bpmn:definitions", TREE)
    with pytest.raises(DiagramDiffError, match="5 MB"):
        diff_diagrams(TREE, TREE + " " * (5 * 1024 * 1024))
