# SPDX-License-Identifier: EUPL-1.2
"""The import lint at deploy time: what other modelers' files leave behind blocks
the deploy with the element and a Latvian and English reason; what is only ignored
does not; nothing raises anything but DeployError."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from engine.deploy import DeployError
from engine.deploy_lint import has_diagram, lint_tree
from pkip.platform import Platform
from tests.engine import bpmn_snippets as b

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '


def _refusals(platform: Platform, db: Session, xml: bytes) -> list[tuple[str, str]]:
    with pytest.raises(DeployError) as info:
        platform.deployer(db).deploy({"l.bpmn": xml})
    return [(p.element_id, p.reason) for p in info.value.problems]


def _with_camunda(xml: bytes) -> bytes:
    return xml.replace(b"<bpmn:definitions ", b"<bpmn:definitions " + CAMUNDA.encode())


def test_a_user_task_without_a_name_cannot_be_deployed(
    platform: Platform, db_session: Session
) -> None:
    task = b.user_task().replace(' name="Darbs"', "")
    refused = _refusals(platform, db_session, b.linear("p", task))
    assert refused == [
        (
            "work",
            "lietotāja uzdevumam nav nosaukuma: darbinieks sarakstā neredzētu, kas"
            " jādara; ierakstiet nosaukumu",
        )
    ]
    blank = b.user_task().replace(' name="Darbs"', ' name="  "')
    assert _refusals(platform, db_session, b.linear("p", blank))[0][0] == "work"


def test_camunda_behaviour_blocks_and_what_is_only_ignored_does_not(
    platform: Platform, db_session: Session
) -> None:
    delegate = (
        '<bpmn:serviceTask id="work" name="Aprēķins"'
        ' camunda:delegateExpression="${feeDelegate}" camunda:asyncAfter="true"/>'
    )
    refused = _refusals(platform, db_session, _with_camunda(b.linear("p", delegate)))
    reasons = [r for e, r in refused if e == "work"]
    assert any(
        r.startswith("camunda:delegateExpression: Camunda delegāts") for r in reasons
    )
    assert not any("asyncAfter" in r for r in reasons)  # a warning only

    ignored = b.user_task().replace(
        "<bpmn:userTask ", '<bpmn:userTask camunda:asyncBefore="true" '
    )
    deployed = platform.deployer(db_session).deploy(
        {"ok.bpmn": _with_camunda(b.linear("p_ok", ignored))}
    )
    assert deployed[0].created
    root = etree.fromstring(_with_camunda(b.linear("p_ok", ignored)))
    [warning] = [f for f in lint_tree("ok.bpmn", root) if not f.blocking]
    assert warning.code == "vendor_ignored" and "camunda:asyncBefore" in warning.reason


def test_gateway_branches_without_conditions(
    platform: Platform, db_session: Session
) -> None:
    def gateway(kind: str) -> bytes:
        body = (
            '<bpmn:startEvent id="start"/>'
            f'<bpmn:{kind} id="gw"/>'
            '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="yes" name="Jā" sourceRef="gw" targetRef="a"/>'
            '<bpmn:sequenceFlow id="no" name="Nē" sourceRef="gw" targetRef="b"/>'
        )
        return b.process("g", body)

    refused = _refusals(platform, db_session, gateway("exclusiveGateway"))
    assert {e for e, _ in refused} == {"yes", "no"}
    assert "tikai nosaukums 'Jā'" in dict(refused)["yes"]
    # From an inclusive gateway BPMN (and SpiffWorkflow) takes every such branch:
    # a warning, never a refusal of what the library runs.
    findings = lint_tree("g.bpmn", etree.fromstring(gateway("inclusiveGateway")))
    assert [(f.element_id, f.blocking) for f in findings] == [
        ("yes", False),
        ("no", False),
    ]


def test_a_non_executable_pool_beside_an_executable_process_is_a_warning() -> None:
    xml = b.linear("p", b.user_task()).replace(
        b"</bpmn:definitions>",
        b'<bpmn:process id="outside" isExecutable="false">'
        b'<bpmn:startEvent id="o_start"/></bpmn:process></bpmn:definitions>',
    )
    [finding] = lint_tree("x.bpmn", etree.fromstring(xml))
    assert (finding.element_id, finding.code, finding.blocking) == (
        "outside",
        "not_executable",
        False,
    )
    assert not has_diagram(etree.fromstring(xml))


def test_unknown_operator_is_listed_in_latvian(
    platform: Platform, db_session: Session
) -> None:
    refused = _refusals(platform, db_session, b.linear("p", b.service_task("nav.tads")))
    assert ("work", "nezināms savienotāja operators 'nav.tads'") in refused
