# SPDX-License-Identifier: EUPL-1.2
"""The service catalogue in the browser: an analyst creates a card, the service owner
returns it from the inbox with a comment, the analyst corrects and resubmits it, the
owner approves it, PSPP receives it through the outbox, and the public page (no
sign-in) shows it with its price."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from connectors.systems.pspp.operators import simulator
from pkip.platform import Platform
from tests.conftest import drain_outbox
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, demo_municipality, sign_in

OWNER = "turetaja"  # Sandra Turētāja, service owner (pakalpojumu_turetaji)
CODE = "DEMO-PARKS-01"
NAME = "Atļauja pasākumam parkā"
REVIEW = "Izskatīt pakalpojuma kartīti"


def _review(page: Any, base: str, approve: bool, comment: str = "") -> None:
    sign_in(page, base, OWNER)
    page.goto(f"{base}/inbox/")
    with page.expect_navigation():
        page.get_by_role("link", name=REVIEW).first.click()
    expect(page.get_by_role("heading", name=REVIEW, level=1)).to_be_visible()
    page.get_by_role("radio", name="Jā" if approve else "Nē").check()
    if comment:
        page.get_by_label("Komentārs").fill(comment)
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()
    expect(page.get_by_text("ir izpildīts")).to_be_visible()
    page.context.clear_cookies()


def test_a_card_is_returned_corrected_approved_and_public(
    page: Any, live_server: str, committed: Platform
) -> None:
    sim = simulator()
    sim.reset()
    muni = demo_municipality(committed)
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/catalogue/")
    expect(
        page.get_by_role("heading", name="Pakalpojumu katalogs", level=1)
    ).to_be_visible()
    expect(page.get_by_role("link", name="Suņu turēšanas nodeva")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Jauna pakalpojuma kartīte").click()

    page.get_by_label("Pakalpojuma kods").fill(CODE)
    page.get_by_label("Nosaukums (latviski)").fill(NAME)
    page.get_by_label("Nosaukums (angliski)").fill("Permit for an event in a park")
    page.get_by_label("Apraksts (latviski)").fill("Atļauja rīkot pasākumu parkā.")
    page.get_by_label("Tiesiskais pamatojums").fill(
        "Publisku izklaides un svētku pasākumu drošības likums"
    )
    page.get_by_label("Fiziska persona").check()
    page.get_by_label("Juridiska persona").check()
    page.get_by_label("E-pakalpojums").check()
    page.get_by_label("Termiņš, dienas").fill("10")
    page.get_by_label("Atbildīgā struktūrvienība").select_option("specialists")
    page.get_by_label("Nepieciešamie dokumenti").fill("Iesniegums\nPasākuma plāns")
    page.get_by_label("Rezultāts (latviski)").fill("Atļauja vai atteikums.")
    page.locator("#prices-0-name_lv").fill("Atļaujas izsniegšana")
    page.locator("#prices-0-amount").fill("12,5O")  # a typo: the letter O
    page.locator("#prices-0-valid_from").fill("01.01.2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt melnrakstu").click()
    # refused beside the field, everything typed kept
    expect(page.locator("#prices-0-amount-error")).to_contain_text("Summa eiro")
    expect(page.get_by_label("Nosaukums (latviski)")).to_have_value(NAME)
    page.locator("#prices-0-amount").fill("12,50")
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt melnrakstu").click()
    expect(page.locator("#card-state")).to_have_text("Melnraksts")
    with page.expect_navigation():
        page.get_by_role("button", name="Iesniegt izskatīšanai").click()
    expect(page.locator("#card-state")).to_have_text("Izskatīšanā")
    card_url = page.url
    shot(page, "catalogue-1-submitted")
    page.context.clear_cookies()

    _review(page, live_server, approve=False, comment="Norādiet angļu rezultātu")

    sign_in(page, live_server, ANALYST)
    page.goto(card_url)
    expect(page.locator("#card-state")).to_have_text("Atdota labošanai")
    expect(page.locator("#return-comment")).to_contain_text("Norādiet angļu rezultātu")
    shot(page, "catalogue-2-returned")
    with page.expect_navigation():
        page.get_by_role("link", name="Labot").click()
    page.get_by_label("Rezultāts (angliski)").fill("A permit or a refusal.")
    page.get_by_label("Piezīme pakalpojuma turētājam").fill("Rezultāts papildināts")
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt un iesniegt izskatīšanai").click()
    expect(page.locator("#card-state")).to_have_text("Izskatīšanā")
    page.context.clear_cookies()

    _review(page, live_server, approve=True)
    assert drain_outbox(committed) >= 1  # the card's publication in PSPP
    assert sim.cards[CODE]["card"]["name"] == NAME

    sign_in(page, live_server, ANALYST)
    page.goto(card_url)
    expect(page.locator("#card-state")).to_have_text("Publicēta")
    expect(page.locator("#card-pspp")).to_contain_text("PSPP saņēma")
    history = page.locator("#card-history li")
    expect(history.nth(1)).to_have_text(
        re.compile(r"Apstiprināta \(1\. versija\), Sandra Turētāja$")
    )
    expect(history.nth(4)).to_contain_text("Sandra Turētāja: Norādiet angļu rezultātu")
    shot(page, "catalogue-3-published")
    page.context.clear_cookies()

    page.goto(f"{live_server}/pakalpojumi/{muni}")
    card = page.locator("article", has=page.get_by_role("heading", name=NAME))
    expect(card).to_be_visible()
    expect(card).to_contain_text("Atļaujas izsniegšana")
    expect(card).to_contain_text("12,50")
    assert "12,50\u00a0EUR" in card.text_content()
    expect(card).to_contain_text("no 01.01.2026")
    shot(page, "catalogue-4-public")
