# SPDX-License-Identifier: EUPL-1.2
"""The residents' portal in a browser: a resident signs in through the simulated
latvija.lv, applies for the dog fee and finds the case in "Mani pieteikumi"; a
company's representative sees the company's case; and applying works with
JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from domain import portal
from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import demo_municipality
from tests.webapp.portal_support import choice

JANIS, LIGA, PETERIS = "161175-19997", "328673-00679", "020385-12343"
COMPANY = "40003521600"


@pytest.fixture(autouse=True)
def _keys(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    keys: Path = tmp_path_factory.getbasetemp() / "portal-e2e-saml"
    monkeypatch.setenv("PKIP_LATVIJA_KEY_DIR", str(keys))
    yield


def _sign_in(page: Any, base: str, code: str, company: str | None = None) -> None:
    """From the portal's front page through latvija.lv's page and back."""
    page.goto(f"{base}/portals/demo/")
    with page.expect_navigation():
        page.get_by_role("link", name="Pieteikties ar latvija.lv").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("latvija.lv")
    page.locator(f'input[name="who"][value="{choice(code, company)}"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Pieteikties").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Turpināt uz pakalpojumu").click()
    assert page.url.endswith("/portals/demo/"), page.url
    assert code not in page.url and code.replace("-", "") not in page.url


def _apply_for_dog_fee(page: Any) -> str:
    with page.expect_navigation():
        page.get_by_role("link", name="Suņu turēšanas nodeva").click()
    for question in ("Īpašnieks ir pensionārs", "Īpašniekam ir invaliditāte"):
        page.get_by_role("group", name=question).get_by_label("Nē").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Iesniegt pieteikumu").click()
    expect(page.locator(".flash-success")).to_contain_text("Jūsu pieteikums reģistrēts")
    number = page.url.rsplit("/", 1)[1]
    assert number.startswith("DEMO-")
    return number


def test_a_resident_applies_and_a_representative_sees_the_company_case(
    page: Any, live_server: str, committed: Platform
) -> None:
    _sign_in(page, live_server, JANIS)
    expect(page.locator(".who")).to_have_text("Jānis Bērziņš")
    shot(page, "portal-1-signed-in")
    number = _apply_for_dog_fee(page)
    expect(page.locator(".facts")).to_contain_text("Izskatīšanā")
    with page.expect_navigation():
        page.get_by_role("link", name="Mani pieteikumi").first.click()
    row = page.locator("table.list tbody tr", has_text=number)
    expect(row).to_contain_text("Suņu turēšanas nodeva")
    expect(row).to_contain_text("Izskatīšanā")
    expect(row.locator("td").nth(4)).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4}$"))
    shot(page, "portal-2-my-applications")
    with page.expect_navigation():
        page.get_by_role("button", name="Iziet").click()

    # The company's case (started for it by its other board member).
    with committed.transaction() as db:
        code = demo_municipality(committed)
        process = portal.service(db, code, "tree_felling")
        company_case = portal.apply(
            committed.engine(db),
            db,
            process,
            code=code,
            resident=portal.Resident(
                JANIS, "Jānis Bērziņš", COMPANY, 'SIA "Parauga Būvnieks"'
            ),
            data={
                "address": "Brīvības iela 1, Rīga",
                "cadastre_number": "01000010001",
                "tree_count": 2,
                "species": "ozols",
            },
            token="e2e-company-case-0001",
        ).number
    _sign_in(page, live_server, LIGA, COMPANY)
    expect(page.locator(".who")).to_contain_text("Parauga Būvnieks")
    with page.expect_navigation():
        page.get_by_role("link", name="Mani pieteikumi").first.click()
    expect(page.locator("table.list")).to_contain_text(company_case)
    expect(page.locator("table.list")).not_to_contain_text(number)  # Jānis's own
    shot(page, "portal-3-company-applications")


def test_applying_works_without_javascript(
    browser: Any, live_server: str, committed: Platform
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="lv-LV")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server, PETERIS)
        number = _apply_for_dog_fee(page)
        with page.expect_navigation():
            page.get_by_role("link", name="Mani pieteikumi").first.click()
        expect(page.locator("table.list")).to_contain_text(number)
        shot(page, "portal-4-no-javascript")
    finally:
        context.close()
