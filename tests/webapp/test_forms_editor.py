# SPDX-License-Identifier: EUPL-1.2
"""The form editor's pages: save with errors naming the field (the text kept), the
live preview by the server's renderer, deploying with the processes, and the
procedure page beside the task; a service not set up is refused on the start page."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import User
from domain.catalogue import services as catalogue
from domain.catalogue.schemas import CardContent
from domain.form_versions import services as fv
from engine.models import ProcessDefinition
from engine.runtime import ProcessEngine
from forms.validation import default_forms
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.domain.test_service_setup import _new_service
from tests.webapp.casework import ready_task, start
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")


def _with_field() -> dict[str, object]:
    schema = copy.deepcopy(default_forms().schema("tree_inspection"))
    schema["properties"]["tree_height"] = {
        "type": "number",
        "title": "Koka augstums (m)",
        "x-title-en": "Tree height (m)",
    }
    return schema


def test_only_analysts_edit_forms(analyst: WebClient, specialist: WebClient) -> None:
    assert specialist.get("/forms/").status_code == 403
    page = analyst.get("/forms/").get_data(as_text=True)
    assert "Koku apsekošanas atzinums" in page
    editor = analyst.get("/forms/tree_inspection").get_data(as_text=True)
    assert "inspection_date" in editor and 'id="schema"' in editor
    assert analyst.get("/forms/Bad-Key").status_code == 404


def test_save_names_the_field_and_keeps_the_text(
    analyst: WebClient, db_session: Session
) -> None:
    bad = json.dumps(
        {"type": "object", "properties": {"height": {"type": "numbr", "title": "A"}}}
    )
    answer = analyst.submit("/forms/tree_inspection", {"schema": bad})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "schema.properties.height.type" in page
    assert "Lauks “height”" in page
    assert "numbr" in page  # what was typed is still in the text area
    broken = analyst.submit("/forms/tree_inspection", {"schema": '{"type": '})
    assert broken.status_code == 422
    assert "Nav derīgs JSON (1. rinda" in broken.get_data(as_text=True)
    assert fv.in_force(db_session, "tree_inspection", MUNI) == fv.Pin("", 1)

    saved = analyst.submit(
        "/forms/tree_inspection", {"schema": json.dumps(_with_field())}
    )
    assert saved.status_code == 302
    assert fv.in_force(db_session, "tree_inspection", MUNI) == fv.Pin(MUNI, 1)
    # only a platform administrator may save the base version
    assert (
        analyst.submit(
            "/forms/tree_inspection",
            {"schema": json.dumps(_with_field()), "target": "base"},
        ).status_code
        == 403
    )


def test_preview_renders_as_the_clerk_sees_it(analyst: WebClient) -> None:
    answer = analyst.send_json(
        "POST", "/forms/preview", {"schema": _with_field(), "language": "lv"}
    )
    assert answer.status_code == 200
    html = answer.get_json()["html"]
    assert "Koka augstums (m)" in html and 'name="preview.tree_height"' in html
    english = analyst.send_json(
        "POST", "/forms/preview", {"schema": _with_field(), "language": "en"}
    )
    assert "Tree height (m)" in english.get_json()["html"]
    hostile = {"type": "object", "properties": {"x": {"type": "string",
               "title": "<img src=x onerror=alert(1)>"}}}  # fmt: skip
    refused = analyst.send_json("POST", "/forms/preview", {"schema": hostile})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["path"] == "schema.properties.x.title"
    assert analyst.send_json("POST", "/forms/preview", {"x": 1}).status_code == 400


def test_deploy_with_the_processes_puts_the_form_in_force(
    analyst: WebClient,
    specialist: WebClient,
    db_session: Session,
    engine: ProcessEngine,
) -> None:
    analyst.submit("/forms/tree_inspection", {"schema": json.dumps(_with_field())})
    deployed = analyst.submit("/forms/tree_inspection/deploy", follow_redirects=True)
    assert "ar formu" in deployed.get_data(as_text=True)  # "… izvietots … ar formu"
    variant = db_session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == "tree_felling",
            ProcessDefinition.municipality == MUNI,
        )
    ).one()
    assert variant.forms["tree_inspection"] == {"variant": MUNI, "version": 1}


def test_procedure_is_shown_beside_the_task_and_on_the_case(
    specialist: WebClient, engine: ProcessEngine, db_session: Session
) -> None:
    case = start(engine)
    task = ready_task(db_session, case)
    page = specialist.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'class="procedure"' in page
    assert "Koku ciršanas atļauja ārpus meža zemes" in page
    assert "<strong>kadastra apzīmējums</strong>" in page
    case_page = specialist.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Koku ciršanas atļauja ārpus meža zemes" in case_page


def test_a_service_not_set_up_is_refused_on_the_start_page(
    platform: Platform,
    db_session: Session,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
) -> None:
    platform.deployer(db_session).deploy({"street_trade.bpmn": _new_service()})
    clerk = login(make_user("lietvede2", departments=("lietvedis",)))
    listing = clerk.get("/start/").get_data(as_text=True)
    assert "Pakalpojums PKIP-099 nav iestatīts" in listing
    refused = clerk.get("/start/street_trade", follow_redirects=True)
    assert "Pakalpojums PKIP-099 nav iestatīts" in refused.get_data(as_text=True)
    posted = clerk.submit(
        "/start/street_trade",
        {"client_name": "Anna Ozola", "client_identifier": "16117519997",
         "channel": "office"},
    )  # fmt: skip
    assert posted.status_code == 303


def test_setup_pages_save_a_draft_and_send_it_for_approval(
    platform: Platform, db_session: Session, analyst: WebClient
) -> None:
    platform.deployer(db_session).deploy({"street_trade.bpmn": _new_service()})
    catalogue.create_card(
        db_session,
        MUNI,
        CardContent(code="PKIP-099", name_lv="Ielu tirdzniecība"),
        actor="analitike",
        now=datetime.now(UTC),
    )
    listing = analyst.get("/services/").get_data(as_text=True)
    assert "PKIP-011" in listing and "PKIP-012" in listing
    bad = analyst.submit(
        "/services/PKIP-099",
        {"process_key": "nav", "procedure": "x"},
    )
    assert bad.status_code == 422
    assert "Izvēlieties izvietotu procesu" in bad.get_data(as_text=True)
    saved = analyst.submit(
        "/services/PKIP-099",
        {
            "process_key": "street_trade",
            "forms": "tree_inspection",
            "procedure": "# Kārtība\n<script>alert(1)</script>",
        },
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "<h2>Kārtība</h2>" in page
    assert "<script>alert(1)</script>" not in page
    sent = analyst.submit("/services/PKIP-099/submit", follow_redirects=True)
    assert "apstiprināšanai" in sent.get_data(as_text=True)
    from domain.services.services import own_setup

    row = own_setup(db_session, MUNI, "PKIP-099")
    assert row is not None and row.stage == "review"


def test_the_api_refuses_a_service_not_set_up(
    app: Any, platform: Platform, db_session: Session
) -> None:
    from tests.webapp.api_support import TokenClient, make_token

    platform.deployer(db_session).deploy({"street_trade.bpmn": _new_service()})
    api = TokenClient(app, make_token(db_session))
    bare = api.post("/api/v1/instances", {"process_key": "street_trade"})
    assert bare.status_code == 409
    assert bare.get_json()["message"].startswith("Pakalpojums PKIP-099 nav iestatīts")
    as_case = api.post(
        "/api/v1/instances",
        {
            "process_key": "street_trade",
            "case": {
                "client_name": "Anna Ozola",
                "client_identifier": "16117519997",
                "channel": "office",
            },
        },
    )
    assert as_case.status_code == 409
    assert (
        api.post("/api/v1/instances", {"process_key": "tree_felling"}).status_code
        == 201
    )
