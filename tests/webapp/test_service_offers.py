# SPDX-License-Identifier: EUPL-1.2
"""The municipality's services as its catalogue shows them (domain/offers): the
portal lists the cards in force with their prices and deadline, withdraws a
service whose card is not in force and keeps a service without a card under its
process's name; the intake desk finds the service by the card's name or code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from domain.accounts.models import User
from domain.catalogue import services as catalogue
from domain.catalogue.seed import seed_demo_cards
from domain.intake import services as intake
from domain.offers import services as offers
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.catalogue.support import content
from tests.webapp.conftest import WebClient
from tests.webapp.portal_support import sign_in

pytestmark = pytest.mark.usefixtures("deployed", "municipalities")
JANIS = "161175-19997"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKIP_LATVIJA_KEY_DIR", str(tmp_path))


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# -- the domain ------------------------------------------------------------------------
def test_offers_follow_the_cards(db_session: Session) -> None:
    before = {o.key: o for o in offers.offers(db_session, MUNI, T0.date())}
    assert before["dog_fee"].version is None  # no card: the process's name
    assert before["dog_fee"].name() == "Suņu turēšanas nodeva"
    assert "catalogue_change" not in before and "service_setup" not in before
    seed_demo_cards(db_session, MUNI, now=T0)
    after = {o.key: o for o in offers.offers(db_session, MUNI, T0.date())}
    tree = after["tree_felling"]
    assert tree.name() == "Koku ciršanas atļauja ārpus meža zemes"
    assert tree.name("en") and tree.name("en") != tree.name()
    assert [p.amount_cents for p in tree.prices] == [0, 8500]
    found = offers.search(db_session, MUNI, "sunu NODEVA", T0.date())
    assert [o.key for o in found] == ["dog_fee"]  # diacritics and case ignored
    assert [o.key for o in offers.search(db_session, MUNI, "pkip-011", None)] == [
        "tree_felling"
    ]
    assert offers.search(db_session, MUNI, "nekas tāds", None) == []


def test_a_card_not_in_force_withdraws_the_service(db_session: Session) -> None:
    catalogue.create_card(
        db_session, MUNI, content(code="PKIP-012"), actor="anna", now=T0
    )  # a draft only
    keys = {o.key for o in offers.offers(db_session, MUNI)}
    assert "dog_fee" not in keys and "tree_felling" in keys
    # another municipality's card changes nothing here
    other = {o.key for o in offers.offers(db_session, OTHER_MUNI)}
    assert "dog_fee" in other


# -- the portal ------------------------------------------------------------------------
def test_the_portal_lists_the_cards_in_force(
    client: WebClient, db_session: Session
) -> None:
    seed_demo_cards(db_session, MUNI, now=T0)
    page = client.get("/portals/riga/").get_data(as_text=True)
    text = _text(page)
    assert "Koku ciršanas atļauja ārpus meža zemes" in text
    assert "Pašvaldības nodeva par suņa turēšanu" in text  # the short description
    assert "30,00\u00a0EUR" in page and "85,00\u00a0EUR" in page
    assert "10 darba dienas" in text and "30 kalendāra dienas" in text
    assert 'href="/portals/riga/services/dog_fee"' in page
    client.submit("/language", {"lang": "en"})
    english = _text(client.get("/portals/riga/").get_data(as_text=True))
    assert "Dog-keeping fee" in english and "Fee for keeping one dog" in english
    assert "10 working days" in english


def test_a_service_whose_card_is_not_in_force_is_not_offered(
    app: Flask, db_session: Session
) -> None:
    catalogue.create_card(
        db_session, MUNI, content(code="PKIP-012"), actor="anna", now=T0
    )
    browser: WebClient = app.test_client()  # type: ignore[assignment]
    page = browser.get("/portals/riga/").get_data(as_text=True)
    assert "services/dog_fee" not in page
    assert "services/tree_felling" in page  # no card: by the process's name
    assert "Koku ciršanas atļauja" in page
    sign_in(browser, MUNI, JANIS)
    assert browser.get("/portals/riga/services/dog_fee").status_code == 404
    assert browser.get("/portals/riga/services/tree_felling").status_code == 200


def test_the_apply_page_is_titled_by_the_card(app: Flask, db_session: Session) -> None:
    seed_demo_cards(db_session, MUNI, now=T0)
    browser: WebClient = app.test_client()  # type: ignore[assignment]
    sign_in(browser, MUNI, JANIS)
    page = browser.get("/portals/riga/services/tree_felling").get_data(as_text=True)
    assert "<h1>Koku ciršanas atļauja ārpus meža zemes</h1>" in page


# -- the intake desk ---------------------------------------------------------------
@pytest.fixture
def clerk(login: Callable[..., WebClient], make_user: Callable[..., User]) -> WebClient:
    return login(make_user("lietvede", departments=("lietvedis",)))


@pytest.fixture
def letter(db_session: Session, web_platform: Platform) -> Any:
    item = intake.receive(
        db_session,
        web_platform.pii,
        municipality=MUNI,
        channel="depp",
        source_id="m-offers",
        sender="_PRIVATE@16117519997",
        subject="Iesniegums par suni",
        document_kind="Iesniegums",
        received_at=T0,
        files=[intake.FileData("iesniegums.pdf", "application/pdf", PDF)],
    )
    assert item is not None
    return item


def _options(page: str) -> list[str]:
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page)
    return [label for value, label in found if value]


def test_the_clerk_finds_the_service_in_the_catalogue(
    clerk: WebClient, db_session: Session, letter: Any
) -> None:
    seed_demo_cards(db_session, MUNI, now=T0)
    page = clerk.get(f"/intake/{letter.id}?q=PKIP-011").get_data(as_text=True)
    assert _options(page) == ["Koku ciršanas atļauja ārpus meža zemes (PKIP-011)"]
    assert 'value="tree_felling" selected' in page  # the one match is chosen
    page = clerk.get(f"/intake/{letter.id}?q=sunu").get_data(as_text=True)
    assert _options(page) == ["Suņu turēšanas nodeva (PKIP-012)"]
    page = clerk.get(f"/intake/{letter.id}?q=nekas").get_data(as_text=True)
    assert _options(page) == [] and 'id="service-none"' in page
    every = _options(clerk.get(f"/intake/{letter.id}").get_data(as_text=True))
    assert "Iesnieguma izskatīšana (PKIP-004)" in every
    assert not any("kartīti" in o or "Iestatī" in o for o in every)  # no inner ones


def test_the_clerk_cannot_start_a_process_that_is_not_a_service(
    clerk: WebClient, db_session: Session, letter: Any
) -> None:
    reply = clerk.submit(
        f"/intake/{letter.id}/start",
        {"process_key": "catalogue_change", "client_identifier": JANIS},
    )
    assert reply.status_code == 422
    assert "Šis pakalpojums pašvaldībā netiek sniegts" in reply.get_data(as_text=True)
    db_session.refresh(letter)
    assert letter.status != "started"
    started = clerk.submit(
        f"/intake/{letter.id}/start",
        {"process_key": "tree_felling", "client_identifier": JANIS, "client_name": ""},
    )
    assert started.status_code == 302, started.get_data(as_text=True)
