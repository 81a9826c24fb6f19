# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/cases: the case register (list, one case); personal codes only masked."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from domain import cases
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI
from tests.engine.factories import DOG_OWNER, TREE_REGISTRATION, ready_task
from tests.webapp.api_support import TokenClient, make_token

URL = "/api/v1/cases"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


def _start(engine: ProcessEngine, municipality: str) -> cases.ServiceCase:
    return cases.start_case(
        engine,
        engine.session,
        "tree_felling",
        municipality=municipality,
        data={},
        actor="tests",
        client=cases.Client("Jānis Bērziņš", DOG_OWNER),
        channel=cases.OFFICE,
    )


def test_lists_and_reads_cases(
    api: TokenClient, engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    first, second = _start(engine, MUNI), _start(engine, MUNI)
    theirs = _start(engine, OTHER_MUNI)
    engine.complete_task(
        ready_task(engine.session, first.instance_id, "register_application").id,
        TREE_REGISTRATION,
        actor="tests",
    )
    engine.session.flush()

    page = api.get(URL).get_json()
    assert page["total"] == 2
    assert [c["number"] for c in page["items"]] == [second.number, first.number]
    item = page["items"][0]
    assert item["client_name"] == "Jānis Bērziņš"
    assert item["client_masked"] == cases.mask_identifier(DOG_OWNER)
    assert item["status"] == "in_progress" and item["channel"] == "office"
    found = api.get(URL, query_string={"number": first.number}).get_json()
    assert [c["number"] for c in found["items"]] == [first.number]

    detail = api.get(f"{URL}/{first.number}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert [t["element_id"] for t in body["open_tasks"]] == ["inspect_trees"]
    assert [t["element_id"] for t in body["finished_tasks"]] == ["register_application"]
    assert "task_completed" in {h["kind"] for h in body["history"]}
    assert body["instance_status"] == "running"
    # the personal code never leaves whole, neither in the list nor in a case
    assert DOG_OWNER not in detail.get_data(as_text=True)
    assert DOG_OWNER not in api.get(URL).get_data(as_text=True)

    assert api.get(f"{URL}/{theirs.number}").status_code == 404
    assert api.get(URL, query_string={"status": "maybe"}).status_code == 422
