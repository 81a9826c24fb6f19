# SPDX-License-Identifier: EUPL-1.2
"""Draft models from other modelers: each tool's export is stored as a draft, and the
list of what must change names every element with its reason in Latvian (and in
English); hostile or non-BPMN files are refused; a fixed draft deploys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from domain.drafts import services as drafts
from engine.deploy import DeployError
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI

MODELS = Path(__file__).parent / "bpmn" / "import"


def _report(platform: Platform, db: Session, name: str) -> drafts.DraftReport:
    content = (MODELS / name).read_bytes()
    return drafts.report(platform.deployer(db), name, content, municipality=MUNI)


def _blocking(report: drafts.DraftReport) -> set[tuple[str, str]]:
    return {(p.element_id, p.element_type) for p in report.problems}


def _reasons(report: drafts.DraftReport, element_id: str) -> str:
    return " | ".join(p.reason for p in report.problems if p.element_id == element_id)


def test_every_listed_problem_has_latvian_and_english_reasons(
    platform: Platform, db_session: Session
) -> None:
    for path in sorted(MODELS.glob("*.bpmn")):
        report = _report(platform, db_session, path.name)
        for problem in report.problems + report.warnings:
            assert problem.reason and problem.reason_en, (path.name, problem)
            assert problem.reason != problem.reason_en, (path.name, problem)


def test_camunda7_only_the_nameless_user_task_blocks(
    platform: Platform, db_session: Session
) -> None:
    report = _report(platform, db_session, "camunda7_fixable.bpmn")
    assert [(p.element_id, p.element_type) for p in report.problems] == [
        ("Activity_0x1", "userTask")
    ]
    assert "nav nosaukuma" in report.problems[0].reason
    ignored = {(w.element_id, w.reason) for w in report.warnings}
    assert (
        "Activity_0x1",
        "citas sistēmas paplašinājumi tiks ignorēti: camunda:asyncBefore,"
        " camunda:dueDate",
    ) in ignored
    assert report.has_diagram


def test_camunda7_delegates_listeners_forms_and_juel_block(
    platform: Platform, db_session: Session
) -> None:
    report = _report(platform, db_session, "camunda7_delegates.bpmn")
    assert "camunda:class: Java klase" in _reasons(report, "calc")
    assert "camunda:inputOutput" in _reasons(report, "calc")
    assert "nenosauc operatoru" in _reasons(report, "calc")
    assert "camunda:taskListener" in _reasons(report, "check")
    assert "embedded:app:forms/check.html" in _reasons(report, "check")
    assert "embedded:app:forms/start.html" in _reasons(report, "start")
    assert "Camunda JUEL" in _reasons(report, "Flow_big")
    # One reason per condition: the JUEL finding says what the syntax error would.
    assert len([p for p in report.problems if p.element_id == "Flow_big"]) == 1
    assert "neviens to neredzētu" in _reasons(report, "approve")
    assert any(
        w.element_id == "approve" and "camunda:assignee" in w.reason
        for w in report.warnings
    )


def test_camunda8_zeebe_job_types_forms_and_feel_block(
    platform: Platform, db_session: Session
) -> None:
    report = _report(platform, db_session, "camunda8_zeebe.bpmn")
    assert "zeebe:taskDefinition" in _reasons(report, "notify")
    assert "zeebe:formDefinition" in _reasons(report, "review")
    assert "FEEL" in _reasons(report, "Flow_yes")
    assert ("Flow_no", "sequenceFlow") not in _blocking(report)  # the default flow
    assert any(
        w.element_id == "notify" and "zeebe:taskHeaders" in w.reason
        for w in report.warnings
    )


def test_signavio_descriptive_model(platform: Platform, db_session: Session) -> None:
    report = _report(platform, db_session, "signavio.bpmn")
    assert _blocking(report) == {
        ("sid-process", "process"),
        ("sid-store", "dataStoreReference"),
        ("sid-yes", "sequenceFlow"),
        ("sid-no", "sequenceFlow"),
    }
    assert "isExecutable" in _reasons(report, "sid-process")
    assert "tikai nosaukums 'Jā'" in _reasons(report, "sid-yes")
    store = next(p for p in report.problems if p.element_id == "sid-store")
    assert store.element_name == "SOPA reģistrs" and "datu krātuve" in store.reason
    warned = {(w.element_id, w.element_type) for w in report.warnings}
    assert ("sid-task1", "task") in warned  # a task with no type is passed at once
    assert any("signavio:signavioMetaData" in w.reason for w in report.warnings)


def test_bizagi_user_task_outside_every_lane(
    platform: Platform, db_session: Session
) -> None:
    report = _report(platform, db_session, "bizagi.bpmn")
    assert _blocking(report) == {("Id_t2", "userTask")}
    assert "neviens to neredzētu" in _reasons(report, "Id_t2")
    assert any("bizagi:BizagiExtensions" in w.reason for w in report.warnings)


def test_bpmnio_descriptive_model(platform: Platform, db_session: Session) -> None:
    report = _report(platform, db_session, "bpmnio_descriptive.bpmn")
    assert _blocking(report) == {
        ("Process_1", "process"),
        ("DataStoreReference_1", "dataStoreReference"),
    }


def test_natural_language_condition(platform: Platform, db_session: Session) -> None:
    report = _report(platform, db_session, "natural_condition.bpmn")
    [problem] = report.problems
    assert (problem.element_id, problem.element_name) == ("f_yes", "Pilnīgs")
    assert "'Ja pieteikums ir pilnīgs' ir uzrakstīts dabiskā valodā" in problem.reason
    assert "natural language" in problem.reason_en


def test_a_model_without_diagram_interchange_is_deployable_but_not_drawable(
    platform: Platform, db_session: Session
) -> None:
    report = _report(platform, db_session, "no_diagram.bpmn")
    assert report.problems == [] and not report.has_diagram


def test_every_import_is_kept_as_a_draft_of_its_municipality(
    platform: Platform, db_session: Session
) -> None:
    for path in sorted(MODELS.glob("*.bpmn")):
        draft = drafts.import_draft(
            db_session,
            municipality=MUNI,
            upload_name=path.name,
            content=path.read_bytes(),
            user="analitike",
        )
        if path.name == "no_diagram.bpmn":  # revision 2 has a generated layout
            assert draft.revision == 2 and draft.layout_generated
            continue
        assert draft.revision == 1 and not draft.layout_generated
        assert drafts.xml_of(db_session, draft) == path.read_text("utf-8")
        assert drafts.get_draft(db_session, draft.id, OTHER_MUNI) is None
    names = {d.name for d in drafts.drafts_of(db_session, MUNI)}
    assert {"Sociālās palīdzības pieteikums", "Būvatļauja"} <= names
    assert drafts.drafts_of(db_session, OTHER_MUNI) == []


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("a.bpmn", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "naidīgs XML"),
        ("a.bpmn", b"<bpmn:definitions", "bojāts XML"),
        ("a.bpmn", b"<html/>", "nav BPMN 2.0"),
        ("a.pdf", b"<html/>", ".bpmn vai .xml"),
        ("a.bpmn", b" " * (5 * 1024 * 1024 + 1), "lielāks par 5 MB"),
    ],
)
def test_what_cannot_be_a_diagram_is_refused_with_a_reason(
    db_session: Session, name: str, content: bytes, words: str
) -> None:
    with pytest.raises(drafts.DraftRefused) as info:
        drafts.import_draft(
            db_session, municipality=MUNI, upload_name=name, content=content, user="a"
        )
    assert words in info.value.reason and info.value.reason_en


def test_fixed_draft_saves_a_revision_and_deploys(
    platform: Platform, db_session: Session
) -> None:
    content = (MODELS / "camunda7_fixable.bpmn").read_bytes()
    draft = drafts.import_draft(
        db_session,
        municipality=MUNI,
        upload_name="../Camunda eksports.bpmn",
        content=content,
        user="analitike",
    )
    assert draft.file_name == "Camunda_eksports.bpmn"
    deployer = platform.deployer(db_session)
    with pytest.raises(DeployError) as info:
        drafts.deploy_draft(deployer, db_session, draft, municipality=MUNI, user="a")
    assert [p.element_id for p in info.value.problems] == ["Activity_0x1"]
    fixed = content.replace(
        b'<bpmn:userTask id="Activity_0x1"',
        '<bpmn:userTask id="Activity_0x1" name="Reģistrēt pieteikumu"'.encode(),
    )
    assert drafts.save_revision(db_session, draft, fixed, user="analitike") == 2
    assert drafts.report(deployer, draft.file_name, fixed, municipality=MUNI).deployable
    [(definition_id, key, version, created)] = drafts.deploy_draft(
        deployer, db_session, draft, municipality=MUNI, user="analitike"
    )
    assert (key, version, created) == ("camunda_pieteikums", 1, True)
    assert draft.deployed_definition_id == definition_id


def test_a_file_in_another_encoding_is_stored_as_text(
    platform: Platform, db_session: Session
) -> None:
    text = (MODELS / "natural_condition.bpmn").read_text("utf-8")
    content = text.replace('encoding="UTF-8"', 'encoding="windows-1257"').encode(
        "cp1257"
    )
    draft = drafts.import_draft(
        db_session, municipality=MUNI, upload_name="a.bpmn", content=content, user="a"
    )
    stored = drafts.xml_of(db_session, draft)
    assert "Ja pieteikums ir pilnīgs" in stored and "windows-1257" not in stored
    report = drafts.report(
        platform.deployer(db_session),
        draft.file_name,
        stored.encode("utf-8"),
        municipality=MUNI,
    )
    assert [p.element_id for p in report.problems] == ["f_yes"]
