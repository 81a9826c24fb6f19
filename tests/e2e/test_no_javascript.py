# SPDX-License-Identifier: EUPL-1.2
"""The workplace with JavaScript switched off in the browser: signing in, the
inbox, claiming, a task with an error and its completion, a case registered
through the start form, the case page, the dashboard, the language switch and
signing out all work as plain HTML forms. Only the diagram and the modeler say
they need JavaScript; the modeler's process page deploys an uploaded file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import BASE_VARIANT, ProcessDefinition
from pkip.platform import Platform
from tests.e2e.conftest import ARTIFACTS, shot
from tests.e2e.support import (
    ANALYST,
    CLERK,
    SUPERVISOR,
    demo_municipality,
    ready_tasks,
    sign_in,
    start_case,
)

REGISTER = "Reģistrēt iesniegumu"


@pytest.fixture
def nojs_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        locale="lv-LV",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True
    )
    context.close()


def _scripts_ran(page: Any) -> bool:
    """Whether the page's own scripts run: the case page's viewer would mark the
    diagram as drawn."""
    drawn: int = page.locator("#case-diagram[data-ready], #case-diagram svg").count()
    return drawn > 0


def test_clerk_works_without_javascript(
    nojs_page: Any, live_server: str, committed: Platform
) -> None:
    page = nojs_page
    number, task_id = start_case(committed)

    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/inbox/")
    row = page.locator("table.tasks tbody tr", has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("nav piešķirts")

    # Claim: a small POST form that comes back to the inbox with a message.
    with page.expect_navigation():
        row.get_by_role("button", name="Paņemt").click()
    assert page.url.endswith("/inbox/")
    expect(page.locator(".flash-success")).to_have_text("Uzdevums tagad ir jūsu.")
    row = page.locator("table.tasks tbody tr", has_text=number)
    expect(row).to_contain_text("Līga Lietvede")
    assert [t.assignee for t in ready_tasks(committed, number)] == [CLERK]

    with page.expect_navigation():
        row.get_by_role("link", name=REGISTER).click()
    assert page.url.endswith(f"/tasks/{task_id}")
    page.get_by_label("Adrese").fill("Brīvības iela 1, Rīga")
    page.get_by_label("Zemes vienības kadastra apzīmējums").fill("0100001")
    page.get_by_label("Koku skaits").fill("2")
    page.get_by_label("Koku suga").fill("Parastā liepa")
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()

    # The server's answer: the error by the field, the values kept.
    cadastre = page.get_by_label("Zemes vienības kadastra apzīmējums")
    expect(cadastre).to_have_attribute("aria-invalid", "true")
    expect(cadastre).to_have_value("0100001")
    expect(page.locator("#f-cadastre_number--error")).to_be_visible()
    expect(page.locator(".error-summary li")).to_have_count(1)
    expect(page.get_by_label("Koku skaits")).to_have_value("2")
    expect(page.get_by_label("Adrese")).to_have_value("Brīvības iela 1, Rīga")
    shot(page, "nojs-1-task-error")

    cadastre.fill("01000010001")
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()
    assert page.url.endswith("/inbox/")
    expect(page.locator(".flash-success")).to_contain_text(
        f"Uzdevums “{REGISTER}” ir izpildīts."
    )
    assert [t.element_id for t in ready_tasks(committed, number)] == ["inspect_trees"]

    # The case page reads without scripts; the diagram says it needs them.
    page.goto(f"{live_server}/cases/{number}")
    expect(page.locator("#case-status")).to_contain_text("Apsekot koku")
    expect(page.locator("ol.history")).to_contain_text(
        f"Uzdevums izpildīts: {REGISTER}"
    )
    # (Playwright's text matching skips <noscript>: read the DOM's text instead.)
    needs_js = page.locator("#case-diagram noscript p")
    expect(needs_js).to_be_visible()
    assert needs_js.text_content() == (
        "Diagrammai vajadzīgs JavaScript. Soļi ir uzskaitīti zemāk."
    )
    assert not _scripts_ran(page)
    shot(page, "nojs-2-case")


def test_case_registered_without_javascript(
    nojs_page: Any, live_server: str, committed: Platform
) -> None:
    page = nojs_page
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/start/")
    expect(
        page.get_by_role("heading", name="Uzsākt pakalpojumu", level=1)
    ).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Koku ciršanas atļauja").click()

    # No client name and a wrong code: the errors, and what was typed stays.
    page.get_by_label("Personas kods vai reģistrācijas numurs").fill("123")
    page.get_by_label("Klātienē").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Reģistrēt lietu").click()
    name = page.get_by_label("Klienta vārds un uzvārds vai uzņēmuma nosaukums")
    code = page.get_by_label("Personas kods vai reģistrācijas numurs")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_value("123")
    expect(page.locator(".error-summary")).to_contain_text(
        "Norādiet klienta vārdu, uzvārdu vai nosaukumu"
    )
    expect(page.get_by_label("Klātienē")).to_be_checked()
    shot(page, "nojs-3-start-errors")

    name.fill("Anna Kalniņa")
    code.fill("161175-19997")
    with page.expect_navigation():
        page.get_by_role("button", name="Reģistrēt lietu").click()
    assert "/cases/" in page.url
    number = page.url.rsplit("/", 1)[1]
    expect(page.locator(".flash-success")).to_have_text(
        f"Lieta {number} ir reģistrēta."
    )
    expect(page.locator(".facts")).to_contain_text("Anna Kalniņa")
    assert [t.element_id for t in ready_tasks(committed, number)] == [
        "register_application"
    ]

    # Sign out is a form too.
    with page.expect_navigation():
        page.get_by_role("button", name="Iziet").click()
    assert "/login" in page.url
    expect(page.locator(".flash-success")).to_contain_text("Jūs esat izgājis")


def test_supervisor_dashboard_without_javascript(
    nojs_page: Any, live_server: str, committed: Platform
) -> None:
    page = nojs_page
    start_case(committed)
    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server}/dashboard/")
    expect(page.locator("#total-open")).to_contain_text("1")
    # The chart is server-side SVG; the waiting steps are a table.
    expect(page.locator("figure.chart-figure svg")).to_have_count(1)
    page.get_by_label("Process", exact=True).select_option("tree_felling")
    with page.expect_navigation():
        page.get_by_role("button", name="Rādīt").last.click()
    assert page.url.endswith("?process=tree_felling")
    waiting = page.locator('#waiting tr[data-element-id="register_application"]')
    expect(waiting.locator("td")).to_have_text(["1", "0"])
    assert page.locator(".js-diagram svg").count() == 0
    shot(page, "nojs-4-dashboard")

    # The language switch is a form: English, dates still dd.mm.yyyy, and back.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("02.03.2026 09:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Latviešu").click()
    expect(page.get_by_role("heading", name="Pārraudzība", level=1)).to_be_visible()


def test_modeler_falls_back_to_an_upload_without_javascript(
    nojs_page: Any, live_server: str, committed: Platform
) -> None:
    """The modeler itself needs JavaScript; without it the page says so and the
    process page deploys a .bpmn file through a plain form."""
    page = nojs_page
    with committed.transaction() as session:
        xml = session.scalars(
            select(ProcessDefinition.bpmn_xml).where(
                ProcessDefinition.key == "tree_felling",
                ProcessDefinition.municipality == BASE_VARIANT,
            )
        ).one()
    assert 'name="Apsekot koku"' in xml
    edited = xml.replace('name="Apsekot koku"', 'name="Apsekot kokus dabā"')

    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/modeler/")
    row = page.locator("tr", has=page.locator("code", has_text="tree_felling"))
    with page.expect_navigation():
        row.get_by_role("link", name="Atvērt modelētājā").click()
    expect(page.locator("#modeler")).to_be_hidden()
    notice = page.locator("noscript p.notice")
    expect(notice).to_be_visible()
    assert (notice.text_content() or "").startswith("Modelētājam vajag JavaScript.")
    with page.expect_navigation():
        notice.get_by_role("link").click()
    assert page.url.endswith("/modeler/processes/tree_felling#upload")

    page.get_by_label("BPMN fails (.bpmn)").set_input_files(
        files=[
            {
                "name": "tree_felling.bpmn",
                "mimeType": "application/xml",
                "buffer": edited.encode("utf-8"),
            }
        ]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Pārbaudīt un ieviest").click()
    muni = demo_municipality(committed)
    expect(page.locator(".flash-success")).to_have_text(
        f"Ieviesta kā pašvaldības {muni} varianta versija 1."
    )
    expect(page.locator("table tbody tr", has_text=muni)).to_contain_text(
        "Anna Analītiķe"
    )
    shot(page, "nojs-5-modeler-upload")
