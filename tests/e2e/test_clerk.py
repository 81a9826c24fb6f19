# SPDX-License-Identifier: EUPL-1.2
"""A clerk's day in the browser: sign in, find the task in the inbox, submit
invalid data and see the Latvian errors next to the fields with everything typed
kept, fix it, complete it, and see the case move on — in its history and on the
diagram, where the next step is marked."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, ready_tasks, sign_in, start_case

TREE_NAME = "Koku ciršanas atļauja"
REGISTER = "Reģistrēt iesniegumu"
INSPECT = "Apsekot koku"


def test_clerk_registers_an_application(
    page: Any, live_server: str, committed: Platform
) -> None:
    number, task_id = start_case(committed)

    sign_in(page, live_server, CLERK)
    # The clerk's home is the inbox; the task waits there for her department.
    assert page.url == f"{live_server}/inbox/"
    expect(page.get_by_role("heading", name="Iesūtne", level=1)).to_be_visible()
    row = page.locator("table.tasks tbody tr", has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(REGISTER)
    expect(row).to_contain_text(TREE_NAME)
    expect(row).to_contain_text("Jānis Bērziņš")
    shot(page, "clerk-1-inbox")

    with page.expect_navigation():
        row.get_by_role("link", name=REGISTER).click()
    assert page.url.endswith(f"/tasks/{task_id}")
    expect(page.get_by_role("heading", name=REGISTER, level=1)).to_be_visible()
    shot(page, "clerk-2-task")

    # Invalid: no cadastre number, no trees.
    page.get_by_label("Adrese").fill("Brīvības iela 1, Rīga")
    page.get_by_label("Zemes vienības kadastra apzīmējums").fill("")
    page.get_by_label("Koku skaits").fill("0")
    page.get_by_label("Koku suga").fill("Parastā liepa")
    page.get_by_label("Ciršanas iemesls").fill("Koks ir bīstams, sasvēries pār ceļu.")
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()

    # Still the task page (200), with the summary and each error by its field.
    assert page.url.endswith(f"/tasks/{task_id}")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Lūdzu, izlabojiet kļūdas formā")
    expect(summary.get_by_role("link")).to_have_count(2)
    cadastre = page.get_by_label("Zemes vienības kadastra apzīmējums")
    count = page.get_by_label("Koku skaits")
    expect(cadastre).to_have_attribute("aria-invalid", "true")
    expect(count).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-cadastre_number--error")).to_contain_text("Obligāts lauks")
    expect(page.locator("#f-tree_count--error")).to_contain_text(
        "Nedrīkst būt mazāks par 1"
    )
    # The message sits in the field's own block, next to its input.
    expect(
        page.locator(".field-invalid", has=count).locator(".field-error")
    ).to_contain_text("Nedrīkst būt mazāks par 1")
    # Everything typed is still there.
    expect(page.get_by_label("Adrese")).to_have_value("Brīvības iela 1, Rīga")
    expect(count).to_have_value("0")
    expect(page.get_by_label("Koku suga")).to_have_value("Parastā liepa")
    expect(page.get_by_label("Ciršanas iemesls")).to_have_value(
        "Koks ir bīstams, sasvēries pār ceļu."
    )
    # The fields that were fine are not marked.
    expect(page.get_by_label("Adrese")).not_to_have_attribute("aria-invalid", "true")
    assert [t.element_id for t in ready_tasks(committed, number)] == [
        "register_application"
    ]
    shot(page, "clerk-3-errors")

    cadastre.fill("01000010001")
    count.fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()

    # Back in the inbox with the confirmation; the task has left it.
    assert page.url.endswith("/inbox/")
    confirmation = page.locator(".flash-success")
    expect(confirmation).to_have_attribute("role", "status")
    expect(confirmation).to_contain_text(f"Uzdevums “{REGISTER}” ir izpildīts.")
    expect(confirmation).to_contain_text(f"Lieta {number}.")
    expect(page.locator("table.tasks tbody tr", has_text=number)).to_have_count(0)
    shot(page, "clerk-4-completed")

    [inspection] = ready_tasks(committed, number)
    assert inspection.element_id == "inspect_trees"

    # The case page: new status and history, the next step marked on the diagram.
    page.goto(f"{live_server}/cases/{number}")
    expect(page.get_by_role("heading", name=f"Lieta {number}", level=1)).to_be_visible()
    expect(page.locator("#case-status")).to_have_text(f"Izskatīšanā: {INSPECT}")
    history = page.locator("ol.history")
    expect(history).to_contain_text(f"Uzdevums izpildīts: {REGISTER}")
    expect(history.locator("li", has_text="Uzdevums izpildīts")).to_contain_text(
        "Līga Lietvede"
    )
    expect(history).to_contain_text(f"Izveidots uzdevums: {INSPECT}")
    open_tasks = page.locator("section", has=page.locator("#open-title"))
    expect(open_tasks).to_contain_text(INSPECT)
    finished = page.locator("section", has=page.locator("#finished-title"))
    expect(finished).to_contain_text(REGISTER)

    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    current = diagram.locator('g.djs-element[data-element-id="inspect_trees"]')
    expect(current).to_have_class(_has("pkip-current"))
    done = diagram.locator('g.djs-element[data-element-id="register_application"]')
    expect(done).to_have_class(_has("pkip-finished"))
    expect(done).not_to_have_class(_has("pkip-current"))
    marked = diagram.locator("g.djs-element.pkip-current")
    assert sorted(marked.evaluate_all(_ids)) == ["inspect_trees"]
    # bpmn-js draws the task's Latvian name inside the SVG.
    expect(current.locator("text")).to_contain_text("Apsekot")
    # The bpmn.io watermark stays, as its licence asks.
    expect(diagram.locator("a.bjs-powered-by")).to_be_visible()
    diagram.scroll_into_view_if_needed()
    shot(page, "clerk-5-case")


def _has(css_class: str) -> re.Pattern[str]:
    """Matches a class attribute holding ``css_class``."""
    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


_ids = "els => els.map(e => e.getAttribute('data-element-id'))"
