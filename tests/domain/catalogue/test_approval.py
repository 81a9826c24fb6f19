# SPDX-License-Identifier: EUPL-1.2
"""The approval diagram (processes/bpmn/catalogue_change.bpmn) through the persistent
engine and the outbox: draft → returned with a comment → corrected and resubmitted →
approved → published at the PSPP simulator (retried after a PSPP failure; an
incident after the last attempt); a price list no longer in force refuses the
approval; a service's first case is reported after its catalogue card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from connectors.systems.pspp.operators import simulator
from connectors.systems.pspp.simulator import PsppSimulator
from core.contracts import FormValidationError
from domain import cases
from domain.catalogue import services as catalogue
from domain.catalogue.models import APPROVED, PUBLISHED, RETURNED, REVIEW
from domain.catalogue.schemas import PriceInput
from domain.catalogue.seed import seed_demo_cards
from domain.models import Municipality
from engine.clock import ManualClock
from engine.models import (
    DELIVERED,
    FAILED,
    HELD,
    Incident,
    OutboxMessage,
    ProcessInstance,
    UserTask,
)
from pkip.platform import Platform
from tasks import outbox
from tests.conftest import MUNI, PROCESS_DIR, drain_outbox
from tests.domain.catalogue.support import CODE, OWNERS, content, departments
from tests.domain.conftest import DOG_OWNER, DOG_START

RIGA_ATVK = "0001000"


@pytest.fixture
def sim() -> Iterator[PsppSimulator]:
    found = simulator()
    found.reset()
    yield found
    found.reset()


@pytest.fixture
def live(committed: Platform, sim: PsppSimulator) -> Platform:
    with committed.transaction() as session:
        session.add(Municipality(code=MUNI, name="Rīgas valstspilsēta", atvk=RIGA_ATVK))
        session.flush()
        departments(session, MUNI)
    committed.deploy([PROCESS_DIR])
    return committed


def _create(platform: Platform, **changes: Any) -> int:
    with platform.transaction() as session:
        card = catalogue.create_card(
            session, MUNI, content(**changes), actor="anna", now=platform._now()
        )
        return card.id


def _submit(platform: Platform, card_id: int, note: str = "") -> None:
    with platform.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        catalogue.submit(platform.engine(session), card, actor="anna", note=note)


def _review(platform: Platform, card_id: int, data: dict[str, Any]) -> None:
    with platform.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        task = session.scalars(
            select(UserTask).where(
                UserTask.instance_id == card.versions[-1].instance_id,
                UserTask.state == UserTask.READY,
            )
        ).one()
        assert (task.element_id, task.candidate_group) == ("review_card", OWNERS)
        assert task.form_key == "catalogue_review"
        platform.engine(session).complete_task(task.id, data, actor="sandra")


def _state(platform: Platform, card_id: int) -> tuple[str, list[tuple[str, str]]]:
    with platform.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        events = [(e.kind, e.comment) for e in catalogue.history(session, card)]
        return card.versions[-1].state, events


def _publication(platform: Platform, card_id: int) -> OutboxMessage:
    with platform.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        message = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.instance_id == card.versions[-1].instance_id
            )
        ).one()
        session.expunge(message)
        return message


def test_returned_corrected_approved_and_published_after_a_pspp_failure(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    card_id = _create(live, name_en="")
    with pytest.raises(catalogue.CatalogueError) as exc:
        _submit(live, card_id)
    assert [e.path for e in exc.value.errors] == ["name_en"]
    with live.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        catalogue.save_draft(session, card, content(), actor="anna", now=live._now())
    _submit(live, card_id, "Pirmā versija")
    assert _state(live, card_id)[0] == REVIEW

    # the owner returns it with a comment; the analyst corrects and resubmits
    _review(
        live, card_id, {"card_approved": False, "review_comment": "Precizējiet cenu"}
    )
    state, events = _state(live, card_id)
    assert state == RETURNED
    assert events[0] == ("returned", "Precizējiet cenu")
    with live.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        fixed = content()
        fixed.prices[0].amount = "15,00"
        catalogue.save_draft(session, card, fixed, actor="anna", now=live._now())
    _submit(live, card_id, "Cena precizēta")
    assert _state(live, card_id)[0] == REVIEW

    # approved: in force at once, its publication queued through the outbox
    _review(live, card_id, {"card_approved": True})
    state, events = _state(live, card_id)
    assert state == APPROVED
    assert events[0] == ("approved", "")  # the earlier return's comment not repeated
    assert events[1] == ("resubmitted", "Cena precizēta")
    assert [kind for kind, _ in events] == [
        "approved",
        "resubmitted",
        "edited",
        "returned",
        "submitted",
        "edited",
        "created",
    ]
    sim.inject("publish_service", "http500", 1)
    stats = outbox.deliver_due(live)
    assert stats.retried == 1 and CODE not in sim.cards
    clock.advance(seconds=3)
    assert drain_outbox(live) == 1
    assert _state(live, card_id)[0] == PUBLISHED
    published = sim.cards[CODE]["card"]
    assert published["name"] == "Atļauja pasākumam parkā"
    assert published["name_en"] == "Permit for an event in a park"
    assert published["provider"] == {
        "name": "Rīgas valstspilsēta",
        "atvk": RIGA_ATVK,
        "department": "Specialists",
    }
    assert published["fees"] == [
        {
            "name": "Atļaujas izsniegšana",
            "name_en": "Issuing the permit",
            "amount": "15.00",
            "currency": "EUR",
            "unit": "par atļauju",
            "valid_from": "2026-01-01",
        }
    ]
    assert published["result_term"] == {"days": 10, "kind": "working"}
    assert published["catalogue_version"] == 1
    assert sim.published == [CODE]
    assert "Atļaujas izsniegšana: 15,00 EUR (no 01.01.2026)" in sim.page().get_data(
        as_text=True
    )
    with live.transaction() as session:
        card = catalogue.get_card(session, MUNI, card_id)
        assert card is not None
        assert card.versions[-1].pspp_version == 1
        instance = session.get(ProcessInstance, card.versions[-1].instance_id)
        assert instance is not None and instance.end_event == "end_published"


def test_an_exhausted_publication_is_an_incident_and_its_retry_publishes(
    live: Platform, sim: PsppSimulator, clock: ManualClock
) -> None:
    card_id = _create(live)
    _submit(live, card_id)
    _review(live, card_id, {"card_approved": True})
    sim.inject("publish_service", "http500", 10_000)
    for _ in range(live.retry_policy.max_attempts):
        outbox.deliver_due(live)
        clock.advance(hours=2)
    assert _publication(live, card_id).status == FAILED
    with live.transaction() as session:
        [incident] = session.scalars(select(Incident)).all()
        assert incident.status == Incident.OPEN
        assert incident.element_id == "publish_card"
        incident_id = incident.id
    # the card is in force (approved) although PSPP does not have it yet
    assert _state(live, card_id)[0] == APPROVED
    sim.faults.clear()
    with live.transaction() as session:
        live.engine(session).retry_incident(incident_id, actor="admins")
    drain_outbox(live)
    assert _publication(live, card_id).status == DELIVERED
    assert _state(live, card_id)[0] == PUBLISHED
    assert CODE in sim.cards


def test_a_price_list_expired_by_the_review_refuses_the_approval(
    live: Platform, clock: ManualClock
) -> None:
    ending = PriceInput(
        name_lv="Atļaujas izsniegšana",
        amount="12,50",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 3, 2),
    )
    card_id = _create(live, prices=[ending])
    _submit(live, card_id)  # Monday 2 March: the price is in force
    clock.advance(days=1)
    with pytest.raises(FormValidationError) as exc:
        _review(live, card_id, {"card_approved": True})
    [error] = exc.value.errors
    assert error.path == "prices"
    assert error.message == (
        "Cenrādis: 03.03.2026 nav spēkā neviena cena — kartīti nevar apstiprināt, "
        "kamēr cenrādis nav derīgs"
    )
    # nothing changed: the task is still open, the version still under review
    state, events = _state(live, card_id)
    assert state == REVIEW and events[0][0] == "submitted"
    with live.transaction() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    # returning it still works, with the comment
    _review(
        live, card_id, {"card_approved": False, "review_comment": "Cenrādis beidzies"}
    )
    assert _state(live, card_id)[0] == RETURNED


def _dog_case(platform: Platform) -> str:
    with platform.transaction() as session:
        case = cases.start_case(
            platform.engine(session),
            session,
            "dog_fee",
            municipality=MUNI,
            data=dict(DOG_START),
            actor="lietvede",
            client=cases.Client("Jānis Bērziņš", DOG_OWNER),
            channel=cases.E_SERVICE,
        )
        return case.number


def test_a_services_first_case_waits_for_its_catalogue_card(
    live: Platform, sim: PsppSimulator
) -> None:
    sim.cards.pop("PKIP-012")
    with live.transaction() as session:
        seed_demo_cards(session, MUNI, now=live._now())
    number = _dog_case(live)
    with live.transaction() as session:
        messages = session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id)
        ).all()
        assert [(m.operator, m.status) for m in messages][:2] == [
            ("pspp.publish_service", "pending"),
            ("pspp.case_event", HELD),
        ]
        assert messages[0].idempotency_key == f"pspp-card:{MUNI}:PKIP-012:v1"
    drain_outbox(live)
    card = sim.cards["PKIP-012"]["card"]
    assert card["name_en"] == "Dog-keeping fee"
    assert [f["amount"] for f in card["fees"]] == ["30.00", "0.00", "0.00"]
    assert [e["status"] for e in sim.case_events(number)] == [
        "registered",
        "in_progress",
    ]
    # a second case needs no second card
    _dog_case(live)
    with live.transaction() as session:
        cards = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.operator == "pspp.publish_service"
            )
        ).all()
        assert len(cards) == 1


def test_a_case_after_an_approval_waits_for_the_diagrams_publication(
    live: Platform, sim: PsppSimulator
) -> None:
    sim.cards.pop("PKIP-012")
    card_id = _create(live, code="PKIP-012", process_key="dog_fee")
    _submit(live, card_id)
    _review(live, card_id, {"card_approved": True})
    sim.inject("publish_service", "http500", 1)
    outbox.deliver_due(live)  # the publication fails once
    number = _dog_case(live)
    publication = _publication(live, card_id)
    with live.transaction() as session:
        first = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.operator == "pspp.case_event")
            .order_by(OutboxMessage.id)
        ).first()
        assert first is not None and first.status == HELD
        assert first.after_id == publication.id
    live.engine_config.clock.advance(seconds=3)  # type: ignore[attr-defined]
    drain_outbox(live)
    assert sim.cards["PKIP-012"]["card"]["name"] == "Atļauja pasākumam parkā"
    assert [e["status"] for e in sim.case_events(number)][:1] == ["registered"]
