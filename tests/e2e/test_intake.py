# SPDX-License-Identifier: EUPL-1.2
"""A resident's letter to the municipality's e-address: delivered in the DEPP
simulator, polled by the e-delivery job, seen by the registry clerk in Ienākošie,
and a service case started from it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from connectors.systems.depp import contract as env
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.operators import depp_client
from connectors.systems.depp.simulator import default_simulator
from pkip.platform import Platform
from tasks.edelivery import poll_depp
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, demo_municipality, sign_in

TITLE = "Iesniegums par ozola nociršanu pie skolas"


def test_a_letter_by_e_address_becomes_a_case(
    page: Any, live_server: str, committed: Platform
) -> None:
    municipality = demo_municipality(committed)
    own = depp_client(municipality).own_address
    default_simulator().deliver(
        "_PRIVATE@16117519997",
        own,
        document_kind="Iesniegums",
        title=TITLE,
        attachments=(env.Attachment("iesniegums.pdf", env.PDF, demo_pdf("Ozols")),),
    )
    report = poll_depp(committed, municipality)
    assert report.unrouted >= 1

    sign_in(page, live_server, CLERK)
    with page.expect_navigation():
        page.get_by_role("link", name="Ienākošie").first.click()
    expect(page.get_by_role("heading", name="Ienākošie", level=1)).to_be_visible()
    row = page.locator("#intake-list tbody tr", has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("_PRIVATE@16****-****7")
    shot(page, "intake-1-queue")

    with page.expect_navigation():
        row.get_by_role("link", name=TITLE).click()
    expect(page.locator("#item-sender")).to_have_text("_PRIVATE@16****-****7")
    pdf_link = page.get_by_role("link", name="iesniegums.pdf")
    expect(pdf_link).to_be_visible()
    # the PDF opens in the browser: inline, with its own type
    href = pdf_link.get_attribute("href")
    answer = page.request.get(f"{live_server}{href}")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert "16117519997" not in page.url and "161175" not in (href or "")

    # find the service by search, confirm the client, register the case
    page.get_by_label("Meklēt pakalpojumu").fill("koku")
    with page.expect_navigation():
        page.get_by_role("button", name="Meklēt").first.click()
    page.get_by_label("Pakalpojums").select_option(
        label="Koku ciršanas atļauja ārpus meža zemes (PKIP-011)"
    )
    page.get_by_label("Personas kods vai reģistrācijas numurs").fill("161175-19997")
    page.get_by_label(re.compile("^Klienta vārds")).fill("Jānis Bērziņš")
    shot(page, "intake-2-item")
    with page.expect_navigation():
        page.get_by_role("button", name="Reģistrēt lietu").click()
    assert re.search(r"/cases/[A-Z]+-\d{4}-\d{6}$", page.url), page.url
    expect(page.get_by_text("Koku ciršanas atļauja").first).to_be_visible()
    shot(page, "intake-3-case")
