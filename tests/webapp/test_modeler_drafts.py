# SPDX-License-Identifier: EUPL-1.2
"""The drafts pages: import a file from another modeler, see the Latvian problem list
element by element, save a fixed revision and deploy it; scoped to the
municipality; refusals are a page or JSON with the reason, never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import ANALYST
from domain.drafts.models import ModelDraft
from engine.models import ProcessDefinition
from tests.conftest import OTHER_MUNI
from tests.webapp.conftest import WebClient

MODELS = Path(__file__).parents[1] / "domain" / "bpmn" / "import"
FIXED_NAME = "Reģistrēt pieteikumu"


def _import(client: WebClient, name: str, content: bytes | None = None) -> int:
    data = content if content is not None else (MODELS / name).read_bytes()
    response = client.submit(
        "/modeler/drafts/import", {"bpmn_file": (io.BytesIO(data), name)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _fixed() -> str:
    xml = (MODELS / "camunda7_fixable.bpmn").read_text("utf-8")
    return xml.replace(
        '<bpmn:userTask id="Activity_0x1"',
        f'<bpmn:userTask id="Activity_0x1" name="{FIXED_NAME}"',
    )


def test_each_tool_imports_and_its_page_lists_the_problems(
    analyst: WebClient,
) -> None:
    expected = {
        "camunda7_fixable.bpmn": ["Activity_0x1"],
        "signavio.bpmn": ["sid-process", "sid-store", "sid-yes", "sid-no"],
        "bizagi.bpmn": ["Id_t2"],
        "natural_condition.bpmn": ["f_yes"],
    }
    for name, elements in expected.items():
        draft_id = _import(analyst, name)
        response = analyst.get(f"/modeler/drafts/{draft_id}")
        assert response.status_code == 200
        tree = lxml_html.fromstring(response.get_data(as_text=True))
        listed = [
            b.get("data-element-id")
            for b in tree.cssselect("#modeler-result [data-element-id]")
        ]
        assert sorted(listed) == sorted(elements), name
        assert tree.get_element_by_id("modeler").get("data-validate-url")
    page = analyst.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert "ir uzrakstīts dabiskā valodā" in page
    assert "Pirms to var ieviest, jāmaina" in page


def test_a_model_without_diagram_is_drawn_and_says_so_in_latvian(
    analyst: WebClient,
) -> None:
    draft_id = _import(analyst, "no_diagram.bpmn")
    page = analyst.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    notice = tree.get_element_by_id("layout-generated").text_content()
    assert "PKIP to uzzīmēja" in notice
    assert tree.cssselect("#modeler")


def test_a_file_with_nothing_to_draw_says_so_in_latvian(analyst: WebClient) -> None:
    empty = (
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        b' id="d" targetNamespace="x"/>'
    )
    draft_id = _import(analyst, "tukss.bpmn", empty)
    page = analyst.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    notice = tree.get_element_by_id("no-diagram").text_content()
    assert "nav diagrammas izkārtojuma" in notice
    assert not tree.cssselect("#modeler")


def test_hostile_and_wrong_files_are_refused_on_the_page(
    analyst: WebClient, db_session: Session
) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;</l>'
    for name, content, words in (
        ("bomb.bpmn", bomb, "naidīgs XML"),
        ("x.pdf", b"%PDF", ".bpmn vai .xml"),
        ("not.bpmn", b"<html/>", "nav BPMN 2.0"),
    ):
        response = analyst.submit(
            "/modeler/drafts/import", {"bpmn_file": (io.BytesIO(content), name)}
        )
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    missing = analyst.submit("/modeler/drafts/import", {})
    assert missing.status_code == 422
    assert "field-error" in missing.get_data(as_text=True)
    assert db_session.scalars(select(ModelDraft)).all() == []


def test_check_saves_a_revision_and_deploy_makes_a_version(
    analyst: WebClient, db_session: Session
) -> None:
    draft_id = _import(analyst, "camunda7_fixable.bpmn")
    xml = (MODELS / "camunda7_fixable.bpmn").read_text("utf-8")
    refused = analyst.send_json(
        "POST", f"/modeler/drafts/{draft_id}/deploy", {"xml": xml}
    )
    assert refused.status_code == 422
    [problem] = refused.get_json()["problems"]
    assert problem["element_id"] == "Activity_0x1"
    assert problem["type"] == "Lietotāja uzdevums"
    assert "nav nosaukuma" in problem["reason"]

    checked = analyst.send_json(
        "POST", f"/modeler/drafts/{draft_id}/check", {"xml": _fixed()}
    )
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["problems"] == []
    assert "2" in checked.get_json()["message"]
    deployed = analyst.send_json(
        "POST", f"/modeler/drafts/{draft_id}/deploy", {"xml": _fixed()}
    )
    assert deployed.status_code == 201, deployed.get_json()
    body = deployed.get_json()
    assert body["definition"]["key"] == "camunda_pieteikums"
    definition = db_session.get(ProcessDefinition, body["definition"]["id"])
    assert definition is not None and definition.meta
    draft = db_session.get(ModelDraft, draft_id)
    assert draft is not None and draft.revision == 3
    assert draft.deployed_definition_id == definition.id


def test_json_errors_are_json(analyst: WebClient) -> None:
    draft_id = _import(analyst, "camunda7_fixable.bpmn")
    bad = analyst.send_json("POST", f"/modeler/drafts/{draft_id}/check", {"x": 1})
    assert bad.status_code == 400 and bad.get_json()["valid"] is False
    hostile = analyst.send_json(
        "POST",
        f"/modeler/drafts/{draft_id}/check",
        {"xml": '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'},
    )
    assert hostile.status_code == 422
    assert "naidīgs XML" in hostile.get_json()["message"]
    missing = analyst.send_json("POST", "/modeler/drafts/999999/check", {"xml": "<x/>"})
    assert missing.status_code == 404 and missing.get_json()["valid"] is False


def test_drafts_are_scoped_to_the_municipality(
    analyst: WebClient, as_role: Callable[..., WebClient]
) -> None:
    draft_id = _import(analyst, "signavio.bpmn")
    other = as_role(ANALYST, municipality=OTHER_MUNI)
    assert other.get(f"/modeler/drafts/{draft_id}").status_code == 404
    assert other.get(f"/modeler/drafts/{draft_id}.bpmn").status_code == 404
    assert "sid-process" not in other.get("/modeler/drafts/").get_data(as_text=True)
    own = analyst.get(f"/modeler/drafts/{draft_id}.bpmn")
    assert own.status_code == 200 and "sid-process" in own.get_data(as_text=True)
    # served as a download, never rendered in our origin
    assert own.headers["Content-Disposition"].startswith("attachment")
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    listing = analyst.get("/modeler/drafts/").get_data(as_text=True)
    assert "Sociālās palīdzības pieteikums" in listing


def test_in_english_the_problems_are_english(analyst: WebClient) -> None:
    draft_id = _import(analyst, "natural_condition.bpmn")
    analyst.submit("/language", {"lang": "en", "next": "/"})
    xml = (MODELS / "natural_condition.bpmn").read_text("utf-8")
    body = analyst.send_json(
        "POST", f"/modeler/drafts/{draft_id}/check", {"xml": xml}
    ).get_json()
    [problem] = body["problems"]
    assert problem["type"] == "Sequence flow" and problem["name"] == "Pilnīgs"
    assert problem["reason"].startswith(
        "condition 'Ja pieteikums ir pilnīgs' is written in natural language"
    )
    assert "Saved as revision 2." in body["message"]
    page = analyst.get(f"/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert "Before it can be deployed, 1 thing must change." in page
