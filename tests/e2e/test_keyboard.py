# SPDX-License-Identifier: EUPL-1.2
"""Forms by keyboard and by label: on the login page and the task page every
control has an accessible name (as Chromium computes it), Tab moves through the
fields in the order they are shown, and the error summary's links move the focus
to the field they name."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from domain.accounts.services import DEMO_PASSWORD
from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, start_case

CONTROLS = "input:not([type=hidden]), select, textarea, button"
# The registration form's fields, in the order the form shows them.
TASK_FIELDS = [
    ("f-applicant_code", "Iesniedzēja personas kods"),
    ("f-address", "Adrese"),
    ("f-atvk", "Administratīvās teritorijas kods (ATVK)"),
    ("f-cadastre_number", "Zemes vienības kadastra apzīmējums"),
    ("f-tree_count", "Koku skaits"),
    ("f-species", "Koku suga"),
    ("f-reason", "Ciršanas iemesls"),
]


def _focused(page: Any) -> str:
    """What has the focus: its id, else its tag and text."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || (e.tagName.toLowerCase() + ':' + e.textContent.trim()); }"
        )
    )


def _every_control_is_named(page: Any) -> int:
    """Each visible control has a non-empty accessible name; returns how many."""
    controls = page.locator(CONTROLS)
    checked = 0
    for i in range(controls.count()):
        control = controls.nth(i)
        if not control.is_visible():
            continue
        expect(control).to_have_accessible_name(re.compile(r"\w"))
        checked += 1
    return checked


def test_login_page_by_keyboard(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    assert _every_control_is_named(page) >= 3
    username = page.get_by_label("Lietotājvārds")
    password = page.get_by_label("Parole")
    expect(username).to_have_attribute("id", "username")
    expect(password).to_have_attribute("id", "password")

    # The first Tab reaches the skip link; following it puts the next Tab on the
    # first field of the form.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Pāriet uz saturu")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(username).to_be_focused()
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Pieteikties")).to_be_focused()

    # Submitting empty: the summary links to the fields it names.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    link = summary.get_by_role("link", name=re.compile("^Lietotājvārds"))
    expect(link).to_be_visible()
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_accessible_description(re.compile("lietotājvārd"))
    assert _every_control_is_named(page) >= 3
    shot(page, "keyboard-1-login-errors")
    link.focus()
    page.keyboard.press("Enter")
    expect(username).to_be_focused()

    # Sign in without the mouse.
    page.keyboard.type(CLERK)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/inbox/")


def test_task_form_by_keyboard(
    page: Any, live_server: str, committed: Platform
) -> None:
    number, task_id = start_case(committed)
    page.goto(f"{live_server}/login")
    page.get_by_label("Lietotājvārds").fill(CLERK)
    page.get_by_label("Parole").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Parole").press("Enter")

    page.goto(f"{live_server}/tasks/{task_id}")
    named = _every_control_is_named(page)
    assert named >= len(TASK_FIELDS) + 2  # the fields, Complete, Claim
    for field_id, label in TASK_FIELDS:
        control = page.get_by_label(label)  # the label also says "(obligāts)"
        expect(control).to_have_attribute("id", field_id)
        expect(control).to_have_accessible_name(label)  # that part is aria-hidden

    # Tab from the first field goes through the others in order, then Complete.
    first = page.get_by_label(TASK_FIELDS[0][1])
    first.focus()
    order = [_focused(page)]
    for _ in TASK_FIELDS[1:]:
        page.keyboard.press("Tab")
        order.append(_focused(page))
    assert order == [field_id for field_id, _ in TASK_FIELDS]
    page.keyboard.press("Tab")
    complete = page.get_by_role("button", name="Izpildīt")
    expect(complete).to_be_focused()

    # Fill in by keyboard, leaving the tree count out, and send with Enter.
    page.get_by_label("Adrese").focus()
    page.keyboard.type("Brīvības iela 1, Rīga")
    page.keyboard.press("Tab")  # ATVK stays empty
    page.keyboard.press("Tab")
    page.keyboard.type("01000010001")
    page.keyboard.press("Tab")  # tree count stays empty
    page.keyboard.press("Tab")
    page.keyboard.type("Parastā liepa")
    complete.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith(f"/tasks/{task_id}")
    summary = page.locator(".error-summary")
    links = summary.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_text("Koku skaits: Obligāts lauks")
    count = page.get_by_label("Koku skaits")
    expect(count).to_have_accessible_description(re.compile("Obligāts lauks"))
    expect(page.get_by_label("Zemes vienības kadastra apzīmējums")).to_have_value(
        "01000010001"
    )
    assert _every_control_is_named(page) == named
    shot(page, "keyboard-2-task-errors")

    # The summary's link puts the focus on the field; type the fix and send.
    links.first.focus()
    page.keyboard.press("Enter")
    expect(count).to_be_focused()
    page.keyboard.type("3")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field submits its form
    assert page.url.endswith("/inbox/")
    expect(page.locator(".flash-success")).to_contain_text(f"Lieta {number}.")
