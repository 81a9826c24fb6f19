# SPDX-License-Identifier: EUPL-1.2
"""Street trade in the browser: a company's representative applies in the portal
(signed in through the simulated latvija.lv, acting for the company), the clerk
grants the permit in the workplace, the fee is paid on the payment module's
(simulator's) page, and the permit PDF is downloaded from the portal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.systems.payments.simulator import default_simulator
from core.calendar import RIGA
from engine.clock import ManualClock
from pkip.platform import Platform
from tests.conftest import drain_outbox
from tests.domain.documents.pdf import pdf_text
from tests.e2e.conftest import shot
from tests.e2e.support import ready_tasks, sign_in
from tests.webapp.portal_support import choice

LIGA, COMPANY = "328673-00679", "40003521600"  # board chair of SIA "Parauga Būvnieks"
CLERK = "specialists"  # Jānis Speciālists, department specialists


@pytest.fixture(autouse=True)
def _keys(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    keys: Path = tmp_path_factory.getbasetemp() / "portal-e2e-saml"
    monkeypatch.setenv("PKIP_LATVIJA_KEY_DIR", str(keys))
    yield


@pytest.fixture
def module_on_test_time(clock: ManualClock) -> Iterator[None]:
    sim = default_simulator()
    sim.reset()
    real = sim.clock
    sim.clock = clock
    yield
    sim.clock = real
    sim.notify = None


def _portal_sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/portals/demo/")
    with page.expect_navigation():
        page.get_by_role("link", name="Pieteikties ar latvija.lv").click()
    page.locator(f'input[name="who"][value="{choice(LIGA, COMPANY)}"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Pieteikties").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Turpināt uz pakalpojumu").click()
    expect(page.locator(".who")).to_contain_text("Parauga Būvnieks")


@pytest.mark.usefixtures("module_on_test_time")
def test_company_applies_clerk_grants_fee_paid_permit_downloaded(
    page: Any,
    browser: Any,
    live_server: str,
    committed: Platform,
    clock: ManualClock,
) -> None:
    start = clock.now.astimezone(RIGA).date() + timedelta(days=7)
    end = start + timedelta(days=6)

    # The representative applies for Līvu laukums for a week.
    _portal_sign_in(page, live_server)
    with page.expect_navigation():
        page.get_by_role(  # the portal lists the service by its card's name
            "link",
            name="Ielu tirdzniecība pašvaldības pastāvīgajās tirdzniecības vietās",
        ).click()
    page.get_by_label("Uzņēmuma reģistrācijas numurs").fill(COMPANY)
    page.get_by_label("Tirdzniecības vietas kods").fill("RIGA-02")
    page.get_by_label("Preces").fill("Ziedi un stādi no savas saimniecības")
    page.get_by_label("Perioda sākums").fill(start.isoformat())
    page.get_by_label("Perioda beigas").fill(end.isoformat())
    shot(page, "street-trade-1-application")
    with page.expect_navigation():
        page.get_by_role("button", name="Iesniegt pieteikumu").click()
    expect(page.locator(".flash-success")).to_contain_text("Jūsu pieteikums reģistrēts")
    number = page.url.rsplit("/", 1)[1]
    portal_case = page.url
    drain_outbox(committed)

    # The clerk sees the company, place and fee, and grants the permit.
    [task] = ready_tasks(committed, number)
    assert task.element_id == "decide"
    clerk_context = browser.new_context(locale="lv-LV")  # a session of its own
    worker = clerk_context.new_page()
    worker.set_default_timeout(15_000)
    sign_in(worker, live_server, CLERK)
    worker.goto(f"{live_server}/tasks/{task.id}")
    facts = worker.locator("section.task-facts")
    expect(facts).to_contain_text('SIA "Parauga Būvnieks"')
    expect(facts).to_contain_text("Līvu laukums")
    shot(worker, "street-trade-2-decide")
    worker.get_by_label("Jā").check()
    with worker.expect_navigation():
        worker.get_by_role("button", name="Izpildīt").click()
    clerk_context.close()
    drain_outbox(committed)

    # The company pays 70,00 € on the payment module's page.
    from tests.domain.payments.support import payment_of

    record = payment_of(committed, number)
    assert record.amount_cents == 7000
    page.goto(f"{live_server}{record.pay_url}")
    expect(page.locator("body")).to_contain_text("70,00 €")
    with page.expect_navigation():
        page.get_by_role("button", name="Apmaksāt").click()
    drain_outbox(committed)

    # The permit is in the portal: downloaded, in Latvian.
    page.goto(portal_case)
    link = page.get_by_role("link", name="Ielu tirdzniecības atļauja")
    expect(link).to_be_visible()
    shot(page, "street-trade-3-permit")
    with page.expect_download() as info:
        link.click()
    pdf = Path(info.value.path()).read_bytes()
    text = " ".join(pdf_text(pdf).split())
    assert "ATĻAUJA IELU TIRDZNIECĪBAI" in text
    assert f"Lieta Nr. {number}." in text
    assert "Pašvaldības nodeva: 70,00 EUR, samaksāta." in text
