# SPDX-License-Identifier: EUPL-1.2
"""The deploy checksum compares what a diagram says, not how it is written: the
rewritings a modeler does on saving give the same checksum, every real change
(a name, a property, a moved shape) another one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from lxml import etree

from engine.deploy import resources_checksum
from tests.conftest import PROCESS_DIR

TREE = (PROCESS_DIR / "tree_felling.bpmn").read_text(encoding="utf-8")
DOG = (PROCESS_DIR / "dog_fee.bpmn").read_text(encoding="utf-8")
DMN = (PROCESS_DIR / "dog_fee_amount.dmn").read_text(encoding="utf-8")
PAYMENT = (PROCESS_DIR / "payment.bpmn").read_text(encoding="utf-8")


def _sum(text: str, name: str = "x.bpmn") -> str:
    return resources_checksum({name: text})


def _once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _reindented(text: str) -> str:
    """Every formatting whitespace removed, then pretty-printed by lxml with
    two-space indents and no XML declaration."""
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(text.encode("utf-8"), parser)
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def _prefixes_renamed(text: str) -> str:
    """``bpmn:`` becomes ``semantic:`` and ``spiffworkflow:`` becomes ``spiff:``,
    as other modelers write them (``xsi:type`` values included)."""
    text = re.sub(r"(</?|xmlns:)bpmn([:=])", r"\1semantic\2", text)
    text = text.replace('xsi:type="bpmn:', 'xsi:type="semantic:')
    return re.sub(r"(</?|xmlns:)spiffworkflow([:=])", r"\1spiff\2", text)


def _attributes_reordered(text: str) -> str:
    """The attributes of every start tag in reverse order."""

    def reverse(match: re.Match[str]) -> str:
        attrs = re.findall(r'\s+[\w:.-]+="[^"]*"', match.group(2))
        return match.group(1) + "".join(reversed(attrs)) + match.group(3)

    return re.sub(r"(<[\w:]+)((?:\s+[\w:.-]+=\"[^\"]*\")+)(\s*/?>)", reverse, text)


def _shapes_reversed(text: str) -> str:
    """The diagram's shapes and edges in reverse order, as bpmn-js may write them."""
    root = etree.fromstring(text.encode("utf-8"))
    plane = root.find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNPlane")
    assert plane is not None
    children = list(plane)
    for child in children:
        plane.remove(child)
    for child in reversed(children):
        plane.append(child)
    return etree.tostring(root, encoding="unicode")


def _replaced(old: str, new: str) -> Callable[[str], str]:
    return lambda text: _once(text, old, new)


GATEWAY = '<bpmn:exclusiveGateway id="approved_gateway" name="Apstiprināts?"'
INSPECT_PROPS = '<spiffworkflow:property name="dueCalendarDays" value="10" />'
BPMN_XMLNS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'

# What modelers do on saving, each on dog_fee.bpmn (or payment.bpmn, which has the
# message correlation); applied together in this order.
SAME: list[tuple[str, Callable[[str], str]]] = [
    ("exporter changed", _replaced('exporter="PKIP"', 'exporter="bpmn-js"')),
    ("exporter version changed", _replaced('"0.1">', '"18.3.1">')),
    ("default left out", _replaced(' cancelActivity="true"', "")),
    ("number written as real", _replaced('width="100"', 'width="100.0"')),
    (
        "empty extension elements",
        _replaced(
            GATEWAY + ' default="Flow_approved_to_rejected">',
            GATEWAY + ' default="Flow_approved_to_rejected"><bpmn:extensionElements />',
        ),
    ),
    (
        "bpmn-js messagePath",
        lambda t: t.replace("bpmn:messagePath>", "bpmn:formalExpression>"),
    ),
    ("comment added", _replaced("<bpmn:process ", "<!-- re-saved --><bpmn:process ")),
    (
        "namespace declared twice",
        _replaced("<bpmn:process ", f"<bpmn:process {BPMN_XMLNS} "),
    ),
    ("attributes reordered", _attributes_reordered),
    ("shapes reordered", _shapes_reversed),
    ("prefixes renamed", _prefixes_renamed),
    ("reindented", _reindented),
    ("CRLF line ends", lambda t: t.replace("\n", "\r\n")),
]


@pytest.mark.parametrize("how", [h for _, h in SAME], ids=[n for n, _ in SAME])
def test_rewritings_of_a_modeler_keep_the_checksum(
    how: Callable[[str], str], request: pytest.FixtureRequest
) -> None:
    # the message correlation (messagePath) lives in the payment sub-process
    messages = request.node.callspec.id == "bpmn-js messagePath"
    text = PAYMENT if messages else DOG
    rewritten = how(text)
    assert rewritten != text
    assert _sum(rewritten) == _sum(text)


def test_all_rewritings_together_keep_the_checksum() -> None:
    text = DOG
    for _, how in SAME:
        text = how(text)
    assert _sum(text) == _sum(DOG)


def _moved(text: str) -> str:
    return re.sub(
        r'(id="inspect_trees_di"[^>]*>\s*<dc:Bounds x=")(\d+)',
        lambda m: m.group(1) + str(int(m.group(2)) + 10),
        text,
        count=1,
    )


# Real changes, each on tree_felling.bpmn.
CHANGED: list[tuple[str, Callable[[str], str]]] = [
    ("name", _replaced('name="Apsekot koku"', 'name="Apsekot kokus"')),
    ("form key", _replaced('value="tree_inspection"', 'value="decision_draft"')),
    ("deadline", _replaced(INSPECT_PROPS, INSPECT_PROPS.replace("10", "11"))),
    (
        "property added",
        _replaced(
            INSPECT_PROPS,
            INSPECT_PROPS + '<spiffworkflow:property name="priority" value="70" />',
        ),
    ),
    ("shape moved", _moved),
    ("a non-default left out", _replaced('cancelActivity="false"', "")),
    (
        "attribute added",
        _replaced("<bpmn:conditionExpression", '<bpmn:conditionExpression id="c"'),
    ),
    ("text inside", _replaced(">inspection_approved", "> inspection_approved")),
    (
        "exporter on another element",
        _replaced(
            '<bpmn:process id="tree_felling"',
            '<bpmn:process exporter="x" id="tree_felling"',
        ),
    ),
]


@pytest.mark.parametrize("how", [h for _, h in CHANGED], ids=[n for n, _ in CHANGED])
def test_real_changes_change_the_checksum(how: Callable[[str], str]) -> None:
    changed = how(TREE)
    assert changed != TREE
    assert _sum(changed) != _sum(TREE)


def test_order_among_same_elements_counts() -> None:
    """Sequence flows, waypoints, DMN rules: their order can mean something."""
    flows = re.findall(r"<bpmn:sequenceFlow [^>]*/>", TREE)
    swapped = TREE.replace(flows[0], "\0").replace(flows[1], flows[0])
    swapped = swapped.replace("\0", flows[1])
    assert _sum(swapped) != _sum(TREE)
    rules = re.findall(r"<rule id=\"[^\"]+\">.*?</rule>", DMN, flags=re.S)
    assert len(rules) >= 2
    reordered = DMN.replace(rules[0], "\0").replace(rules[1], rules[0])
    reordered = reordered.replace("\0", rules[1])
    assert _sum(reordered, "d.dmn") != _sum(DMN, "d.dmn")


def test_a_file_name_and_every_file_of_the_bundle_count() -> None:
    both = {"tree_felling.bpmn": TREE, "dog_fee_amount.dmn": DMN}
    assert resources_checksum(both) == resources_checksum(dict(reversed(both.items())))
    assert resources_checksum(both) != resources_checksum({"tree_felling.bpmn": TREE})
    assert _sum(TREE, "a.bpmn") != _sum(TREE, "b.bpmn")
