# SPDX-License-Identifier: EUPL-1.2
"""Deploy-time validation, versions and variants."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deploy import DeployError, read_files
from engine.models import ProcessDefinition
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR
from tests.engine import bpmn_snippets as b
from tests.engine.factories import ready_task


def _deploy(
    platform: Platform, session: Session, files: dict[str, bytes], **kw: object
) -> list:
    return platform.deployer(session).deploy(files, **kw)  # type: ignore[arg-type]


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0


def _problems(
    platform: Platform, session: Session, files: dict[str, bytes]
) -> list[tuple[str, str, str]]:
    before = _count(session)
    with pytest.raises(DeployError) as info:
        _deploy(platform, session, files)
    assert _count(session) == before, "a failed deploy must store nothing"
    # Every reason is in Latvian first and in English second; the English one is
    # what these tests compare.
    for problem in info.value.problems:
        assert problem.reason and problem.reason_en, problem
        assert problem.reason != problem.reason_en, problem
    return [(p.file, p.element_id, p.reason_en) for p in info.value.problems]


def test_deploys_every_sample_process(db_session: Session, platform: Platform) -> None:
    results = _deploy(
        platform, db_session, read_files([PROCESS_DIR]), deployed_by="analitike"
    )
    keys = sorted(r.definition.key for r in results)
    assert keys == [
        "catalogue_change",
        "dog_fee",
        "issue_decision",
        "payment",
        "service_case",
        "service_setup",
        "street_trade",
        "tree_felling",
        "vpvkac_handover",
    ]
    for r in results:
        d = r.definition
        assert r.created and d.version == 1 and d.municipality == ""
        assert d.deployed_by == "analitike" and len(d.checksum) == 64
    dog = next(r.definition for r in results if r.definition.key == "dog_fee")
    assert dog.meta["process"]["serviceCode"]
    assert dog.meta["tasks"]["review_fee"]["lane"] == "finansists"
    assert "dog_fee_amount.dmn" in dog.resources
    assert "payment.bpmn" in dog.resources  # the payment sub-process travels with it
    tree = next(r.definition for r in results if r.definition.key == "tree_felling")
    assert "issue_decision.bpmn" in tree.resources  # the called process travels with it
    vpvkac = next(
        r.definition for r in results if r.definition.key == "vpvkac_handover"
    )
    assert "service_case.bpmn" in vpvkac.resources
    # the called case's status marks are the caller's too (case accounting)
    assert vpvkac.meta["tasks"]["decision_taken"]["caseStatus"] == "decided"
    assert vpvkac.meta["tasks"]["wait_handover"]["clientTurn"] == "false"


def test_redeploy_unchanged_is_a_no_op_and_a_change_is_a_new_version(
    db_session: Session, platform: Platform
) -> None:
    files = {"x.bpmn": b.linear("simple", b.user_task())}
    first = _deploy(platform, db_session, files)[0]
    again = _deploy(platform, db_session, files)[0]
    assert not again.created and again.definition.id == first.definition.id
    changed = {"x.bpmn": files["x.bpmn"].replace(b'name="Darbs"', b'name="Cits darbs"')}
    second = _deploy(platform, db_session, changed)[0]
    assert second.created and second.definition.version == 2


def _re_saved(content: bytes) -> bytes:
    """What another modeler writes: other prefixes, indentation and exporter."""
    text = content.decode()
    text = text.replace("bpmn:", "semantic:").replace("xmlns:bpmn=", "xmlns:semantic=")
    text = text.replace('exporter="PKIP" exporterVersion="0.1"', 'exporter="bpmn-js"')
    return text.replace("\n  ", "\n\t").encode()


def test_a_re_saved_diagram_is_no_new_version_but_a_moved_shape_is(
    db_session: Session, platform: Platform
) -> None:
    files = read_files([PROCESS_DIR])
    first = {r.definition.key: r for r in _deploy(platform, db_session, files)}
    re_saved = {**files, "tree_felling.bpmn": _re_saved(files["tree_felling.bpmn"])}
    assert re_saved != files
    again = {r.definition.key: r for r in _deploy(platform, db_session, re_saved)}
    assert not any(r.created for r in again.values())
    assert again["tree_felling"].definition.id == first["tree_felling"].definition.id

    moved = re_saved["tree_felling.bpmn"].replace(
        b'<dc:Bounds x="310" y="100"', b'<dc:Bounds x="320" y="100"', 1
    )
    assert moved != re_saved["tree_felling.bpmn"]
    results = _deploy(platform, db_session, {**files, "tree_felling.bpmn": moved})
    tree = next(r for r in results if r.definition.key == "tree_felling")
    assert tree.created and tree.definition.version == 2


def test_checksums_stored_by_an_older_algorithm_make_no_version(
    db_session: Session, platform: Platform
) -> None:
    """Versions stored before the checksum was canonical hold a hash of the raw
    text; the next deploy of the same files must not become a version because of
    that alone."""
    files = {"x.bpmn": b.linear("simple", b.user_task())}
    first = _deploy(platform, db_session, files)[0].definition
    first.checksum = hashlib.sha256(
        json.dumps(first.resources, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    db_session.flush()
    again = _deploy(platform, db_session, files)[0]
    assert not again.created and again.definition.id == first.id
    assert _count(db_session) == 1


def test_a_variant_equal_to_the_base_is_not_stored_when_asked(
    db_session: Session, platform: Platform
) -> None:
    """As the modeler asks: it would change nothing, and later base versions would
    not reach the municipality past it. The API and the command line still store
    such a copy when told to."""
    files = {"x.bpmn": b.linear("simple", b.user_task())}
    base = _deploy(platform, db_session, files)[0].definition
    copy = _deploy(platform, db_session, files, municipality=OTHER_MUNI)[0]
    assert copy.created and copy.definition.municipality == OTHER_MUNI
    modeler = {"municipality": MUNI, "base_if_equal": True}
    re_saved = {"x.bpmn": _re_saved(files["x.bpmn"])}
    same = _deploy(platform, db_session, re_saved, **modeler)[0]
    assert not same.created and same.definition.id == base.id
    assert _count(db_session) == 2
    changed = {"x.bpmn": files["x.bpmn"].replace(b'name="Darbs"', b'name="Cits"')}
    variant = _deploy(platform, db_session, changed, **modeler)[0]
    assert variant.created and variant.definition.municipality == MUNI
    # back to the base's content: a real change against the variant in force
    back = _deploy(platform, db_session, files, **modeler)[0]
    assert back.created and back.definition.version == 2


def test_variant_is_used_for_its_municipality_only_and_running_instances_keep_version(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    base = {"x.bpmn": b.linear("simple", b.user_task())}
    _deploy(platform, db_session, base)
    old = engine.start("simple", municipality=MUNI)
    variant = {
        "x.bpmn": base["x.bpmn"].replace(b'name="Darbs"', 'name="Rīgas darbs"'.encode())
    }
    v = _deploy(platform, db_session, variant, municipality=MUNI)[0].definition
    assert v.municipality == MUNI and v.version == 1 and v.is_variant

    riga = engine.start("simple", municipality=MUNI)
    jelgava = engine.start("simple", municipality=OTHER_MUNI)
    assert riga.definition_id == v.id
    assert jelgava.definition.municipality == ""
    assert ready_task(db_session, riga.id, "work").name == "Rīgas darbs"
    # the instance started before the variant stays on the base version, finishes on it
    task = ready_task(db_session, old.id, "work")
    assert task.name == "Darbs"
    engine.complete_task(
        task.id, {"decision_title": "A", "decision_text": "B"}, actor="x"
    )
    assert old.status == "completed" and old.definition.municipality == ""


def test_unknown_form_key(db_session: Session, platform: Platform) -> None:
    problems = _problems(
        platform, db_session, {"f.bpmn": b.linear("p", b.user_task("no_such_form"))}
    )
    assert ("f.bpmn", "work", "unknown form key 'no_such_form'") in problems


def test_unknown_operator(db_session: Session, platform: Platform) -> None:
    problems = _problems(
        platform, db_session, {"s.bpmn": b.linear("p", b.service_task("nav.tads"))}
    )
    assert ("s.bpmn", "work", "unknown connector operator 'nav.tads'") in problems


def test_user_task_without_lane_or_group(
    db_session: Session, platform: Platform
) -> None:
    body = (
        '<bpmn:startEvent id="start"/>' + b.user_task() + '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>'
    )
    problems = _problems(platform, db_session, {"l.bpmn": b.process("p", body)})
    assert any(e == "work" and "no lane" in r for _, e, r in problems)


def test_element_the_engine_cannot_run(db_session: Session, platform: Platform) -> None:
    gateway = '<bpmn:complexGateway id="work"/>'
    problems = _problems(platform, db_session, {"c.bpmn": b.linear("p", gateway)})
    # Refused by name (engine/deploy_flow.py), in both languages, and only once.
    [(file, element, reason)] = [p for p in problems if p[1] == "work"]
    assert (file, element) == ("c.bpmn", "work")
    assert reason.startswith("the engine cannot run a complex gateway")
    assert "bpmn:complexGateway" in reason


def test_flow_node_without_a_way_out(db_session: Session, platform: Platform) -> None:
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:scriptTask id="dead"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="dead"/>'
    )
    problems = _problems(platform, db_session, {"d.bpmn": b.process("p", body)})
    assert any(e == "dead" and "no outgoing" in r for _, e, r in problems)
    assert any(e == "end" and "no incoming" in r for _, e, r in problems)


def test_hostile_script_is_refused_at_deploy(
    db_session: Session, platform: Platform
) -> None:
    files = {"h.bpmn": b.linear("p", b.script_task("x = __import__('os').getcwd()"))}
    problems = _problems(platform, db_session, files)
    assert problems and problems[0][:2] == ("h.bpmn", "work")
    assert "refused" in problems[0][2]


def test_xml_bomb_and_external_entities_are_refused(
    db_session: Session, platform: Platform
) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>'
    )
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>'
    )
    for name, content in (("bomb.bpmn", bomb), ("xxe.bpmn", xxe)):
        problems = _problems(platform, db_session, {name: content})
        assert problems[0][0] == name and "hostile XML" in problems[0][2]


def test_malformed_xml_names_the_file(db_session: Session, platform: Platform) -> None:
    problems = _problems(platform, db_session, {"broken.bpmn": b"<bpmn:definitions"})
    assert problems[0][0] == "broken.bpmn" and "malformed XML" in problems[0][2]


def test_one_bad_file_stores_nothing_of_the_bundle(
    db_session: Session, platform: Platform
) -> None:
    files = read_files([PROCESS_DIR])
    files["bad.bpmn"] = b.linear("bad", b.user_task("no_such_form"))
    problems = _problems(platform, db_session, files)
    assert [p[0] for p in problems] == ["bad.bpmn"]


def test_deploying_a_caller_alone_uses_the_deployed_callee(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    files = read_files([PROCESS_DIR])
    _deploy(platform, db_session, {"issue_decision.bpmn": files["issue_decision.bpmn"]})
    results = _deploy(
        platform, db_session, {"tree_felling.bpmn": files["tree_felling.bpmn"]}
    )
    assert [r.definition.key for r in results] == ["tree_felling"]
    assert "issue_decision.bpmn" in results[0].definition.resources


def test_plain_bpmn_from_camunda_modeler_keeps_form_and_group(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        b'id="d" targetNamespace="x">'
        b'<bpmn:process id="camunda_made" isExecutable="true">'
        b'<bpmn:startEvent id="s"/>'
        b'<bpmn:userTask id="u" name="Draft" camunda:formKey="decision_draft" '
        b'camunda:candidateGroups="specialists"/>'
        b'<bpmn:endEvent id="e"/>'
        b'<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
        b'<bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/>'
        b"</bpmn:process></bpmn:definitions>"
    )
    _deploy(platform, db_session, {"camunda.bpmn": xml})
    inst = engine.start("camunda_made", municipality=MUNI)
    task = ready_task(db_session, inst.id, "u")
    assert (task.form_key, task.candidate_group) == ("decision_draft", "specialists")
