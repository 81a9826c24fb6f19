# SPDX-License-Identifier: EUPL-1.2
"""Processes 3–4 walked in the browser as people do them.

A resident writes to the municipality on the DEPP simulator's page; the registry
clerk takes the letter in Ienākošie and starts a generic service case; the clerk
checks the application, the specialist drafts the decision, the head decides; the
background job makes the decision PDF and sends it to the resident's e-address; the
clerk downloads the PDF from the case page, and the simulator's page shows the
decision the resident received. And a VPVKAC clerk takes an application for the
municipality, which decides it and hands the result over from its print queue.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.operators import depp_client
from connectors.systems.depp.simulator import default_simulator
from pkip.platform import Platform
from tasks.edelivery import poll_depp
from tests.conftest import drain_outbox
from tests.domain.documents.pdf import pdf_text
from tests.e2e.conftest import shot
from tests.e2e.support import (
    CLERK,
    SPECIALIST,
    SUPERVISOR,
    demo_municipality,
    ready_tasks,
    sign_in,
)

TITLE = "Iesniegums par žoga būvniecību"
SERVICE = "Pakalpojuma pieprasījums un rezultāta izsniegšana"
DECISION = "Lēmums par žoga būvniecību"
DECISION_TEXT = "Atļaut būvēt koka žogu 1,5 m augstumā."


def _as(page: Any, base: str, username: str) -> None:
    """Sign out ("Iziet" ends the session on the server, so no late answer can
    bring it back), then sign in as ``username``."""
    page.wait_for_load_state("networkidle")
    leave = page.get_by_role("button", name="Iziet")
    if leave.count():
        with page.expect_navigation():
            leave.click()
        page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, base, username)


def _task(page: Any, base: str, platform: Platform, number: str, element: str) -> None:
    [task] = [t for t in ready_tasks(platform, number) if t.element_id == element]
    page.goto(f"{base}/tasks/{task.id}")


def _submit(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()
    page.wait_for_load_state("networkidle")
    assert "/tasks/" not in page.url, "the task form was refused"


def _check_draft_decide(page: Any, base: str, platform: Platform, number: str) -> None:
    _as(page, base, CLERK)
    _task(page, base, platform, number, "check_application")
    page.get_by_label("Iesnieguma būtība").fill("Žoga būvniecība")
    page.get_by_role("radio", name="Jā").check()
    _submit(page)
    _as(page, base, SPECIALIST)
    _task(page, base, platform, number, "draft_decision")
    page.get_by_label("Lēmuma nosaukums").fill(DECISION)
    page.get_by_label("Lēmuma teksts").fill(DECISION_TEXT)
    _submit(page)
    _as(page, base, SUPERVISOR)
    _task(page, base, platform, number, "decide")
    page.get_by_role("radio", name="Piešķirt").check()
    shot(page, "service-case-decide")
    _submit(page)


def _download_decision(page: Any, base: str, number: str, tmp_path: Path) -> str:
    _as(page, base, CLERK)
    page.goto(f"{base}/cases/{number}")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Izdotie dokumenti")
    )
    expect(section).to_contain_text("DEMO-2026-D-00001")
    with page.expect_download() as info:
        section.get_by_role("link", name=DECISION).click()
    target = tmp_path / "lemums.pdf"
    info.value.save_as(target)
    text = pdf_text(target.read_bytes())
    assert text == (
        "Demo pašvaldība\n"
        "Reģ. Nr. DEMO-2026-D-00001\n"
        "02.03.2026\n"
        "LĒMUMS\n"
        f"Lieta Nr. {number}. Saņēmējs: Jānis Bērziņš.\n"
        f"{DECISION}\n"
        f"{DECISION_TEXT}\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas."
    )
    return text


def test_a_letter_sent_on_the_depp_page_is_answered_with_a_decision(
    page: Any, live_server: str, committed: Platform, tmp_path: Path
) -> None:
    default_simulator().reset()
    municipality = demo_municipality(committed)
    own = depp_client(municipality).own_address

    # a resident writes on the simulator's page
    page.goto(f"{live_server}/sim/depp/")
    page.get_by_label("Sūtītāja personas kods vai reģistrācijas numurs").fill(
        "161175-19997"
    )
    page.get_by_label("Adresāts (iestādes e-adrese)").fill(own)
    page.get_by_label("Temats").fill(TITLE)
    page.get_by_label("Vēstules teksts").fill(
        "Lūdzu atļaut būvēt koka žogu pie mājas Ķiršu ielā 3.\nJānis Bērziņš"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Nosūtīt").click()
    expect(page.locator("#send-ok")).to_have_text("Vēstule nosūtīta.")
    expect(page.locator("#letters-sent")).to_contain_text("vēl nav saņemta")
    assert "16117519997" not in page.content()
    shot(page, "service-case-1-letter")

    assert poll_depp(committed, municipality).unrouted >= 1

    # the registry clerk takes it in Ienākošie and starts the case
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/intake/")
    row = page.locator("#intake-list tbody tr", has_text=TITLE)
    with page.expect_navigation():
        row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("link", name="vestule.pdf")).to_be_visible()
    page.get_by_label("Pakalpojums").select_option(
        label="Iesnieguma izskatīšana (PKIP-004)"
    )
    page.get_by_label("Personas kods vai reģistrācijas numurs").fill("161175-19997")
    page.get_by_label(re.compile("^Klienta vārds")).fill("Jānis Bērziņš")
    with page.expect_navigation():
        page.get_by_role("button", name="Reģistrēt lietu").click()
    found = re.search(r"/cases/([A-Z]+-\d{4}-\d{6})$", page.url)
    assert found, page.url
    number = found.group(1)

    _check_draft_decide(page, live_server, committed, number)
    # the background job: the PDF, its send, the case's PSPP events
    assert drain_outbox(committed) >= 2
    _download_decision(page, live_server, number, tmp_path)
    page.goto(f"{live_server}/cases/{number}")
    expect(page.locator("body")).to_contain_text("Pieņemts lēmums")
    shot(page, "service-case-2-case")

    # the resident's mailbox on the simulator's page has the decision, as a file
    page.goto(f"{live_server}/sim/depp/")
    mail = page.locator("#resident-mail tbody tr", has_text="DEMO-2026-D-00001")
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text("_PRIVATE@16****-****7")
    expect(page.locator("#letters-sent")).to_contain_text("saņemta ")
    with page.expect_download() as info:
        mail.get_by_role("link").first.click()
    received = tmp_path / "sanemts.pdf"
    info.value.save_as(received)
    assert pdf_text(received.read_bytes()).splitlines()[3] == "LĒMUMS"
    shot(page, "service-case-3-mailbox")


def test_an_application_taken_at_vpvkac_is_handed_over_there(
    page: Any, live_server: str, committed: Platform, tmp_path: Path
) -> None:
    municipality = demo_municipality(committed)
    sign_in(page, live_server, "vpvkac")
    page.goto(f"{live_server}/intake/vpvkac")
    page.get_by_label("Pašvaldība").select_option(value=municipality)
    with page.expect_navigation():
        page.get_by_role("button", name="Rādīt tās pakalpojumus").click()
    page.get_by_label("Pakalpojums").select_option(
        label="Iesniegums klientu centrā (VPVKAC)"
    )
    page.get_by_label("Personas kods vai reģistrācijas numurs").fill("161175-19997")
    page.get_by_label(re.compile("^Klienta vārds")).fill("Jānis Bērziņš")
    page.get_by_label("Temats").fill(TITLE)
    scan = tmp_path / "skenets-iesniegums.pdf"
    scan.write_bytes(demo_pdf("Skenets iesniegums"))
    page.locator("input[type=file]").set_input_files(str(scan))
    with page.expect_navigation():
        page.get_by_role("button", name="Nosūtīt pašvaldībai").click()
    flash = page.get_by_text(re.compile(r"Iesniegums DEMO-\d{4}-\d{6} nosūtīts"))
    expect(flash).to_be_visible()
    found = re.search(r"DEMO-\d{4}-\d{6}", flash.inner_text())
    assert found
    number = found.group(0)
    shot(page, "vpvkac-1-sent")

    _check_draft_decide(page, live_server, committed, number)
    assert drain_outbox(committed) >= 2
    # the resident has an e-address, but collects the result at the centre
    _as(page, live_server, CLERK)
    page.goto(f"{live_server}/documents/print-queue")
    row = page.locator("tr", has_text=DECISION)
    with page.expect_navigation():
        row.get_by_role("button", name="Atzīmēt kā izdrukātu").click()
    row = page.locator("tr", has_text=DECISION)
    with page.expect_navigation():
        row.get_by_role("button", name="Atzīmēt kā izsniegtu").click()
    shot(page, "vpvkac-2-handed-over")
    drain_outbox(committed)
    _download_decision(page, live_server, number, tmp_path)
    page.goto(f"{live_server}/cases/{number}")
    body = page.locator("body")
    expect(body).to_contain_text("Rezultāts izsniegts")
    expect(body).to_contain_text("Slēgts")
    shot(page, "vpvkac-3-case")
