# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/definitions: the versions in force, one definition, deploying bundles."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from domain.accounts.models import User
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR
from tests.webapp.api_support import TokenClient, make_token, start_form_process
from tests.webapp.conftest import WebClient

URL = "/api/v1/definitions"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


def _files(*named: tuple[str, bytes]) -> dict[str, list[tuple[io.BytesIO, str]]]:
    return {"files": [(io.BytesIO(content), name) for name, content in named]}


def test_lists_the_versions_in_force(
    api: TokenClient, deployed: dict[str, int], platform: Platform, db_session: Session
) -> None:
    answer = api.get(URL)
    assert answer.status_code == 200
    by_key = {d["key"]: d for d in answer.get_json()}
    assert set(by_key) == set(deployed)
    tree = by_key["tree_felling"]
    assert tree["id"] == deployed["tree_felling"]
    assert tree["municipality"] is None and tree["in_force"] is True
    assert tree["service_code"] == "PKIP-011"

    # another municipality's variant is not listed; our own is, and it is in force
    from engine.deploy import read_files

    deployer = platform.deployer(db_session)
    files = read_files([PROCESS_DIR / "tree_felling.bpmn"])
    theirs = deployer.deploy(files, municipality=OTHER_MUNI)[0].definition
    ours = deployer.deploy(files, municipality=MUNI)[0].definition
    db_session.flush()
    listed = api.get(URL, query_string={"key": "tree_felling"}).get_json()
    assert [(d["id"], d["municipality"]) for d in listed] == [(ours.id, MUNI)]
    every = api.get(URL, query_string={"key": "tree_felling", "all_versions": "true"})
    ids = {d["id"]: d["in_force"] for d in every.get_json()}
    assert ids == {ours.id: True, deployed["tree_felling"]: False}
    assert theirs.id not in ids
    assert api.get(f"{URL}/{theirs.id}").status_code == 404
    one = api.get(f"{URL}/{deployed['tree_felling']}").get_json()
    assert one["key"] == "tree_felling" and one["in_force"] is False


def test_deploys_a_variant_and_answers_problems_with_422(
    api: TokenClient, deployed: dict[str, int]
) -> None:
    bundle = _files(("api.bpmn", start_form_process()))
    answer = api.post(URL, data=bundle, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    [result] = answer.get_json()
    assert result["created"] is True
    assert result["definition"]["municipality"] == MUNI
    assert result["definition"]["deployed_by"].startswith("token:")
    again = api.post(
        URL,
        data=_files(("api.bpmn", start_form_process())),
        content_type="multipart/form-data",
    )
    assert again.status_code == 201 and again.get_json()[0]["created"] is False

    broken = start_form_process().replace(b"decision_sign", b"no_such_form")
    refused = api.post(
        URL, data=_files(("broken.bpmn", broken)), content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["message"] == "Procesus nevar izvietot."
    [problem] = body["errors"]["problems"]
    assert problem["file"] == "broken.bpmn" and problem["element_id"] == "work"
    assert problem["reason"] == "nezināma formas atslēga 'no_such_form'"
    assert problem["reason_en"] == "unknown form key 'no_such_form'"

    missing = api.post(URL, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "files" in missing.get_json()["errors"]["files"]


def test_only_a_platform_admin_deploys_the_base(
    api: TokenClient,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
) -> None:
    bundle = {"base": "true", **_files(("api.bpmn", start_form_process()))}
    refused = api.post(URL, data=bundle, content_type="multipart/form-data")
    assert refused.status_code == 403 and refused.is_json

    admin = login(make_user(roles=("platform_admin",)))
    token = admin.csrf_token()
    answer = admin.post(
        URL,
        data={"base": "true", **_files(("api.bpmn", start_form_process()))},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()[0]["definition"]["municipality"] is None


def test_scopes_and_roles(
    app: Flask,
    db_session: Session,
    deployed: dict[str, int],
    as_role: Callable[..., WebClient],
) -> None:
    reader = TokenClient(app, make_token(db_session, scopes=["definitions:read"]))
    assert reader.get(URL).status_code == 200
    refused = reader.post(
        URL,
        data=_files(("api.bpmn", start_form_process())),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "API pilnvarai trūkst tiesību šai darbībai."
    specialist = as_role("specialist")
    assert specialist.get(URL).status_code == 200
    forbidden = specialist.send_json("POST", URL, {})
    assert forbidden.status_code == 403 and forbidden.is_json
