# SPDX-License-Identifier: EUPL-1.2
"""Case pages: the list (masked clients, filters), one case (status, history with
times and actors, tasks, the diagram's data), incidents with retry, isolation."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from core.contracts import CallContext
from domain import cases
from engine.deploy import Deployer
from engine.models import Incident, ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.engine import bpmn_snippets as b
from tests.engine.factories import deliver_commands, paid
from tests.webapp.casework import ready_task, start, unlabelled_controls
from tests.webapp.conftest import WebClient, make_app


class FlakyRegistry:
    """A registry that fails until told to work (wraps the platform's own)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.working = False

    def has_operator(self, name: str) -> bool:
        return name == "test.lookup" or self.inner.has_operator(name)

    def is_command(self, name: str) -> bool:
        return name != "test.lookup" and self.inner.is_command(name)

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        if name != "test.lookup":
            return self.inner.call(name, params, context)
        if not self.working:
            raise TimeoutError("the registry did not answer in 5 s")
        return {"found": True}


@pytest.fixture
def flaky(web_platform: Platform) -> FlakyRegistry:
    return FlakyRegistry(web_platform.connectors)


@pytest.fixture
def test_platform(
    web_platform: Platform, flaky: FlakyRegistry, db_session: Session
) -> Platform:
    plat = copy.copy(web_platform)
    plat.engine_config = dataclasses.replace(
        web_platform.engine_config, connectors=flaky
    )
    Deployer(
        db_session,
        serializer=plat.engine_config.serializer,
        connectors=flaky,
        forms=plat.engine_config.forms,
    ).deploy({"svc.bpmn": b.linear("lookup", b.service_task("test.lookup", "owner"))})
    return plat


@pytest.fixture
def app(test_platform: Platform, municipalities: tuple[str, str]) -> Flask:
    return make_app(test_platform)


@pytest.fixture
def test_engine(test_platform: Platform, db_session: Session) -> ProcessEngine:
    return ProcessEngine(db_session, test_platform.engine_config)


def _diagram(page: str) -> dict[str, Any]:
    tree = lxml_html.fromstring(page)
    [script] = tree.cssselect("script#case-diagram-data")
    data: dict[str, Any] = json.loads(script.text)
    return data


@pytest.mark.usefixtures("deployed")
def test_case_page_shows_status_history_tasks_and_the_diagram(
    test_engine: ProcessEngine,
    db_session: Session,
    as_role: Callable[..., WebClient],
    make_user: Callable[..., Any],
) -> None:
    make_user("finansiste", departments=("finansists",), full_name="Ilze Finansiste")
    case = start(test_engine, "dog_fee")
    review = ready_task(db_session, case)
    test_engine.claim(review.id, user="finansiste", municipality=MUNI)
    test_engine.complete_task(
        review.id, {"approved": True}, actor="finansiste", municipality=MUNI
    )
    deliver_commands(test_engine, case.instance_id)  # the payment request
    client = as_role("specialist")
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("h1")[0].text_content() == f"Lieta {case.number}"
    assert "Suņu turēšanas nodeva (PKIP-012)" in page
    assert "Jānis Bērziņš, 16****-****7" in page and "161175-19997" not in page
    assert tree.cssselect("#case-status")[0].text_content() == (
        "Gaida: Klienta samaksa"
    )
    history = [li.text_content() for li in tree.cssselect("ol.history li")]
    assert any("02.03.2026" in h and "Lieta uzsākta" in h for h in history)
    completed = next(h for h in history if "Uzdevums izpildīts" in h)
    assert "Apstiprināt nodevu" in completed and "Ilze Finansiste" in completed
    assert any("Uzdevums paņemts" in h for h in history)
    finished = tree.cssselect("section[aria-labelledby=finished-title] tbody tr")
    assert "Apstiprināt nodevu" in finished[0].text_content()
    assert "Nav atvērtu uzdevumu." in page

    diagram = _diagram(page)
    assert diagram["xml"].lstrip().startswith("<?xml")
    assert (
        "review_fee" in diagram["finished"] and "check_ldc_dogs" in diagram["finished"]
    )
    assert diagram["current"] == ["await_payment"] and diagram["incidents"] == []
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert unlabelled_controls(page) == []


@pytest.mark.usefixtures("deployed")
def test_the_diagram_marks_the_open_task(
    test_engine: ProcessEngine, as_role: Callable[..., WebClient]
) -> None:
    case = start(test_engine)
    page = as_role("municipality_admin").get(f"/cases/{case.number}")
    diagram = _diagram(page.get_data(as_text=True))
    assert diagram["current"] == ["register_application"]
    assert "start_tree_felling" in diagram["finished"]


def test_incident_is_shown_and_retried_by_a_supervisor(
    test_engine: ProcessEngine,
    db_session: Session,
    flaky: FlakyRegistry,
    as_role: Callable[..., WebClient],
) -> None:
    case = start(test_engine, "lookup", data={"owner": "161175-19997"})
    [incident] = test_engine.open_incidents(case.instance_id)

    clerk = as_role("specialist")
    page = clerk.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "TimeoutError: the registry did not answer in 5 s" in page
    assert "Mēģināt vēlreiz" not in page  # clerks see it, supervisors retry it
    assert _diagram(page)["incidents"] == ["work"]
    url = f"/cases/{case.number}/incidents/{incident.id}/retry"
    assert clerk.submit(url).status_code == 403

    boss = as_role("supervisor")
    assert "Mēģināt vēlreiz" in boss.get(f"/cases/{case.number}").get_data(as_text=True)
    again = boss.submit(url)
    assert again.status_code == 302
    page = boss.get(again.location).get_data(as_text=True)
    assert "Solis tika izpildīts vēlreiz un atkal neizdevās." in page
    db_session.refresh(incident)
    assert (incident.status, incident.attempts) == (Incident.OPEN, 2)

    flaky.working = True
    admin = as_role("municipality_admin")
    admin.submit(url)
    page = admin.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Neizdevies solis tika izpildīts vēlreiz." in page
    db_session.refresh(incident)
    assert incident.status == Incident.RESOLVED
    instance = db_session.get(ProcessInstance, case.instance_id)
    assert instance is not None
    db_session.refresh(instance)
    assert instance.status == ProcessInstance.COMPLETED
    db_session.refresh(case)
    assert case.status == cases.COMPLETED
    assert "Atkārtots pēc kļūdas" in page and "Lieta pabeigta" in page
    # retrying a resolved incident is harmless
    admin.submit(url)
    assert "Kļūda jau ir novērsta." in admin.get(f"/cases/{case.number}").get_data(
        as_text=True
    )


@pytest.mark.usefixtures("deployed")
def test_case_list_masks_clients_and_filters(
    test_engine: ProcessEngine, as_role: Callable[..., WebClient]
) -> None:
    first = start(test_engine)
    start(test_engine, "dog_fee")
    start(test_engine, municipality=OTHER_MUNI)
    client = as_role("specialist")
    page = client.get("/cases/").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    numbers = [a.text_content() for a in tree.cssselect("table.list tbody td a")]
    assert numbers == [f"{MUNI}-2026-000002", f"{MUNI}-2026-000001"]
    assert "16****-****7" in page and "161175-19997" not in page
    assert "2 lietas" in page
    assert unlabelled_controls(page) == []
    trees = client.get("/cases/?process=tree_felling").get_data(as_text=True)
    assert first.number in trees and f"{MUNI}-2026-000002" not in trees
    one = client.get(f"/cases/?number={first.number}").get_data(as_text=True)
    assert "1 lieta" in one
    assert "0 lietu" in client.get("/cases/?status=closed").get_data(as_text=True)


@pytest.mark.usefixtures("deployed")
def test_other_municipalities_cases_answer_404(
    test_engine: ProcessEngine,
    db_session: Session,
    as_role: Callable[..., WebClient],
) -> None:
    theirs = start(test_engine, "lookup", data={}, municipality=OTHER_MUNI)
    [incident] = test_engine.open_incidents(theirs.instance_id)
    mine = start(test_engine, "lookup", data={})
    [my_incident] = test_engine.open_incidents(mine.instance_id)
    boss = as_role("supervisor")
    assert boss.get(f"/cases/{theirs.number}").status_code == 404
    assert boss.get(f"/cases/{theirs.number}/documents/{'a' * 64}").status_code == 404
    retry = f"/cases/{theirs.number}/incidents/{incident.id}/retry"
    assert boss.submit(retry).status_code == 404
    # another case's incident through my case's number is not found either
    crossed = f"/cases/{mine.number}/incidents/{incident.id}/retry"
    assert boss.submit(crossed).status_code == 404
    db_session.refresh(incident)
    assert incident.attempts == 1
    assert boss.get("/cases/NO-SUCH").status_code == 404
    assert my_incident.status == Incident.OPEN


def test_the_case_pages_need_a_case_role(as_role: Callable[..., WebClient]) -> None:
    assert as_role("analyst").get("/cases/").status_code == 403


@pytest.mark.usefixtures("deployed")
def test_the_list_shows_the_status_the_engine_has_now(
    test_engine: ProcessEngine, db_session: Session, as_role: Callable[..., WebClient]
) -> None:
    case = start(test_engine, "dog_fee")
    review = ready_task(db_session, case)
    # advanced by the engine alone (as a timer or a payment job would)
    test_engine.complete_task(review.id, {"approved": True}, actor="x")
    deliver_commands(test_engine, case.instance_id)
    test_engine.correlate_message(
        "payment_received",
        municipality=MUNI,
        correlation={"case_number": case.number},
        payload=paid(case.number),
    )
    # every advance keeps the recorded status in step (EngineConfig.after_advance)
    assert case.status == cases.COMPLETED
    client = as_role("supervisor")
    closed = client.get("/cases/?status=closed").get_data(as_text=True)
    assert case.number in closed and "Pabeigts: Nodeva samaksāta" in closed
    assert case.number not in client.get("/cases/?status=open").get_data(as_text=True)
