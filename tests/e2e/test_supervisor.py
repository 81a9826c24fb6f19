# SPDX-License-Identifier: EUPL-1.2
"""A supervisor in the browser: a task past its due date shows up on the dashboard
as overdue — in the totals, by department, by process and by person — and on the
diagram of cases waiting at each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from domain import inbox
from engine.clock import ManualClock
from pkip.platform import Platform
from tests.conftest import T0
from tests.e2e.conftest import shot
from tests.e2e.support import (
    CLERK,
    SUPERVISOR,
    demo_municipality,
    ready_tasks,
    sign_in,
    start_case,
)

TREE_NAME = "Koku ciršanas atļauja"


def test_supervisor_sees_an_overdue_task(
    page: Any, live_server: str, committed: Platform, clock: ManualClock
) -> None:
    muni = demo_municipality(committed)
    # Monday 09:00: registration is due within one working day; Līga takes it.
    late, task_id = start_case(committed)
    with committed.transaction() as session:
        clerk = inbox.Viewer(
            username=CLERK, municipality=muni, departments=frozenset({"lietvedis"})
        )
        inbox.claim(committed.engine(session), clerk, task_id)
    [task] = ready_tasks(committed, late)
    assert task.due_at is not None and task.assignee == CLERK
    # Thursday: that task is overdue; a case registered now is not.
    clock.now = T0 + timedelta(days=3)
    assert clock.now > task.due_at
    on_time, _ = start_case(committed)

    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server}/dashboard/?process=tree_felling")
    expect(page.get_by_role("heading", name="Pārraudzība", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("05.03.2026 09:00")
    expect(page.locator("#total-overdue")).to_have_text("1")
    expect(page.locator("#total-open")).to_contain_text("2")
    expect(page.locator("#total-unassigned")).to_have_text("1")

    by_department = page.get_by_role("table", name="Pa nodaļām")
    lietvediba = by_department.locator('tr[data-key="lietvedis"]')
    expect(lietvediba.get_by_role("rowheader")).to_have_text("Lietvedība")
    expect(lietvediba.locator("td.overdue")).to_have_text("1")

    by_process = page.get_by_role("table", name="Pa procesiem")
    tree = by_process.locator('tr[data-key="tree_felling"]')
    expect(tree.get_by_role("rowheader")).to_have_text(TREE_NAME)
    expect(tree.locator("td.overdue")).to_have_text("1")
    expect(tree.locator("td").first).to_have_text("2")  # open

    by_person = page.get_by_role("table", name="Pa darbiniekiem")
    liga = by_person.locator(f'tr[data-key="{CLERK}"]')
    expect(liga.get_by_role("rowheader")).to_have_text("Līga Lietvede")
    expect(liga.locator("td.overdue")).to_have_text("1")
    nobody = by_person.locator('tr[data-key=""]')
    expect(nobody.get_by_role("rowheader")).to_have_text("Nepiešķirti")
    expect(nobody.locator("td.overdue")).to_have_text("0")
    shot(page, "supervisor-1-deadlines")

    # Cases waiting at each step: the table and the count on the diagram.
    waiting = page.locator('#waiting tr[data-element-id="register_application"]')
    expect(waiting.locator("td")).to_have_text(["2", "1"])
    step = page.locator(
        '.js-diagram g.djs-element[data-element-id="register_application"]'
    )
    expect(step).to_be_visible()
    badge = page.locator(".js-diagram .diagram-count")
    expect(badge).to_have_count(1)
    expect(badge).to_have_text("2")
    expect(badge).to_have_class("diagram-count diagram-count-overdue")
    page.locator("#waiting-title").scroll_into_view_if_needed()
    shot(page, "supervisor-2-waiting")

    # The inbox says the same with its badge, for the overdue case only.
    page.goto(f"{live_server}/inbox/?status=all&due=overdue")
    rows = page.locator("table.tasks tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late)
    expect(rows.first.locator(".badge-overdue")).to_have_text("Nokavēts")
    assert on_time != late
