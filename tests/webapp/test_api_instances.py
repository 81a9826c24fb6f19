# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/instances: start (bare or as a service case), read, history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from domain import cases
from domain.services.models import READY, ServiceSetup
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.api_support import TokenClient, make_token, start_form_process
from tests.webapp.conftest import WebClient

URL = "/api/v1/instances"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


@pytest.fixture
def start_form(db_session: Session, platform: Platform) -> str:
    """A process whose start event has a form (decision_draft), for MUNI."""
    platform.deployer(db_session).deploy(
        {"api.bpmn": start_form_process()}, municipality=MUNI
    )
    # a service is started only when it is set up (domain/services)
    db_session.add(
        ServiceSetup(
            municipality=MUNI,
            service_code="PKIP-TEST",
            process_key="api_start_form",
            forms=["decision_draft", "decision_sign"],
            procedure="",
            stage=READY,
            updated_by="tests",
        )
    )
    db_session.flush()
    return "api_start_form"


def test_starts_an_instance_and_reads_it_back(
    api: TokenClient, deployed: dict[str, int]
) -> None:
    answer = api.post(URL, {"process_key": "tree_felling", "business_key": "X-1"})
    assert answer.status_code == 201, answer.get_json()
    started = answer.get_json()
    assert started["status"] == "running" and started["business_key"] == "X-1"
    assert started["started_by"].startswith("token:")
    [task] = started["open_tasks"]
    assert task["element_id"] == "register_application"
    assert task["candidate_group"] == "lietvedis"

    again = api.get(f"{URL}/{started['id']}").get_json()
    assert again["id"] == started["id"] and again["version"] == 1
    history = api.get(f"{URL}/{started['id']}/history").get_json()
    assert history[0]["kind"] == "started"
    assert {e["kind"] for e in history} >= {"started", "task_ready"}


def test_start_errors_are_422_with_field_paths(
    api: TokenClient, start_form: str, deployed: dict[str, int]
) -> None:
    unknown = api.post(URL, {"process_key": "nav_tada"})
    assert unknown.status_code == 422
    assert "process_key" in unknown.get_json()["errors"]["json"]

    missing = api.post(URL, {"data": {}})
    assert missing.status_code == 422
    assert "process_key" in missing.get_json()["errors"]["json"]

    invalid = api.post(URL, {"process_key": start_form, "data": {"decision_title": ""}})
    assert invalid.status_code == 422
    body = invalid.get_json()
    assert body["message"] == "Formas dati nav derīgi."
    fields = body["errors"]["json"]["data"]
    assert set(fields) == {"decision_title", "decision_text"}
    assert all(isinstance(m, str) for msgs in fields.values() for m in msgs)

    valid = api.post(
        URL,
        {
            "process_key": start_form,
            "data": {"decision_title": "Lēmums", "decision_text": "Teksts"},
        },
    )
    assert valid.status_code == 201


def test_starts_a_service_case(
    api: TokenClient, deployed: dict[str, int], db_session: Session, platform: Platform
) -> None:
    answer = api.post(
        URL,
        {
            "process_key": "tree_felling",
            "case": {
                "client_name": "Jānis Bērziņš",
                "client_identifier": "161175-19997",
                "channel": "e_address",
            },
        },
    )
    assert answer.status_code == 201, answer.get_json()
    number = answer.get_json()["business_key"]
    assert number.startswith(f"{MUNI}-")
    case = cases.get_case(db_session, number, MUNI)
    assert case.channel == "e_address"
    assert case.client_identifier(platform.pii) == "161175-19997"

    refused = api.post(
        URL,
        {
            "process_key": "tree_felling",
            "case": {"client_name": "", "client_identifier": "123"},
        },
    )
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]["json"]["case"]) == {
        "client_name",
        "client_identifier",
    }
    # the personal code is never echoed back in an error
    assert "161175" not in refused.get_data(as_text=True)


def test_another_municipalitys_instance_is_404(
    api: TokenClient, engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    theirs = engine.start("tree_felling", municipality=OTHER_MUNI)
    engine.session.flush()
    assert api.get(f"{URL}/{theirs.id}").status_code == 404
    assert api.get(f"{URL}/{theirs.id}/history").status_code == 404
    assert api.get(f"{URL}/nav-tada").get_json()["code"] == 404


def test_people_use_the_api_with_their_session(
    as_role: Callable[..., WebClient], deployed: dict[str, int]
) -> None:
    specialist = as_role("specialist")
    no_csrf = specialist.post(URL, json={"process_key": "tree_felling"})
    assert no_csrf.status_code == 400 and no_csrf.is_json
    started = specialist.send_json("POST", URL, {"process_key": "tree_felling"})
    assert started.status_code == 201
    assert started.get_json()["started_by"].startswith("lietotajs")
    analyst = as_role("analyst")
    assert (
        analyst.send_json("POST", URL, {"process_key": "tree_felling"}).status_code
        == 403
    )
