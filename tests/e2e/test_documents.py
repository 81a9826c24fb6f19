# SPDX-License-Identifier: EUPL-1.2
"""A tree-felling case finished in the browser: the supervisor signs the decision,
the background job makes the permit (numbered, rendered, sent to the e-address), and
the clerk downloads the PDF from the case page — its Latvian text exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.conftest import drain_outbox
from tests.domain.documents.pdf import pdf_text
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, SUPERVISOR, ready_tasks, sign_in, start_case
from tests.engine.factories import DRAFT, INSPECTION_OK, TREE_REGISTRATION


def _complete(
    platform: Platform, number: str, element: str, data: dict[str, Any]
) -> None:
    [task] = [t for t in ready_tasks(platform, number) if t.element_id == element]
    with platform.transaction() as session:
        platform.engine(session).complete_task(task.id, data, actor=CLERK)


def test_permit_is_downloaded_from_the_case_page(
    page: Any, live_server: str, committed: Platform, tmp_path: Path
) -> None:
    number, _ = start_case(committed)
    _complete(committed, number, "register_application", TREE_REGISTRATION)
    _complete(committed, number, "inspect_trees", INSPECTION_OK)
    _complete(committed, number, "draft_decision", DRAFT)
    [sign] = ready_tasks(committed, number)
    assert sign.element_id == "sign_decision"

    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server}/tasks/{sign.id}")
    page.get_by_role("radio", name="Jā").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Izpildīt").click()
    shot(page, "documents-1-signed")

    # the background job's rounds: the permit, then its delivery (and the case's
    # status events for PSPP beside them)
    assert drain_outbox(committed) >= 2

    page.context.clear_cookies()
    sign_in(page, live_server, CLERK)
    page.goto(f"{live_server}/cases/{number}")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Izdotie dokumenti")
    )
    expect(section).to_contain_text("DEMO-2026-D-00001")
    expect(section).to_contain_text("E-adrese: nosūtīts")
    shot(page, "documents-2-case")
    with page.expect_download() as info:
        section.get_by_role("link", name="Lēmums par koku ciršanu").click()
    target = tmp_path / "atlauja.pdf"
    info.value.save_as(target)
    text = pdf_text(target.read_bytes())
    assert text == (
        "Demo pašvaldība\n"
        "Reģ. Nr. DEMO-2026-D-00001\n"
        "02.03.2026\n"
        "ATĻAUJA\n"
        f"Lieta Nr. {number}. Saņēmējs: Jānis Bērziņš.\n"
        "Lēmums par koku ciršanu\n"
        "Atļaut nocirst divas liepas.\n"
        "Adrese: Brīvības iela 1, Rīga\n"
        "Kompensācija: 170,00 EUR\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas."
    )
