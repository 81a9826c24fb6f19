# SPDX-License-Identifier: EUPL-1.2
"""Bad input never gives 500 (issue 10, item 5): one test per finding of the probe,
each asserting the status and the field named in the answer."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from domain.accounts.models import ANALYST, User
from engine.deploy_xml import MAX_XML_DEPTH
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine.factories import TREE_REGISTRATION, ready_tasks
from tests.webapp.api_support import TokenClient, make_token, start_form_process
from tests.webapp.conftest import WebClient
from webapp.input_guard import MAX_ID, MAX_JSON_DEPTH


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


@pytest.fixture
def task_url(engine: ProcessEngine, deployed: dict[str, int]) -> str:
    instance = engine.start("tree_felling", municipality=MUNI)
    engine.session.flush()
    (task,) = ready_tasks(engine.session, instance.id)
    return f"/api/v1/tasks/{task.id}"


def _raw_json(api: TokenClient, url: str, body: str | bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    answer = api.post(url, data=body, content_type="application/json")
    return answer.status_code, answer.get_json()


# -- NUL bytes: path, query, sign-in form (also before sign-in) ---------------------
def test_a_nul_byte_in_an_api_path_is_400_naming_the_path(api: TokenClient) -> None:
    for url in ("/api/v1/tasks/a%00b", "/api/v1/cases/%00", "/api/v1/instances/%00"):
        answer = api.get(url)
        assert answer.status_code == 400, url
        assert answer.get_json()["errors"] == {
            "path": {"path": ["Satur nepieļaujamu rakstzīmi (NUL)."]}
        }


def test_a_nul_byte_in_a_query_value_is_400_naming_the_parameter(
    api: TokenClient,
) -> None:
    answer = api.get("/api/v1/tasks", query_string={"group": "a\x00"})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["code"] == 400 and list(body["errors"]["query"]) == ["group"]
    assert body["message"] == "Pieprasījumā ir nederīgi dati."


def test_a_nul_byte_before_sign_in_is_a_400_page_naming_the_field(
    client: WebClient,
) -> None:
    page = client.get("/cases/%00")  # not signed in: refused before the redirect
    assert page.status_code == 400
    assert "Lauks „path”" in page.get_data(as_text=True)
    token = client.csrf_token()
    login = client.post(
        "/login",
        data={"username": "anna\x00", "password": "x", "csrf_token": token},
    )
    assert login.status_code == 400
    text = login.get_data(as_text=True)
    assert "Lauks „username”" in text and "NUL" in text
    query = client.get("/login", query_string={"next": "/\x00"})
    assert query.status_code == 400 and "Lauks „next”" in query.get_data(True)


# -- integer ids beyond the column ---------------------------------------------------
def test_ids_beyond_the_integer_column_are_404(
    api: TokenClient,
    make_user: Callable[..., User],
    login: Callable[..., WebClient],
) -> None:
    for big in (MAX_ID + 1, 10**20, 10**400):
        assert api.get(f"/api/v1/definitions/{big}").status_code == 404
    assert api.get(f"/api/v1/definitions/{MAX_ID}").status_code == 404  # no such row
    analyst = login(make_user(roles=(ANALYST,)))
    assert analyst.get(f"/modeler/versions/{10**20}/edit").status_code == 404


# -- JSON bodies: surrogates, long integers, deep nesting, NaN ----------------------
def test_a_lone_surrogate_in_task_data_is_refused_naming_the_field(
    api: TokenClient, task_url: str
) -> None:
    body = '{"data": {"address": "Brīvības \\ud800 iela"}}'
    status, answer = _raw_json(api, f"{task_url}/complete", body)
    assert status == 400
    assert list(answer["errors"]["json"]["data"]) == ["address"]
    assert "aizstājējrakstzīm" in answer["errors"]["json"]["data"]["address"][0]
    # the raw bytes of a surrogate (json.loads passes them through) likewise
    raw = b'{"data": {"species": "\xed\xa0\x80"}}'
    status, answer = _raw_json(api, f"{task_url}/complete", raw)
    assert status == 400 and list(answer["errors"]["json"]["data"]) == ["species"]
    # and the task still opens: nothing was stored
    assert api.get(task_url).status_code == 200


def test_a_5000_digit_integer_is_refused(api: TokenClient, task_url: str) -> None:
    body = '{"data": {"tree_count": ' + "9" * 5000 + "}}"
    status, answer = _raw_json(api, f"{task_url}/complete", body)
    assert status == 400
    assert "cipariem" in answer["errors"]["json"]["_schema"][0]


def test_nan_and_infinity_are_refused(api: TokenClient, task_url: str) -> None:
    for number in ("NaN", "Infinity", "1e999"):
        body = '{"data": {"tree_count": ' + number + "}}"
        status, answer = _raw_json(api, f"{task_url}/complete", body)
        assert status == 400, number
        assert "_schema" in answer["errors"]["json"]


def test_arrays_nested_100000_deep_are_refused(api: TokenClient, task_url: str) -> None:
    body = '{"data": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    status, answer = _raw_json(api, f"{task_url}/complete", body)
    assert status == 400 and "_schema" in answer["errors"]["json"]
    # within the recursion limit but past ours: the path of the field is named
    body = json.dumps({"data": {"x": _nested(MAX_JSON_DEPTH + 5)}})
    status, answer = _raw_json(api, f"{task_url}/complete", body)
    assert status == 400
    (path,) = answer["errors"]["json"]["data"]
    assert path.startswith("x.0.0.")


def _nested(depth: int) -> list:  # type: ignore[type-arg]
    value: list = []  # type: ignore[type-arg]
    for _ in range(depth):
        value = [value]
    return value


def test_a_nul_byte_in_a_json_key_is_refused(api: TokenClient, task_url: str) -> None:
    status, answer = _raw_json(
        api, f"{task_url}/complete", '{"data": {"a\\u0000b": 1}}'
    )
    assert status == 400 and list(answer["errors"]["json"]["data"]) == ["a\ufffdb"]


# -- multipart -----------------------------------------------------------------------
def test_a_multipart_field_named_with_a_backslash_is_400(
    api: TokenClient,
) -> None:
    boundary = "pkipboundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="a\\"\r\n\r\n'
        "x\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    answer = api.post(
        "/api/v1/definitions",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert answer.status_code == 400
    assert list(answer.get_json()["errors"]["form"]) == ["_schema"]


def test_a_nul_byte_in_an_upload_name_is_refused(api: TokenClient) -> None:
    answer = api.post(
        "/api/v1/definitions",
        data={"files": [(io.BytesIO(start_form_process()), "a\x00.bpmn")]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert list(answer.get_json()["errors"]["files"]) == ["files"]


# -- BPMN files ----------------------------------------------------------------------
def test_a_utf16_bpmn_file_deploys(api: TokenClient) -> None:
    text = start_form_process("utf16_proc", "Ūdens ņēmums").decode()
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    answer = api.post(
        "/api/v1/definitions",
        data={"files": [(io.BytesIO(utf16), "utf16.bpmn")]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    (deployed,) = answer.get_json()
    assert deployed["definition"]["name"] == "Ūdens ņēmums"


@pytest.mark.parametrize("depth", [150, 300])
def test_deeply_nested_xml_is_a_deploy_problem_naming_the_line(
    api: TokenClient, depth: int
) -> None:
    """150: past PKIP's limit; 300: past lxml's own (which raised a bare error)."""
    text = start_form_process("deep_proc").decode()
    deep = "<bpmn:documentation>" * depth + "</bpmn:documentation>" * depth
    end = f'<bpmn:endEvent id="end">\n{deep}</bpmn:endEvent>'
    text = text.replace('<bpmn:endEvent id="end"/>', end)
    answer = api.post(
        "/api/v1/definitions",
        data={"files": [(io.BytesIO(text.encode()), "deep.bpmn")]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    (problem,) = answer.get_json()["errors"]["problems"]
    assert problem["file"] == "deep.bpmn"
    assert problem["reason"].startswith(f"elements nested deeper than {MAX_XML_DEPTH}")
    assert "(line 2" in problem["reason"]


# -- form patterns -------------------------------------------------------------------
def test_a_pattern_refuses_a_trailing_newline(api: TokenClient, task_url: str) -> None:
    data = {**TREE_REGISTRATION, "cadastre_number": "01000010001\n"}
    answer = api.post(f"{task_url}/complete", {"data": data})
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]["json"]["data"]) == ["cadastre_number"]


# -- the document and the handlers agree ---------------------------------------------
def test_complete_without_data_is_refused_as_the_document_says(
    api: TokenClient, task_url: str, app: Flask
) -> None:
    from webapp.api import openapi_document

    schema = openapi_document(app)["components"]["schemas"]["CompleteArgs"]
    assert schema["required"] == ["data"]
    answer = api.post(f"{task_url}/complete", {})
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]["json"]) == ["data"]


def test_the_document_does_not_offer_an_empty_case(app: Flask) -> None:
    """``case: {}`` was valid by the document (its null branch was any object) and
    answered 422: the null branch now takes null only."""
    import jsonschema

    from webapp.api import openapi_document

    document = openapi_document(app)
    schemas = document["components"]["schemas"]
    case = schemas["StartArgs"]["properties"]["case"]
    for branch in case["anyOf"]:
        if "$ref" in branch:
            branch = schemas[branch["$ref"].rsplit("/", 1)[1]]
        assert not jsonschema.Draft4Validator(branch).is_valid({}), branch


def test_pkip_deploy_reads_a_utf16_file(
    committed: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from webapp.cli import main

    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    text = start_form_process("cli_utf16", "Ūdens").decode()
    path = tmp_path / "utf16.bpmn"
    path.write_bytes(text.replace('"UTF-8"', '"UTF-16"').encode("utf-16"))
    result = CliRunner().invoke(main, ["deploy", str(path)])
    assert result.exit_code == 0, result.output
    assert "deployed: cli_utf16 v1 (base)" in result.output
