# SPDX-License-Identifier: EUPL-1.2
"""The OpenAPI document: served, public, and equal to the committed docs/openapi.json
(CI fails when the code changes the API and nobody ran ``pkip openapi``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.api import COMMITTED_OPENAPI, openapi_document, render_openapi
from webapp.cli import main
from webapp.nav import APPS

DOC_URL = "/api/v1/openapi.json"


def test_the_committed_document_is_the_served_one(client: FlaskClient) -> None:
    served = client.get(DOC_URL)
    assert served.status_code == 200  # public: no sign-in, no token
    committed = json.loads(COMMITTED_OPENAPI.read_text(encoding="utf-8"))
    assert served.get_json() == committed, (
        "docs/openapi.json differs from the API the code serves: run "
        "`pkip openapi` and commit docs/openapi.json"
    )


def test_the_committed_file_is_in_its_canonical_form(app: Flask) -> None:
    text = COMMITTED_OPENAPI.read_text(encoding="utf-8")
    assert text == render_openapi(openapi_document(app)), "run `pkip openapi`"


TAGS = {"Definitions", "Instances", "Tasks", "Cases", "Documents", "Intake", "Audit"}


def test_every_operation_says_its_scope_and_roles(app: Flask) -> None:
    from domain.accounts.services import KNOWN_SCOPES

    document = openapi_document(app)
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 12
    for path, method, op in operations:
        assert op.get("x-pkip-scope") in KNOWN_SCOPES, (path, method)
        assert op.get("x-pkip-roles"), (path, method)
        assert {"401", "403"} <= set(op["responses"]), (path, method)
        assert op["tags"][0] in TAGS
    assert {t["name"] for t in document["tags"]} == TAGS
    assert set(document["components"]["securitySchemes"]) == {"apiToken", "session"}
    # the API's blueprints never take names of the workplace's applications
    workplace = {a.blueprint for a in APPS}
    assert not workplace & {"api_definitions", "api_instances", "api_tasks"}


def test_every_operation_documents_the_503_of_an_unreachable_database(
    app: Flask,
) -> None:
    from webapp.errors import RETRY_AFTER_SECONDS

    document = openapi_document(app)
    ref = "#/components/responses/DATABASE_UNAVAILABLE"
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 12
    for path, method, op in operations:
        assert op["responses"].get("503") == {"$ref": ref}, (path, method)
    shared = document["components"]["responses"]["DATABASE_UNAVAILABLE"]
    retry = shared["headers"]["Retry-After"]
    assert retry["schema"] == {"type": "integer", "example": RETRY_AFTER_SECONDS}
    body = shared["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Error"}
    assert "Error" in document["components"]["schemas"]


def test_the_reference_page_is_public_and_vendored(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'spec-url="/api/v1/openapi.json"' in html
    script = client.get("/static/vendor/redoc/redoc.standalone.js")
    assert script.status_code == 200 and len(script.data) > 500_000
    script.close()


def test_the_cli_checks_and_writes_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("PKIP_DATABASE_URL", f"sqlite:///{db}")
    runner = CliRunner()
    checked = runner.invoke(main, ["openapi", "--check"])
    assert checked.exit_code == 0, checked.output
    target = tmp_path / "openapi.json"
    written = runner.invoke(main, ["openapi", "--output", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8") == COMMITTED_OPENAPI.read_text(
        encoding="utf-8"
    )
    target.write_text("{}", encoding="utf-8")
    stale = runner.invoke(main, ["openapi", "--check", "--output", str(target)])
    assert stale.exit_code == 1 and "pkip openapi" in stale.output
