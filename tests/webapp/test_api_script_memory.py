# SPDX-License-Identifier: EUPL-1.2
"""A diagram script that would take gigabytes: the API answers at once, no 500.

Issue 10, item 3: `'x'.ljust(10**9)` left the web server at 2.1 GB and answered 500
after 12.5 s. Now the start succeeds with an incident and the server goes on.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from engine.models import Incident
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b
from tests.webapp.api_support import TokenClient, make_token

URL = "/api/v1/instances"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


def test_a_memory_bomb_in_a_script_is_an_incident_not_a_500(
    api: TokenClient, db_session: Session, platform: Platform
) -> None:
    platform.deployer(db_session).deploy(
        {
            "bomb.bpmn": b.linear("bomb", b.script_task("x = 'x'.ljust(10**9)")),
            "fine.bpmn": b.linear("fine", b.script_task("x = 'x'.ljust(10)")),
        },
        municipality=MUNI,
    )
    db_session.flush()
    started = time.process_time()  # CPU time: the machine may be shared
    answer = api.post(URL, {"process_key": "bomb"})
    assert time.process_time() - started < 5
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "running" and body["has_incident"] is True
    incident = db_session.query(Incident).filter_by(instance_id=body["id"]).one()
    assert incident.element_id == "work"
    assert incident.error_type == "ScriptMemoryExceeded"
    assert "atmiņas ierobežojumu" in incident.message

    after = api.post(URL, {"process_key": "fine"})
    assert after.status_code == 201 and after.get_json()["status"] == "completed"
