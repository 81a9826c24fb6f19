# SPDX-License-Identifier: EUPL-1.2
"""Service set-up (process 2) in the browser: the analyst links a catalogue card's
code to its deployed process, ticks its form and writes the procedure in Markdown,
sends it for approval; the service owner sends it back with a comment from the
inbox; the analyst sees the comment, corrects the procedure and sends it again;
the owner approves; the clerk then starts the service on /start/ and finds the
procedure beside the case's first task."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from domain.catalogue import services as catalogue
from domain.catalogue.schemas import CardContent
from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, CLERK, SUPERVISOR, demo_municipality, sign_in
from tests.engine.bpmn_snippets import process

CODE = "DEMO-PARKS-02"
KEY = "e2e_park_events"
NAME = "Atļauja pasākumam parkā"
APPROVE = "Apstiprināt iestatījumu"
FIRST_TASK = "Izskatīt pieteikumu"


def _diagram() -> bytes:
    body = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="serviceCode" value="{CODE}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        '<bpmn:laneSet><bpmn:lane id="l1" name="lietvedis">'
        "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        '<bpmn:startEvent id="start"/>'
        f'<bpmn:userTask id="review" name="{FIRST_TASK}"><bpmn:extensionElements>'
        "<spiffworkflow:properties>"
        '<spiffworkflow:property name="formKey" value="tree_inspection"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>'
    )
    return process(KEY, body).replace(b'name="Tests"', f'name="{NAME}"'.encode())


def _new_service(platform: Platform) -> None:
    """The process is deployed and its card exists (the catalogue's own browser
    test walks a card; here it is where the set-up starts)."""
    with platform.transaction() as session:
        platform.deployer(session).deploy(
            {f"{KEY}.bpmn": _diagram()}, deployed_by="setup"
        )
        catalogue.create_card(
            session,
            demo_municipality(platform),
            CardContent(code=CODE, name_lv=NAME),
            actor=ANALYST,
            now=datetime.now(UTC),
        )


def _owner_decides(page: Any, base: str, approve: bool, comment: str = "") -> None:
    sign_in(page, base, SUPERVISOR)
    page.goto(f"{base}/inbox/")
    row = page.locator("table.tasks tbody tr", has_text=APPROVE)
    with page.expect_navigation():
        row.get_by_role("link", name=APPROVE).first.click()
    expect(page.get_by_role("heading", name=APPROVE, level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(CODE))).to_be_visible()
    page.get_by_role("radio", name="Jā" if approve else "Nē").check()
    if comment:
        page.get_by_label("Komentārs").fill(comment)
    shot(page, f"service-setup-owner-{'approves' if approve else 'returns'}")
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()
    expect(page.get_by_text("ir izpildīts")).to_be_visible()
    page.context.clear_cookies()


def test_a_service_is_set_up_returned_approved_and_started(
    page: Any, live_server: str, committed: Platform
) -> None:
    _new_service(committed)

    # Not set up yet: the clerk's start page says so instead of offering it.
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/start/")
    expect(page.get_by_text(f"Pakalpojums {CODE} nav iestatīts")).to_be_visible()
    page.context.clear_cookies()

    # The analyst links the code to the process, its form and a procedure.
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/services/")
    page.get_by_label("Pakalpojuma kods (no pakalpojumu kataloga)").fill(CODE)
    with page.expect_navigation():
        page.get_by_role("button", name="Atvērt iestatījumu").click()
    expect(
        page.get_by_role("heading", name=f"Pakalpojuma {CODE} iestatījums", level=1)
    ).to_be_visible()
    page.get_by_label("Process", exact=True).select_option(KEY)
    page.get_by_label("tree_inspection").check()
    page.get_by_label("Procedūras apraksts (Markdown)").fill(
        "## Pārbaude\n\n1. **Pārbaudi** pasākuma plānu.\n2. Sazinies ar policiju."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt melnrakstu").click()
    expect(page.get_by_role("heading", name="Pārbaude")).to_be_visible()
    expect(page.locator(".procedure-text strong")).to_have_text("Pārbaudi")
    with page.expect_navigation():
        page.get_by_role("button", name="Nosūtīt apstiprināšanai").click()
    expect(page.locator("#setup-stage")).to_contain_text(
        "gaida pakalpojuma īpašnieka apstiprinājumu"
    )
    shot(page, "service-setup-1-sent")
    page.context.clear_cookies()

    # The owner sends it back with a comment.
    _owner_decides(
        page, live_server, approve=False, comment="Pievienojiet izskatīšanas termiņu."
    )

    # The analyst sees why, corrects the procedure and sends it again.
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/services/{CODE}")
    returned = page.locator("#setup-returned")
    expect(returned).to_contain_text("Atdota labošanai")
    expect(returned).to_contain_text("Pievienojiet izskatīšanas termiņu.")
    page.get_by_label("Procedūras apraksts (Markdown)").fill(
        "## Pārbaude\n\n1. **Pārbaudi** pasākuma plānu.\n2. Sazinies ar policiju.\n"
        "3. Atbildi 10 darba dienās."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt melnrakstu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Nosūtīt apstiprināšanai").click()
    expect(page.locator("#setup-returned")).to_have_count(0)
    page.context.clear_cookies()

    _owner_decides(page, live_server, approve=True)

    # Ready: the clerk starts the service and sees the procedure beside its task.
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/start/")
    expect(page.get_by_text(f"Pakalpojums {CODE} nav iestatīts")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name=NAME).click()
    page.get_by_label("Klienta vārds un uzvārds vai uzņēmuma nosaukums").fill(
        "Jānis Bērziņš"
    )
    page.get_by_label("Personas kods vai reģistrācijas numurs").fill("161175-19997")
    page.get_by_label("Klātienē").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Reģistrēt lietu").click()
    found = re.search(r"/cases/([A-Z]+-\d{4}-\d{6})$", page.url)
    assert found, page.url
    page.goto(f"{live_server}/inbox/")
    row = page.locator("table.tasks tbody tr", has_text=found.group(1))
    with page.expect_navigation():
        row.get_by_role("link", name=FIRST_TASK).click()
    procedure = page.locator(".procedure")
    expect(procedure.get_by_role("heading", name="Procedūras apraksts")).to_be_visible()
    expect(procedure.locator("strong")).to_have_text("Pārbaudi")
    expect(procedure).to_contain_text("Atbildi 10 darba dienās.")
    shot(page, "service-setup-2-first-task")
