# SPDX-License-Identifier: EUPL-1.2
"""The dog fee in the browser: the finance clerk approves the fee seeing the amount
and the dogs, the resident pays on the payment module's (simulator's) page, the
signed notification continues the case, and the finance user finds the payment in
the reconciliation view with nothing amiss."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.systems.payments.simulator import default_simulator
from engine.clock import ManualClock
from pkip.platform import Platform
from tests.conftest import drain_outbox
from tests.domain.payments.support import payment_of
from tests.e2e.conftest import shot
from tests.e2e.support import sign_in, start_case

FINANCE_CLERK = "finansiste"  # Ilze Finansiste, specialist in finansists
ACCOUNTANT = "gramatvede"  # Gita Grāmatvede, finance


@pytest.fixture
def module_on_test_time(clock: ManualClock) -> Iterator[None]:
    sim = default_simulator()
    sim.reset()
    real = sim.clock
    sim.clock = clock  # the payment module's day is the platform's test day
    yield
    sim.clock = real
    sim.notify = None


@pytest.mark.usefixtures("module_on_test_time")
def test_dog_fee_is_approved_paid_and_reconciled(
    page: Any, live_server: str, committed: Platform
) -> None:
    number, task_id = start_case(
        committed,
        "dog_fee",
        data={"is_pensioner": False, "has_disability": False},
    )

    # The finance clerk sees what she approves: the amount and the dogs.
    sign_in(page, live_server, FINANCE_CLERK)
    page.goto(f"{live_server}/tasks/{task_id}")
    facts = page.locator("section.task-facts")
    expect(facts).to_contain_text("60,00 €")
    expect(facts).to_contain_text("Reksis")
    expect(facts).to_contain_text("Muris")
    expect(facts).to_contain_text("985112004412345")
    shot(page, "payments-1-review")
    page.get_by_label("Jā").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()

    # The payment request goes out through the outbox.
    drain_outbox(committed)
    record = payment_of(committed, number)
    assert record.state == "requested" and record.pay_url

    # The resident pays on the payment module's page.
    page.goto(f"{live_server}{record.pay_url}")
    expect(page.locator("body")).to_contain_text("60,00 €")
    expect(page.locator("body")).to_contain_text(number)
    shot(page, "payments-2-pay-page")
    with page.expect_navigation():
        page.get_by_role("button", name="Apmaksāt").click()

    # The signed notification continued the case to its end.
    page.goto(f"{live_server}/cases/{number}")
    expect(page.locator("#case-status")).to_contain_text("Nodeva samaksāta")
    payments = page.locator("section[aria-labelledby=payments-title]")
    expect(payments).to_contain_text("Samaksāts")
    expect(payments).to_contain_text("60,00 €")
    shot(page, "payments-3-case")
    page.context.clear_cookies()  # the next person at this browser

    # Finance finds it in the reconciliation view, in agreement with the module.
    sign_in(page, live_server, ACCOUNTANT)
    page.goto(f"{live_server}/payments/?from=02.03.2026&to=02.03.2026")
    expect(
        page.get_by_role("heading", name="Maksājumi un salīdzināšana")
    ).to_be_visible()
    requests = page.locator("table.payment-requests")
    expect(requests).to_contain_text(number)
    expect(requests).to_contain_text("60,00 €")
    expect(requests).to_contain_text("Samaksāts")
    expect(page.locator("body")).to_contain_text("Neatbilstību nav")
    shot(page, "payments-4-reconciliation")
