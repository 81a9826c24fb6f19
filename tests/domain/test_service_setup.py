# SPDX-License-Identifier: EUPL-1.2
"""Service set-up (process 2): a service not set up cannot be started; a set-up goes
through processes/bpmn/service_setup.bpmn (analyst prepares, owner approves or
returns it) on the persistent engine; procedure pages are rendered safely."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from domain import cases, inbox
from domain.catalogue import services as catalogue
from domain.catalogue.schemas import CardContent
from domain.services import services as setups
from domain.services.flow import DEPLOYED_END
from domain.services.models import DRAFT, READY, REVIEW
from domain.services.procedure import render_procedure
from engine.models import ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.engine.bpmn_snippets import process, user_task

StartCase = Callable[..., cases.ServiceCase]
ANALYST = inbox.Viewer("analitike", MUNI, frozenset({"analitiki"}))
OWNER = inbox.Viewer("vaditaja", MUNI, frozenset({"vaditajs"}))
NEW_CODE = "PKIP-099"


def _new_service() -> bytes:
    body = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="serviceCode" value="{NEW_CODE}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        '<bpmn:laneSet><bpmn:lane id="l1" name="lietvedis">'
        "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        '<bpmn:startEvent id="start"/>'
        f"{user_task('tree_inspection')}"
        '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>'
    )
    return process("street_trade", body)


@pytest.fixture
def new_service(
    db_session: Session,
    platform: Platform,
    deployed: dict[str, int],
    municipalities: object,
) -> None:
    platform.deployer(db_session).deploy(
        {"street_trade.bpmn": _new_service()}, deployed_by="tests"
    )
    _card(db_session, NEW_CODE)


def _card(db: Session, code: str) -> None:
    """A set-up links a card of the catalogue: the card comes first."""
    catalogue.create_card(
        db, MUNI, CardContent(code=code, name_lv="Ielu tirdzniecība"), actor="a", now=T0
    )


def _save(db: Session, **overrides: object) -> None:
    values: dict[str, object] = {
        "process_key": "street_trade",
        "forms": ["tree_inspection"],
        "procedure": "## Ielu tirdzniecība\n\nPārbaudiet **tirdzniecības vietu**.",
        "actor": "analitike",
        "now": T0,
        "known_processes": ["street_trade", "tree_felling"],
        "known_forms": ["tree_inspection"],
    }
    values.update(overrides)
    setups.save_setup(db, MUNI, NEW_CODE, **values)  # type: ignore[arg-type]


def _ready_task(db: Session, instance_id: str, element: str) -> UserTask:
    return db.scalars(
        select(UserTask).where(
            UserTask.instance_id == instance_id,
            UserTask.element_id == element,
            UserTask.state == UserTask.READY,
        )
    ).one()


@pytest.mark.usefixtures("new_service", "municipalities")
def test_a_service_not_set_up_cannot_be_started(
    start_case: StartCase, db_session: Session
) -> None:
    with pytest.raises(setups.ServiceNotSetUp) as raised:
        start_case("street_trade")
    assert raised.value.message == (
        f"Pakalpojums {NEW_CODE} nav iestatīts: tam nav norādīts process, formas "
        "un procedūras apraksts."
    )
    offered = cases.startable_processes(db_session, MUNI, ["lietvedis"])
    street = next(p for p in offered if p.key == "street_trade")
    assert street.not_ready is not None and NEW_CODE in street.not_ready[0]
    # the shipped set-ups of the sample services apply to every municipality
    tree = next(p for p in offered if p.key == "tree_felling")
    assert tree.not_ready is None
    _save(db_session)
    with pytest.raises(setups.ServiceNotSetUp) as raised:
        start_case("street_trade")
    assert "nav apstiprināts (tiek sagatavots)" in raised.value.message
    assert db_session.scalar(select(cases.ServiceCase.id).limit(1)) is None


@pytest.mark.usefixtures("municipalities", "deployed")
def test_a_municipalitys_own_draft_withdraws_a_shipped_set_up(
    start_case: StartCase, db_session: Session
) -> None:
    _card(db_session, "PKIP-012")
    setups.save_setup(
        db_session,
        MUNI,
        "PKIP-012",
        process_key="dog_fee",
        forms=["dog_fee_application"],
        procedure="Jauna kārtība",
        actor="analitike",
        now=T0,
        known_processes=["dog_fee"],
        known_forms=["dog_fee_application"],
    )
    with pytest.raises(setups.ServiceNotSetUp):
        start_case("dog_fee")
    assert start_case("dog_fee", municipality=OTHER_MUNI).service_code == "PKIP-012"


def test_setup_fields_are_checked(db_session: Session) -> None:
    with pytest.raises(FormValidationError) as raised:
        _save(
            db_session,
            process_key="nav_tada",
            forms=["nezinama"],
            procedure="x" * 100_001,
        )
    assert {e.path for e in raised.value.errors} == {
        "service_code",  # no card in the catalogue either
        "process_key",
        "forms",
        "procedure",
    }
    assert setups.own_setup(db_session, MUNI, NEW_CODE) is None


@pytest.mark.usefixtures("new_service", "municipalities")
def test_setup_goes_through_its_diagram_on_the_persistent_engine(
    start_case: StartCase, engine: ProcessEngine, db_session: Session
) -> None:
    _save(db_session)
    instance = engine.start(
        setups.SETUP_PROCESS,
        municipality=MUNI,
        actor="analitike",
        business_key=NEW_CODE,
    )
    row = setups.own_setup(db_session, MUNI, NEW_CODE)
    assert row is not None and row.stage == DRAFT
    assert row.setup_instance_id == instance.id

    prepare = _ready_task(db_session, instance.id, "prepare_setup")
    assert prepare.candidate_group == "analitiki"
    with pytest.raises(FormValidationError):  # the analyst must confirm the check
        inbox.complete(engine, ANALYST, prepare.id, {"setup_checked": False})
    inbox.complete(engine, ANALYST, prepare.id, {"setup_checked": True})
    assert row.stage == REVIEW and row.prepared_by == "analitike"
    with pytest.raises(setups.ServiceNotSetUp):
        start_case("street_trade")

    # the owner returns it: a draft again, back at the analyst's step
    approve = _ready_task(db_session, instance.id, "approve_setup")
    assert approve.candidate_group == "vaditajs"
    # the owner's task says which set-up it is about
    assert inbox.task_view(engine, OWNER, approve.id).business_key == NEW_CODE
    inbox.complete(
        engine, OWNER, approve.id, {"setup_approved": False, "owner_comment": "Labot"}
    )
    assert row.stage == DRAFT
    prepare = _ready_task(db_session, instance.id, "prepare_setup")
    inbox.complete(engine, ANALYST, prepare.id, {"setup_checked": True})
    approve = _ready_task(db_session, instance.id, "approve_setup")
    inbox.complete(engine, OWNER, approve.id, {"setup_approved": True})

    db_session.refresh(instance)
    assert (instance.status, instance.end_event) == (
        ProcessInstance.COMPLETED,
        DEPLOYED_END,
    )
    assert (row.stage, row.approved_by, row.setup_instance_id) == (
        READY,
        "vaditaja",
        None,
    )
    case = start_case("street_trade")
    assert case.service_code == NEW_CODE
    # another municipality has no set-up of this service
    with pytest.raises(setups.ServiceNotSetUp):
        start_case("street_trade", municipality=OTHER_MUNI)


def test_procedure_markdown_is_rendered_without_active_content() -> None:
    html = str(
        render_procedure(
            "# Kārtība\n\n- **Pārbaudīt** [VZD](https://www.vzd.gov.lv)\n"
            "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n"
            '<img src=x onerror="alert(1)">'
        )
    )
    assert "<h2>Kārtība</h2>" in html
    assert "<strong>Pārbaudīt</strong>" in html
    assert 'href="https://www.vzd.gov.lv"' in html and 'rel="noopener' in html
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html


def test_shipped_setups_have_procedures() -> None:
    tree = setups._shipped()["PKIP-011"]
    dog = setups._shipped()["PKIP-012"]
    assert (tree.process_key, dog.process_key) == ("tree_felling", "dog_fee")
    assert "Ministru kabineta" in tree.procedure and "LDC" in dog.procedure


@pytest.mark.usefixtures("municipalities", "deployed")
def test_a_service_without_a_card_cannot_be_set_up(db_session: Session) -> None:
    with pytest.raises(FormValidationError) as raised:
        setups.save_setup(
            db_session,
            MUNI,
            "PKIP-098",
            process_key="dog_fee",
            forms=["dog_fee_application"],
            procedure="Kārtība",
            actor="analitike",
            now=T0,
            known_processes=["dog_fee"],
            known_forms=["dog_fee_application"],
        )
    [error] = [e for e in raised.value.errors if e.path == "service_code"]
    assert error.message.startswith("Pakalpojumu katalogā nav kartītes PKIP-098")
