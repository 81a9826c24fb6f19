# SPDX-License-Identifier: EUPL-1.2
"""The modeler: processes and versions, download, server-side validation with
element ids, deploying a variant (or, for a platform admin, the base), the
variant-vs-base view, the upload form without JavaScript, scoping and roles."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
)
from engine.models import BASE_VARIANT, ProcessDefinition
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.conftest import WebClient
from webapp.i18n import lvdate

TREE = "tree_felling"
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<lolz>&lol2;</lolz>"
)


def _definitions(db: Session, key: str = TREE) -> list[ProcessDefinition]:
    db.expire_all()
    return list(
        db.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.id)
        )
    )


def _xml(db: Session, definition_id: int) -> str:
    definition = db.get(ProcessDefinition, definition_id)
    assert definition is not None
    return definition.bpmn_xml


def _renamed(xml: str) -> str:
    assert 'name="Apsekot koku"' in xml
    return xml.replace('name="Apsekot koku"', 'name="Apsekot kokus dabā"')


def _broken(xml: str) -> str:
    """An unknown form key on one task and a task with no way out on another."""
    xml = xml.replace(
        'value="tree_felling_registration"', 'value="nav_tadas_formas"', 1
    )
    return xml.replace(
        '<bpmn:sequenceFlow id="Flow_send_reminder_to_end_reminder" '
        'sourceRef="send_reminder" targetRef="end_reminder" />',
        "",
    )


def _page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def assert_inputs_labelled(page: str) -> None:
    tree = lxml_html.fromstring(page)
    labels = {label.get("for") for label in tree.cssselect("label")}
    for control in tree.cssselect("input, select, textarea"):
        if control.get("type") in ("hidden", "submit", "button"):
            continue
        if control.get("type") == "radio":
            assert control.get("id") in labels
            continue
        assert control.get("id") in labels, lxml_html.tostring(control)


# -- list, versions, download ----------------------------------------------------------
def test_list_shows_base_and_own_variants(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    page = _page(analyst.get("/modeler/"))
    tree = lxml_html.fromstring(page)
    keys = [c.text_content() for c in tree.cssselect("tbody td code")]
    assert sorted(keys) == sorted(deployed)
    assert "Modelētājs" in page


def test_versions_with_who_and_when_and_download(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    definition = db_session.get(ProcessDefinition, deployed[TREE])
    assert definition is not None
    page = _page(analyst.get(f"/modeler/processes/{TREE}"))
    row = lxml_html.fromstring(page).cssselect("tbody tr")[0]
    cells = [c.text_content().strip() for c in row.cssselect("td")]
    assert cells[0].startswith("1")
    assert cells[1] == "bāzes"
    assert cells[2] == "tests"
    assert cells[3] == lvdate(definition.deployed_at)
    assert_inputs_labelled(page)

    download = analyst.get(f"/modeler/versions/{definition.id}.bpmn")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "tree_felling-base-v1.bpmn" in disposition
    assert download.get_data(as_text=True) == definition.bpmn_xml


def test_unknown_process_and_version_are_404(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    assert analyst.get("/modeler/processes/nav_tada").status_code == 404
    assert analyst.get("/modeler/versions/999999.bpmn").status_code == 404
    assert analyst.get("/modeler/versions/999999/edit").status_code == 404


def test_modeler_page_loads_the_vendored_modeler(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    page = _page(analyst.get(f"/modeler/versions/{deployed[TREE]}/edit"))
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in page
    assert f'data-validate-url="/modeler/versions/{deployed[TREE]}/validate"' in page
    assert "<noscript>" in page
    assert_inputs_labelled(page)


def test_properties_panel_offers_the_forms_and_the_departments(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    page = _page(analyst.get(f"/modeler/versions/{deployed[TREE]}/edit"))
    tree = lxml_html.fromstring(page)
    panel = tree.get_element_by_id("properties")
    assert panel.cssselect("h2")[0].text_content() == "Īpašības"
    forms = [o.get("value") for o in panel.cssselect("#prop-form-key option")]
    assert forms[0] == ""  # no form
    assert {"tree_inspection", "decision_draft", "dog_fee_review"} <= set(forms)
    assert (
        panel.cssselect('#prop-form-key option[value="tree_inspection"]')[0]
        .text_content()
        .endswith("(tree_inspection)")
    )
    groups = [o.get("value") for o in panel.cssselect("#prop-groups option")]
    assert "lietvedis" in groups
    labels = {
        label.get("for"): label.text_content() for label in panel.cssselect("label")
    }
    assert labels["prop-due-working-days"] == "Termiņš darba dienās"
    assert labels["prop-candidate-group"] == "Kandidātu grupa"
    types = json.loads(tree.get_element_by_id("properties-types").text)
    assert types["bpmn:UserTask"] == "Lietotāja uzdevums"
    assert "diagram/properties.js" in page


# -- validate --------------------------------------------------------------------------
def test_validate_a_valid_diagram(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/validate", {"xml": xml}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["valid"] is True
    assert response.get_json()["problems"] == []
    assert len(_definitions(db_session)) == 1  # nothing stored


def test_validate_names_every_problem_with_its_element(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _broken(_xml(db_session, deployed[TREE]))
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/validate", {"xml": xml}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["valid"] is False
    by_element = {p["element_id"]: p for p in body["problems"]}
    assert "nav_tadas_formas" in by_element["register_application"]["reason"]
    # The workplace speaks Latvian by default: the engine's Latvian reason.
    assert "nav izejošas plūsmas" in by_element["send_reminder"]["reason"]
    assert by_element["send_reminder"]["file"] == "tree_felling.bpmn"
    assert str(len(body["problems"])) in body["message"]


def test_validate_uses_the_decision_tables_of_the_definition(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _xml(db_session, deployed["dog_fee"])
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed['dog_fee']}/validate", {"xml": xml}
    )
    assert response.status_code == 200, response.get_json()


def test_validate_requires_the_process_id_to_stay(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _xml(db_session, deployed[TREE])
    xml = xml.replace('id="tree_felling"', 'id="koku_cirsana"').replace(
        'processRef="tree_felling"', 'processRef="koku_cirsana"'
    )
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/validate", {"xml": xml}
    )
    assert response.status_code == 422
    reason = response.get_json()["problems"][0]["reason"]
    assert "'tree_felling'" in reason
    assert "koku_cirsana" in reason


def test_hostile_and_oversized_xml_come_back_as_json(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    url = f"/modeler/versions/{deployed[TREE]}/validate"
    hostile = analyst.send_json("POST", url, {"xml": BOMB})
    assert hostile.status_code == 422
    assert "naidīgs XML" in hostile.get_json()["problems"][0]["reason"]

    big = "<x>" + " " * (5 * 1024 * 1024) + "</x>"
    for endpoint in ("validate", "deploy"):
        too_big = analyst.send_json(
            "POST", f"/modeler/versions/{deployed[TREE]}/{endpoint}", {"xml": big}
        )
        assert too_big.status_code == 413
        assert too_big.is_json
        assert "5 MB" in too_big.get_json()["message"]

    huge = analyst.post(
        url,
        data=b"x" * (21 * 1024 * 1024),
        headers={"X-CSRFToken": analyst.csrf_token()},
        content_type="application/json",
    )
    assert huge.status_code == 413
    assert huge.is_json

    malformed = analyst.send_json("POST", url, {"nexml": 1})
    assert malformed.status_code == 400
    assert malformed.is_json


def test_validate_needs_the_csrf_header(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    response = analyst.post(
        f"/modeler/versions/{deployed[TREE]}/validate", json={"xml": "<x/>"}
    )
    assert response.status_code == 400
    assert response.is_json


# -- deploy ----------------------------------------------------------------------------
def test_analyst_deploys_a_variant(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/deploy", {"xml": xml}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] is True
    assert body["definition"]["municipality"] == MUNI
    assert body["definition"]["version"] == 1

    definitions = _definitions(db_session)
    assert [(d.municipality, d.version) for d in definitions] == [
        (BASE_VARIANT, 1),
        (MUNI, 1),
    ]
    variant = definitions[1]
    assert variant.id == body["definition"]["id"]
    assert "Apsekot kokus dabā" in variant.bpmn_xml
    assert variant.deployed_by.startswith("lietotajs")
    # the called process is taken from the one in force, not frozen as a variant
    assert [d.municipality for d in _definitions(db_session, "issue_decision")] == [
        BASE_VARIANT
    ]

    again = analyst.send_json(
        "POST", f"/modeler/versions/{variant.id}/deploy", {"xml": xml}
    )
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert len(_definitions(db_session)) == 2

    page = _page(analyst.get(f"/modeler/processes/{TREE}"))
    rows = lxml_html.fromstring(page).cssselect("tbody tr")
    assert rows[0].cssselect("td")[1].text_content().strip() == MUNI
    assert "spēkā" in rows[0].text_content()


def _re_saved(xml: str, prefix: str = "semantic") -> str:
    """The same diagram as another modeler writes it back: the BPMN namespace
    under another prefix, another exporter version, other line ends."""
    old = "semantic" if "xmlns:semantic=" in xml else "bpmn"
    xml = xml.replace(f"{old}:", f"{prefix}:").replace(
        f"xmlns:{old}=", f"xmlns:{prefix}="
    )
    xml = xml.replace('exporterVersion="0.1"', 'exporterVersion="18.3.1"')
    return xml.replace("\r\n", "\n").replace("\n", "\r\n")


def test_deploying_an_unchanged_diagram_makes_no_version(
    analyst: WebClient,
    platform_admin: WebClient,
    deployed: dict[str, int],
    db_session: Session,
) -> None:
    xml = _re_saved(_xml(db_session, deployed[TREE]))
    url = f"/modeler/versions/{deployed[TREE]}/deploy"
    # As a variant: equal to the base in force, so nothing is stored.
    response = analyst.send_json("POST", url, {"xml": xml})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created"] is False
    assert body["message"] == (
        "Nekas nav mainīts: diagramma ir tāda pati kā bāzes versija 1."
        " Jauna versija netika izveidota."
    )
    assert body["definition"]["id"] == deployed[TREE]
    # As the base, by a platform admin: the same.
    response = platform_admin.send_json("POST", url, {"xml": xml, "target": "base"})
    assert response.status_code == 200 and response.get_json()["created"] is False
    assert len(_definitions(db_session)) == 1

    # A variant deployed once, then re-saved: no second version of it either.
    created = analyst.send_json("POST", url, {"xml": _renamed(xml)})
    assert created.status_code == 201
    variant_id = created.get_json()["definition"]["id"]
    again = analyst.send_json(
        "POST",
        f"/modeler/versions/{variant_id}/deploy",
        {"xml": _re_saved(_xml(db_session, variant_id), prefix="s")},
    )
    assert again.status_code == 200
    assert again.get_json()["message"] == (
        f"Nekas nav mainīts: diagramma ir tāda pati kā pašvaldības {MUNI} varianta"
        " versija 1. Jauna versija netika izveidota."
    )
    assert len(_definitions(db_session)) == 2


def test_deploy_is_all_or_nothing_and_names_every_problem(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _broken(_xml(db_session, deployed[TREE]))
    response = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/deploy", {"xml": xml}
    )
    assert response.status_code == 422
    assert {p["element_id"] for p in response.get_json()["problems"]} >= {
        "register_application",
        "send_reminder",
    }
    assert len(_definitions(db_session)) == 1


def test_only_a_platform_admin_deploys_the_base(
    analyst: WebClient,
    platform_admin: WebClient,
    deployed: dict[str, int],
    db_session: Session,
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    url = f"/modeler/versions/{deployed[TREE]}/deploy"
    refused = analyst.send_json("POST", url, {"xml": xml, "target": "base"})
    assert refused.status_code == 403
    assert refused.is_json
    assert len(_definitions(db_session)) == 1

    response = platform_admin.send_json("POST", url, {"xml": xml, "target": "base"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["definition"]["municipality"] == BASE_VARIANT
    assert [(d.municipality, d.version) for d in _definitions(db_session)] == [
        (BASE_VARIANT, 1),
        (BASE_VARIANT, 2),
    ]
    page = _page(platform_admin.get(f"/modeler/versions/{deployed[TREE]}/edit"))
    assert 'id="deploy-target"' in page
    assert 'id="deploy-target"' not in _page(
        analyst.get(f"/modeler/versions/{deployed[TREE]}/edit")
    )


# -- variant against base --------------------------------------------------------------
def test_variant_against_base_lists_and_marks_the_differences(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    xml = xml.replace('x="310"', 'x="330"')  # layout only: no difference
    xml = xml.replace(
        '<bpmn:endEvent id="end_reminder" name="Atgādinājums nosūtīts">',
        '<bpmn:endEvent id="end_reminder_2" name="Atgādinājums nosūtīts">',
    ).replace('targetRef="end_reminder"', 'targetRef="end_reminder_2"')
    xml = xml.replace('bpmnElement="end_reminder"', 'bpmnElement="end_reminder_2"')
    deploy = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/deploy", {"xml": xml}
    )
    assert deploy.status_code == 201, deploy.get_json()

    page = _page(analyst.get(f"/modeler/processes/{TREE}/diff"))
    tree = lxml_html.fromstring(page)
    rows = {
        r.get("data-element-id"): r.get("class") for r in tree.cssselect("tbody tr")
    }
    assert rows == {
        "end_reminder_2": "diff-added",
        "end_reminder": "diff-removed",
        "inspect_trees": "diff-changed",
        "Flow_send_reminder_to_end_reminder": "diff-changed",
    }
    assert "Apsekot kokus dabā" in page
    diagrams = tree.cssselect(".js-diagram")
    assert len(diagrams) == 2
    assert "end_reminder_2" in diagrams[0].get("data-markers")
    assert '"removed": ["end_reminder"]' in diagrams[1].get("data-markers")
    assert "bpmn-navigated-viewer.production.min.js" in page


def test_without_a_variant_the_diff_page_says_so(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    page = _page(analyst.get(f"/modeler/processes/{TREE}/diff"))
    assert "Šai pašvaldībai nav sava šī procesa varianta." in page
    assert "js-diagram" not in page


# -- without JavaScript: the upload form -----------------------------------------------
def test_upload_form_deploys_a_file(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    response = analyst.submit(
        f"/modeler/processes/{TREE}/upload",
        {"bpmn_file": (io.BytesIO(xml.encode()), "mans.bpmn")},
    )
    assert response.status_code == 302
    assert [(d.municipality, d.version) for d in _definitions(db_session)] == [
        (BASE_VARIANT, 1),
        (MUNI, 1),
    ]
    assert _definitions(db_session)[1].source_name == "tree_felling.bpmn"
    page = _page(analyst.get(response.headers["Location"]))
    assert "flash-success" in page


def test_upload_form_shows_the_problems(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _broken(_xml(db_session, deployed[TREE]))
    page = _page(
        analyst.submit(
            f"/modeler/processes/{TREE}/upload",
            {"bpmn_file": (io.BytesIO(xml.encode()), "mans.bpmn")},
        )
    )
    assert "register_application" in page
    assert "send_reminder" in page
    assert len(_definitions(db_session)) == 1
    missing = _page(analyst.submit(f"/modeler/processes/{TREE}/upload", {}))
    assert "field-error" in missing
    assert_inputs_labelled(missing)


def test_analyst_cannot_pick_the_base_in_the_upload_form(
    analyst: WebClient, deployed: dict[str, int], db_session: Session
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    analyst.submit(
        f"/modeler/processes/{TREE}/upload",
        {"bpmn_file": (io.BytesIO(xml.encode()), "x.bpmn"), "target": "base"},
    )
    assert [d.municipality for d in _definitions(db_session)] == [BASE_VARIANT, MUNI]


# -- scoping and roles -----------------------------------------------------------------
def test_another_municipality_cannot_see_a_variant(
    analyst: WebClient,
    as_role: Callable[..., WebClient],
    deployed: dict[str, int],
    db_session: Session,
) -> None:
    xml = _renamed(_xml(db_session, deployed[TREE]))
    created = analyst.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/deploy", {"xml": xml}
    ).get_json()["definition"]["id"]
    other = as_role(ANALYST, municipality=OTHER_MUNI)
    assert other.get(f"/modeler/versions/{created}.bpmn").status_code == 404
    assert other.get(f"/modeler/versions/{created}/edit").status_code == 404
    for endpoint in ("validate", "deploy"):
        response = other.send_json(
            "POST", f"/modeler/versions/{created}/{endpoint}", {"xml": xml}
        )
        assert response.status_code == 404
        assert response.is_json
    page = _page(other.get(f"/modeler/processes/{TREE}"))
    assert MUNI not in lxml_html.fromstring(page).cssselect("tbody")[0].text_content()
    assert "js-diagram" not in _page(other.get(f"/modeler/processes/{TREE}/diff"))
    # the base stays open to everyone
    assert other.get(f"/modeler/versions/{deployed[TREE]}.bpmn").status_code == 200


@pytest.mark.parametrize("role", [SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN])
def test_other_roles_are_refused(
    role: str, as_role: Callable[..., WebClient], deployed: dict[str, int]
) -> None:
    client = as_role(role)
    assert client.get("/modeler/").status_code == 403
    assert client.get(f"/modeler/processes/{TREE}").status_code == 403
    assert client.get(f"/modeler/versions/{deployed[TREE]}.bpmn").status_code == 403
    response = client.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/validate", {"xml": "<x/>"}
    )
    assert response.status_code == 403
    assert response.is_json


@pytest.mark.parametrize("role", [ANALYST, PLATFORM_ADMIN])
def test_modeler_roles_are_admitted(
    role: str, as_role: Callable[..., WebClient], deployed: dict[str, int]
) -> None:
    assert as_role(role).get("/modeler/").status_code == 200


def test_signed_out_json_request_is_refused(
    client: WebClient, deployed: dict[str, int]
) -> None:
    response = client.send_json(
        "POST", f"/modeler/versions/{deployed[TREE]}/validate", {"xml": "<x/>"}
    )
    assert response.status_code in (302, 401)
