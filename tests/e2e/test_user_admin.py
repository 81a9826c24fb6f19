# SPDX-License-Identifier: EUPL-1.2
"""A municipality administrator in the browser (issue 13): creates a user with a
role and a department; the user signs in with the one-time password, chooses
their own, sees the department's task and takes it; the administrator disables
them and hands the task back to a colleague."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import ready_tasks, sign_in, start_case

ADMIN = "admins"  # Andris Administrators, municipality_admin (demo)
REGISTER = "Reģistrēt iesniegumu"


def _sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Iziet").click()


def test_admin_creates_a_user_who_works_then_is_disabled_and_replaced(
    page: Any, live_server: str, committed: Platform
) -> None:
    number, task_id = start_case(committed)  # waits in lietvedis' queue

    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="Lietotāji", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Jauns lietotājs").click()
    page.get_by_label("Lietotājvārds").fill("rberzina")
    page.get_by_label("Vārds un uzvārds").fill("Rasma Bērziņa")
    page.get_by_label("E-pasts").fill("rasma@example.lv")
    page.get_by_label("speciālists").check()
    page.get_by_label("Lietvedība (lietvedis)").check()
    shot(page, "admin-1-new-user")
    with page.expect_navigation():
        page.get_by_role("button", name="Izveidot lietotāju").click()
    password = page.get_by_label("Parole").input_value()
    assert len(password) == 12
    _sign_out(page)

    # the new user: the one-time password leads to the password page only
    sign_in(page, live_server, "rberzina", password)
    assert page.url.endswith("/password")
    expect(page.get_by_role("heading", name="Mainīt paroli", level=1)).to_be_visible()
    page.get_by_label("Pašreizējā parole").fill(password)
    page.get_by_label("Jaunā parole", exact=True).fill("rasmas-parole-1")
    page.get_by_label("Jaunā parole vēlreiz").fill("rasmas-parole-1")
    with page.expect_navigation():
        page.get_by_role("button", name="Mainīt paroli").click()
    page.goto(f"{live_server}/inbox/")
    row = page.locator("table.tasks tbody tr", has_text=number)
    expect(row).to_contain_text(REGISTER)
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("Paņemt")).click()
    shot(page, "admin-2-user-took-the-task")
    _sign_out(page)

    # the administrator disables her: her task is listed to hand over
    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/users/?q=rasma")
    with page.expect_navigation():
        page.get_by_role("link", name="Rasma Bērziņa").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Atspējot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("atvērtie uzdevumi")
    task_row = page.locator("tbody tr", has_text=REGISTER)
    task_row.get_by_label("Nodot").select_option("lietvede")
    shot(page, "admin-3-hand-over")
    with page.expect_navigation():
        task_row.get_by_role("button", name="Nodot citam").click()
    expect(page.locator(".flash-success")).to_contain_text("lietvede")
    expect(page.get_by_text("Nav atvērtu uzdevumu.")).to_be_visible()
    [task] = ready_tasks(committed, number)
    assert (task.id, task.assignee) == (task_id, "lietvede")
    _sign_out(page)

    # she can no longer sign in
    page.goto(f"{live_server}/login")
    page.get_by_label("Lietotājvārds").fill("rberzina")
    page.get_by_label("Parole").fill("rasmas-parole-1")
    with page.expect_navigation():
        page.get_by_role("button", name="Pieteikties").click()
    assert "/login" in page.url
