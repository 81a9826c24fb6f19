# SPDX-License-Identifier: EUPL-1.2
"""Issue 10, item 2: a personal code from the process data never shows in an incident
(page, API, database row), never stays in a delivered outbox message, and is nowhere
in clear in the database (docs/personal-data.md)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import CallContext
from domain import cases
from engine.deploy import Deployer
from engine.models import Incident, OutboxMessage
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tasks import outbox
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b
from tests.pii_scan import clear_copies
from tests.webapp.api_support import TokenClient, make_token
from tests.webapp.conftest import WebClient, make_app

CODE = "161175-19997"
FORMS = (CODE, CODE.replace("-", ""))

# start -> send a letter to the applicant (an outbox command) -> the probe's failing
# script `int(applicant_code)` -> end
PROBE = b.process(
    "probe",
    '<bpmn:startEvent id="start"/>'
    '<bpmn:serviceTask id="send" name="Nosūtīt vēstuli"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="test.send" resultVariable="sent">'
    "<spiffworkflow:parameters>"
    '<spiffworkflow:parameter id="recipient" type="str" '
    "value=\"'_PRIVATE@' + applicant_code.replace('-', '')\"/>"
    '<spiffworkflow:parameter id="owner_code" type="str" value="applicant_code"/>'
    "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
    "</bpmn:extensionElements></bpmn:serviceTask>"
    '<bpmn:scriptTask id="convert" name="Pārveidot kodu">'
    "<bpmn:script>n = int(applicant_code)</bpmn:script></bpmn:scriptTask>"
    '<bpmn:endEvent id="end"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="convert"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="convert" targetRef="end"/>',
)


class LetterBox:
    """The platform's registry plus one command, ``test.send``, that echoes the
    recipient in its reply (as real receivers do)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.received: list[dict[str, Any]] = []

    def has_operator(self, name: str) -> bool:
        return name == "test.send" or self.inner.has_operator(name)

    def is_command(self, name: str) -> bool:
        return name == "test.send" or self.inner.is_command(name)

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        if name != "test.send":
            return self.inner.call(name, params, context)
        self.received.append(dict(params))
        return {"message_id": "M-1", "recipient": params["recipient"]}


@pytest.fixture
def letters(web_platform: Platform) -> LetterBox:
    return LetterBox(web_platform.connectors)


@pytest.fixture
def probe_platform(
    web_platform: Platform, letters: LetterBox, db_session: Session
) -> Platform:
    plat = copy.copy(web_platform)
    plat.connectors = letters  # type: ignore[assignment]
    plat.engine_config = dataclasses.replace(
        web_platform.engine_config, connectors=letters
    )
    Deployer(
        db_session,
        serializer=plat.engine_config.serializer,
        connectors=letters,
        forms=plat.engine_config.forms,
    ).deploy({"probe.bpmn": PROBE})
    return plat


@pytest.fixture
def app(probe_platform: Platform, municipalities: tuple[str, str]) -> Flask:
    return make_app(probe_platform)


def _start_probe(probe_platform: Platform, db_session: Session) -> cases.ServiceCase:
    engine = ProcessEngine(db_session, probe_platform.engine_config)
    case = cases.start_case(
        engine,
        db_session,
        "probe",
        municipality=MUNI,
        data={},
        actor="lietvede",
        client=cases.Client("Jānis Bērziņš", CODE),
        channel=cases.OFFICE,
    )
    db_session.flush()
    return case


def test_the_probe_leaves_no_personal_code_in_clear(
    probe_platform: Platform,
    letters: LetterBox,
    db_session: Session,
    as_role: Callable[..., WebClient],
    app: Flask,
) -> None:
    case = _start_probe(probe_platform, db_session)
    [message] = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.instance_id == case.instance_id)
    ).all()
    # waiting to be sent, the command keeps its parameters whole, sealed
    assert set(message.params) == {"_sealed"}
    engine = ProcessEngine(db_session, probe_platform.engine_config)
    assert engine.outbox_params(message)["owner_code"] == CODE
    assert clear_copies(db_session, CODE) == []

    stats = outbox.deliver_due(probe_platform)
    assert (stats.delivered, stats.confirmed) == (1, 1)
    assert letters.received == [
        {"recipient": "_PRIVATE@16117519997", "owner_code": CODE}
    ]
    db_session.refresh(message)
    assert message.status == "delivered" and message.confirmed_at is not None
    assert message.params == {
        "recipient": "_PRIVATE@16****-****7",
        "owner_code": "16****-****7",
    }
    assert message.result == {"message_id": "M-1", "recipient": "_PRIVATE@16****-****7"}

    # the script after the send failed on the code: an incident, masked at the source
    [incident] = db_session.scalars(
        select(Incident).where(Incident.instance_id == case.instance_id)
    ).all()
    assert incident.element_id == "convert" and incident.error_type == "ValueError"
    assert "16****-****7" in incident.message
    assert clear_copies(db_session, CODE) == []

    page = as_role("specialist").get(f"/cases/{case.number}").get_data(as_text=True)
    assert "ValueError" in page and "16****-****7" in page
    assert not any(form in page for form in FORMS)

    answer = TokenClient(app, make_token(db_session)).get(
        f"/api/v1/cases/{case.number}"
    )
    assert answer.status_code == 200
    [shown] = answer.get_json()["incidents"]
    assert "16****-****7" in shown["message"]
    assert not any(form in answer.get_data(as_text=True) for form in FORMS)


def test_an_incident_stored_unmasked_before_is_masked_where_shown(
    probe_platform: Platform,
    db_session: Session,
    as_role: Callable[..., WebClient],
    app: Flask,
) -> None:
    case = _start_probe(probe_platform, db_session)
    db_session.add(  # as the engine stored it before it masked at the source
        Incident(
            instance_id=case.instance_id,
            municipality=MUNI,
            element_id="convert",
            kind="task_failed",
            error_type="ValueError",
            message=f"invalid literal for int() with base 10: '{CODE}'",
        )
    )
    db_session.flush()
    page = as_role("supervisor").get(f"/cases/{case.number}").get_data(as_text=True)
    assert "base 10: &#39;16****-****7&#39;" in page and CODE not in page
    dashboard = as_role("supervisor").get("/dashboard/").get_data(as_text=True)
    assert "16****-****7" in dashboard and CODE not in dashboard
    api = TokenClient(app, make_token(db_session))
    body = api.get(f"/api/v1/cases/{case.number}").get_data(as_text=True)
    assert "16****-****7" in body and CODE not in body


def test_cases_are_found_by_the_code_through_its_hash(
    probe_platform: Platform, db_session: Session
) -> None:
    case = _start_probe(probe_platform, db_session)
    vault = probe_platform.pii
    assert case.client_identifier_hash == vault.lookup_hash(CODE)
    assert case.client_identifier(vault) == CODE and case.client_masked == (
        "16****-****7"
    )
    found = cases.cases_of_client(db_session, vault, MUNI, "16117519997")
    assert [c.number for c in found] == [case.number]
    assert cases.cases_of_client(db_session, vault, "CITA", CODE) == []
