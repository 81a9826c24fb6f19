# SPDX-License-Identifier: EUPL-1.2
"""Case status after what the engine does on its own: a process that ends in an
uncaught error (the case ends "Beidzās ar kļūdu"), and a case moved by a signal
thrown in another case (its status and page follow)."""

from __future__ import annotations

from collections.abc import Callable

from lxml import html as lxml_html
from sqlalchemy.orm import Session

from domain import cases
from engine.deploy import Deployer
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.engine.bpmn_snippets import HEAD
from tests.webapp.casework import ready_task, start
from tests.webapp.conftest import WebClient

_USER_TASK = (
    '<bpmn:userTask id="{id}" name="{name}"><bpmn:extensionElements>'
    "<spiffworkflow:properties>"
    '<spiffworkflow:property name="candidateGroup" value="lietvedis"/>'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
)

# One file, so the signal goes between them (the processes of one deployment).
SIGNALS = (
    HEAD + '<bpmn:signal id="sig_decided" name="decided"/>'
    '<bpmn:error id="err_refused" name="refused" errorCode="REFUSED"/>'
    '<bpmn:process id="case_decider" name="Lēmējs" isExecutable="true">'
    '<bpmn:startEvent id="d_start"/>'
    + _USER_TASK.format(id="decide", name="Pieņemt lēmumu")
    + '<bpmn:intermediateThrowEvent id="announce" name="Paziņot lēmumu">'
    '<bpmn:signalEventDefinition signalRef="sig_decided"/>'
    "</bpmn:intermediateThrowEvent>"
    '<bpmn:endEvent id="d_end" name="Lēmums pieņemts"/>'
    '<bpmn:sequenceFlow id="d1" sourceRef="d_start" targetRef="decide"/>'
    '<bpmn:sequenceFlow id="d2" sourceRef="decide" targetRef="announce"/>'
    '<bpmn:sequenceFlow id="d3" sourceRef="announce" targetRef="d_end"/>'
    "</bpmn:process>"
    '<bpmn:process id="case_follower" name="Sekotājs" isExecutable="true">'
    '<bpmn:startEvent id="f_start"/>'
    '<bpmn:intermediateCatchEvent id="wait_decision" name="Gaida lēmumu">'
    '<bpmn:signalEventDefinition signalRef="sig_decided"/>'
    "</bpmn:intermediateCatchEvent>"
    + _USER_TASK.format(id="inform", name="Informēt klientu")
    + '<bpmn:endEvent id="f_end" name="Klients informēts"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="f_start" targetRef="wait_decision"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="wait_decision" targetRef="inform"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="inform" targetRef="f_end"/>'
    "</bpmn:process>"
    '<bpmn:process id="case_refusal" name="Atteikums" isExecutable="true">'
    '<bpmn:startEvent id="r_start"/>'
    + _USER_TASK.format(id="check", name="Pārbaudīt")
    + '<bpmn:endEvent id="r_refused" name="Atteikts ar kļūdu">'
    '<bpmn:errorEventDefinition errorRef="err_refused"/></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="r1" sourceRef="r_start" targetRef="check"/>'
    '<bpmn:sequenceFlow id="r2" sourceRef="check" targetRef="r_refused"/>'
    "</bpmn:process></bpmn:definitions>"
).encode()


def _engine(platform: Platform, session: Session) -> ProcessEngine:
    Deployer(
        session,
        serializer=platform.engine_config.serializer,
        connectors=platform.connectors,
        forms=platform.engine_config.forms,
    ).deploy({"case_events.bpmn": SIGNALS}, deployed_by="tests")
    return ProcessEngine(session, platform.engine_config)


def _status(client: WebClient, number: str) -> str:
    page = client.get(f"/cases/{number}").get_data(as_text=True)
    return str(lxml_html.fromstring(page).cssselect("#case-status")[0].text_content())


def test_a_case_whose_process_ends_in_error_ends_in_error(
    web_platform: Platform,
    db_session: Session,
    municipalities: tuple[str, str],
    as_role: Callable[..., WebClient],
) -> None:
    engine = _engine(web_platform, db_session)
    case = start(engine, "case_refusal")
    assert case.status == cases.IN_PROGRESS
    engine.complete_task(ready_task(db_session, case).id, {}, actor="x")
    instance = db_session.get(ProcessInstance, case.instance_id)
    assert instance is not None and instance.status == ProcessInstance.FAILED
    # recorded by the engine's after-advance hook, not by a case service
    assert (case.status, case.status_label) == (cases.FAILED, "Atteikts ar kļūdu")
    assert case.is_closed and case.closed_at == instance.ended_at
    client = as_role("supervisor")
    assert _status(client, case.number) == "Beidzās ar kļūdu: Atteikts ar kļūdu"
    closed = client.get("/cases/?status=closed").get_data(as_text=True)
    assert case.number in closed and "Beidzās ar kļūdu" in closed
    assert case.number not in client.get("/cases/?status=open").get_data(as_text=True)


def test_a_signal_from_one_case_moves_another_and_its_status(
    web_platform: Platform,
    db_session: Session,
    municipalities: tuple[str, str],
    as_role: Callable[..., WebClient],
) -> None:
    engine = _engine(web_platform, db_session)
    follower = start(engine, "case_follower")
    decider = start(engine, "case_decider")
    assert (follower.status, follower.status_label) == (cases.WAITING, "Gaida lēmumu")
    client = as_role("supervisor")
    assert _status(client, follower.number) == "Gaida: Gaida lēmumu"

    engine.complete_task(ready_task(db_session, decider).id, {}, actor="x")
    assert decider.status == cases.COMPLETED
    # the signal moved the other case on to its user task: its recorded status
    # and its page say so without anything else touching it
    assert (follower.status, follower.status_label) == (
        cases.IN_PROGRESS,
        "Informēt klientu",
    )
    assert _status(client, follower.number) == "Izskatīšanā: Informēt klientu"
