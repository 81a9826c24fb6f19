# SPDX-License-Identifier: EUPL-1.2
"""An auditor in the browser (issue 13): a clerk opens a case; the auditor finds
that by the client's personal code — typed into the form, never in the address —
and downloads the records as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, CLIENT, sign_in, start_case

AUDITOR = "auditore"  # Aija Auditore, auditor (demo)


def test_the_auditor_finds_who_opened_a_persons_case_and_exports_it(
    page: Any, live_server: str, committed: Platform
) -> None:
    number, _ = start_case(committed)
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/cases/{number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    with page.expect_navigation():
        page.get_by_role("button", name="Iziet").click()

    sign_in(page, live_server, AUDITOR)
    page.goto(f"{live_server}/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="Audita žurnāls").click()
    page.get_by_label("Personas kods").fill(CLIENT.identifier)
    with page.expect_navigation():
        page.get_by_role("button", name="Meklēt").click()
    row = page.locator("table.audit-log tbody tr", has_text=number)
    expect(row).to_contain_text("atvēra lietu")
    expect(row).to_contain_text(CLERK)
    assert CLIENT.identifier[:6] not in page.url
    shot(page, "audit-1-search-by-person")
    with page.expect_download() as download:
        page.get_by_role("button", name="Eksportēt CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "case.opened" in text and number in text
    assert CLIENT.identifier not in text
