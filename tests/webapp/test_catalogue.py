# SPDX-License-Identifier: EUPL-1.2
"""The catalogue's pages: an analyst creates and edits a draft with a form that needs
no JavaScript, errors come back beside the fields in Latvian, the owner's review is
an inbox task, another municipality's card answers 404, and the public page lists
the published cards with today's prices without sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.accounts.models import ANALYST, SERVICE_OWNER
from domain.catalogue import services as catalogue
from domain.catalogue.schemas import PriceInput
from domain.catalogue.seed import seed_demo_cards
from engine.clock import ManualClock
from engine.models import UserTask
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.catalogue.support import OWNERS, content
from tests.webapp.conftest import WebClient

FORM: dict[str, Any] = {
    "code": "riga-parks-01",
    "name_lv": "Atļauja pasākumam parkā",
    "name_en": "Permit for an event in a park",
    "description_lv": "Atļauja rīkot publisku pasākumu parkā.",
    "description_en": "A permit to hold a public event in a park.",
    "legal_basis": "Publisku izklaides un svētku pasākumu drošības likums\n"
    "Saistošie noteikumi | https://likumi.lv/",
    "applicants": ["person", "company"],
    "channels": ["online", "in_person"],
    "deadline_days": "10",
    "deadline_kind": "working",
    "department": "specialists",
    "process_key": "",
    "documents": "Iesniegums\nPasākuma plāns (neobligāts)",
    "result_lv": "Atļauja vai atteikums.",
    "result_en": "A permit or a refusal.",
    "procedure": "1. Pārbaudi plānu.",
    "prices-0-name_lv": "Atļaujas izsniegšana",
    "prices-0-name_en": "Issuing the permit",
    "prices-0-amount": "12,50",
    "prices-0-unit": "par atļauju",
    "prices-0-valid_from": "01.01.2026",
    "prices-0-valid_to": "",
    "prices-1-name_lv": "",
    "prices-1-amount": "",
}


@pytest.fixture
def owners(db_session: Session, municipalities: tuple[str, str]) -> None:
    for muni in municipalities:
        accounts.ensure_department(db_session, muni, OWNERS, "Pakalpojumu turētāji")


def _errors(page: str) -> list[str]:
    found = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", e)).strip() for e in found]


def test_an_analyst_creates_and_edits_a_draft(
    analyst: WebClient, db_session: Session, deployed: dict[str, int]
) -> None:
    assert analyst.get("/catalogue/new").status_code == 200
    response = analyst.submit("/catalogue/new", FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    card = catalogue.find_card(db_session, MUNI, "RIGA-PARKS-01")
    assert card is not None
    version = card.versions[0]
    assert version.state == "draft"
    assert version.legal_basis == [
        {"title": "Publisku izklaides un svētku pasākumu drošības likums"},
        {"title": "Saistošie noteikumi", "url": "https://likumi.lv/"},
    ]
    assert version.documents[1] == {"name": "Pasākuma plāns", "mandatory": False}
    assert [(p.amount_cents, str(p.valid_from)) for p in version.prices] == [
        (1250, "2026-01-01")
    ]
    page = analyst.get(response.headers["Location"]).get_data(as_text=True)
    assert "12,50\u00a0EUR" in page and "Melnraksts" in page
    # the edit form comes back filled, with empty rows to add prices
    edit = analyst.get(f"/catalogue/{card.id}/edit").get_data(as_text=True)
    assert 'value="12,50"' in edit and 'value="01.01.2026"' in edit
    assert 'name="prices-2-amount"' in edit


def test_bad_input_is_refused_field_by_field_and_kept(
    analyst: WebClient, deployed: dict[str, int]
) -> None:
    bad = dict(
        FORM,
        code="x",
        name_lv="<script>alert(1)</script>",
        deadline_days="desmit",
        **{"prices-0-amount": "12,345", "prices-0-valid_from": "32.13.2026"},
    )
    page = analyst.submit("/catalogue/new", bad)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # kept, escaped
    errors = _errors(text)
    assert "Kļūda: Norādiet veselu skaitli" in errors
    assert "Kļūda: Datums formā dd.mm.gggg" in errors
    assert any(e.startswith("Kļūda: Summa eiro, piem. 12,50") for e in errors)
    assert any(e.startswith("Kļūda: Kods: 2–32 lielie burti") for e in errors)
    assert "Kļūda: Teksts nedrīkst saturēt HTML atzīmes" in errors
    assert 'id="error-summary-title"' in text


def test_a_draft_without_a_price_list_cannot_go_to_review(
    analyst: WebClient,
    db_session: Session,
    deployed: dict[str, int],
    owners: None,
) -> None:
    card = catalogue.create_card(
        db_session, MUNI, content(prices=[]), actor="anna", now=T0
    )
    page = analyst.submit(f"/catalogue/{card.id}/submit", {"note": ""})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cenrādis: nav neviena cenas ieraksta" in text
    db_session.refresh(card.versions[0])
    assert card.versions[0].state == "draft"


def test_the_owners_review_is_an_inbox_task_and_a_return_is_shown(
    analyst: WebClient,
    as_role: Callable[..., WebClient],
    db_session: Session,
    deployed: dict[str, int],
    owners: None,
) -> None:
    card = catalogue.create_card(db_session, MUNI, content(), actor="anna", now=T0)
    assert analyst.submit(f"/catalogue/{card.id}/submit", {}).status_code == 302
    owner = as_role(SERVICE_OWNER, departments=(OWNERS,))
    inbox = owner.get("/inbox/").get_data(as_text=True)
    assert "Izskatīt pakalpojuma kartīti" in inbox
    task = db_session.scalars(
        select(UserTask).where(UserTask.element_id == "review_card")
    ).one()
    form = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Apstiprināt kartīti" in form
    # returning needs a comment
    missing = owner.submit(f"/tasks/{task.id}", {"f.card_approved": "false"})
    assert missing.status_code == 200
    done = owner.submit(
        f"/tasks/{task.id}",
        {"f.card_approved": "false", "f.review_comment": "Precizējiet rezultātu"},
    )
    assert done.status_code == 302
    page = analyst.get(f"/catalogue/{card.id}").get_data(as_text=True)
    assert "Atdota labošanai" in page and "Precizējiet rezultātu" in page
    assert "Iesniegt atkārtoti" in page


def test_another_municipalitys_card_is_404(
    make_user: Callable[..., Any],
    login: Callable[..., WebClient],
    db_session: Session,
) -> None:
    card = catalogue.create_card(db_session, OTHER_MUNI, content(), actor="x", now=T0)
    client = login(make_user(roles=(ANALYST,)))
    for url in (
        f"/catalogue/{card.id}",
        f"/catalogue/{card.id}/edit",
        f"/catalogue/{card.id}?version=1",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/catalogue/{card.id}/submit", f"/catalogue/{card.id}/new-version"):
        assert client.submit(url, {}).status_code == 404, url
    assert "RIGA-PARKS-01" not in client.get("/catalogue/").get_data(as_text=True)


def test_only_editors_change_cards(
    as_role: Callable[..., WebClient], db_session: Session
) -> None:
    card = catalogue.create_card(db_session, MUNI, content(), actor="x", now=T0)
    owner = as_role(SERVICE_OWNER, departments=())
    assert owner.get(f"/catalogue/{card.id}").status_code == 200
    assert owner.get("/catalogue/new").status_code == 403
    assert owner.submit(f"/catalogue/{card.id}/submit", {}).status_code == 403
    specialist = as_role("specialist")
    assert specialist.get("/catalogue/").status_code == 403


def test_the_public_catalogue_needs_no_sign_in(
    client: WebClient, db_session: Session
) -> None:
    seed_demo_cards(db_session, MUNI, now=T0)
    catalogue.create_card(db_session, MUNI, content(), actor="x", now=T0)  # a draft
    page = client.get(f"/pakalpojumi/{MUNI}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Suņu turēšanas nodeva" in text and "Koku ciršanas atļauja" in text
    assert "30,00\u00a0EUR" in text and "85,00\u00a0EUR" in text
    assert "no 01.01.2026" in text
    assert "Atļauja pasākumam parkā" not in text  # not approved
    assert client.get(f"/pakalpojumi/{OTHER_MUNI}").status_code == 200
    assert client.get("/pakalpojumi/NAV").status_code == 404
    client.submit("/language", {"lang": "en"})
    english = client.get(f"/pakalpojumi/{MUNI}").get_data(as_text=True)
    assert "Dog-keeping fee" in english and "Fee for keeping one dog" in english


def test_an_approval_with_an_expired_price_list_is_refused_on_the_form(
    analyst: WebClient,
    as_role: Callable[..., WebClient],
    db_session: Session,
    deployed: dict[str, int],
    owners: None,
    clock: ManualClock,
) -> None:
    ending = PriceInput(
        name_lv="Atļauja",
        amount="5",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 3, 2),
    )
    card = catalogue.create_card(
        db_session, MUNI, content(prices=[ending]), actor="anna", now=T0
    )
    assert analyst.submit(f"/catalogue/{card.id}/submit", {}).status_code == 302
    clock.advance(days=1)
    owner = as_role(SERVICE_OWNER, departments=(OWNERS,))
    task = db_session.scalars(
        select(UserTask).where(UserTask.element_id == "review_card")
    ).one()
    refused = owner.submit(f"/tasks/{task.id}", {"f.card_approved": "true"})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "Cenrādis: 03.03.2026 nav spēkā neviena cena" in text
    db_session.refresh(task)
    assert task.state == UserTask.READY
    db_session.refresh(card.versions[0])
    assert card.versions[0].state == "review"


def test_a_refused_submit_shows_the_form_that_saves_the_corrections(
    analyst: WebClient,
    db_session: Session,
    deployed: dict[str, int],
    owners: None,
) -> None:
    card = catalogue.create_card(
        db_session, MUNI, content(result_lv=""), actor="anna", now=T0
    )
    page = analyst.submit(f"/catalogue/{card.id}/submit", {})
    text = page.get_data(as_text=True)
    assert f'action="/catalogue/{card.id}/edit"' in text
    fixed = dict(FORM, code="", result_lv="Atļauja.", submit="1")
    done = analyst.submit(f"/catalogue/{card.id}/edit", fixed)
    assert done.status_code == 302
    db_session.refresh(card.versions[0])
    assert card.versions[0].state == "review"
    assert card.versions[0].result_lv == "Atļauja."
    assert card.code == "RIGA-PARKS-01"  # the code never changes
