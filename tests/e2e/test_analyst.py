# SPDX-License-Identifier: EUPL-1.2
"""An analyst in the browser: open the deployed diagram in the bpmn-js modeler,
rename a task on the canvas, change its deadline in the properties panel, validate
it on the server, deploy it as the municipality's variant and find the new version
in the version list (more of the panel: test_modeler_properties.py)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import ProcessDefinition
from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, demo_municipality, sign_in
from webapp.i18n import lvdate

TREE_NAME = "Koku ciršanas atļauja"
OLD_NAME = "Apsekot koku"
NEW_NAME = "Apsekot kokus dabā"


def test_analyst_deploys_a_variant(
    page: Any, live_server: str, committed: Platform
) -> None:
    muni = demo_municipality(committed)
    sign_in(page, live_server, ANALYST)

    page.goto(f"{live_server}/modeler/")
    expect(page.get_by_role("heading", name="Modelētājs", level=1)).to_be_visible()
    row = page.locator("tr", has=page.locator("code", has_text="tree_felling"))
    expect(row).to_contain_text(TREE_NAME)
    shot(page, "analyst-1-processes")
    with page.expect_navigation():
        row.get_by_role("link", name="Atvērt modelētājā").click()
    assert "/modeler/versions/" in page.url and page.url.endswith("/edit")

    # The bpmn-js modeler draws the deployed version.
    canvas = page.locator("#canvas")
    task = canvas.locator('g.djs-element.djs-shape[data-element-id="inspect_trees"]')
    expect(task).to_be_visible()
    expect(task.locator("text")).to_contain_text("Apsekot")
    expect(canvas.locator("a.bjs-powered-by")).to_be_visible()
    shot(page, "analyst-2-modeler")

    # Rename the task on the canvas: double-click opens bpmn-js's direct editing.
    task.dblclick()
    editor = canvas.locator(".djs-direct-editing-parent")
    expect(editor).to_be_visible()
    expect(editor).to_have_text(OLD_NAME)
    editor.press("Control+A")
    editor.press_sequentially(NEW_NAME)
    editor.press("Enter")  # completes the edit
    expect(editor).to_be_hidden()
    expect(task.locator("text")).to_contain_text("dabā")

    # The properties panel shows the selected task, the new name included; the
    # deadline moves from 10 calendar days to 7 working days.
    panel = page.get_by_role("complementary", name="Īpašības")
    expect(panel.get_by_label("Nosaukums", exact=True)).to_have_value(NEW_NAME)
    calendar_days = panel.get_by_label("Termiņš kalendāra dienās")
    expect(calendar_days).to_have_value("10")
    calendar_days.fill("")
    panel.get_by_label("Termiņš darba dienās", exact=True).fill("7")

    result = page.locator("#modeler-result")
    page.get_by_role("button", name="Pārbaudīt").click()
    expect(result).to_have_text("Diagramma ir derīga.")
    expect(result).to_have_class("modeler-result flash flash-success")
    expect(result.locator("ul.problems")).to_have_count(0)
    expect(canvas.locator(".diagram-problem")).to_have_count(0)
    shot(page, "analyst-3-validated")

    # An analyst deploys for the own municipality only: no target to choose.
    expect(page.locator("#deploy-target")).to_have_count(0)
    page.get_by_role("button", name="Ieviest", exact=True).click()
    expect(result).to_contain_text(f"Ieviesta kā pašvaldības {muni} varianta versija")
    expect(result).to_have_class("modeler-result flash flash-success")
    new_version = result.get_by_role("link", name="Atvērt jauno versiju")
    expect(new_version).to_be_visible()
    shot(page, "analyst-4-deployed")

    with committed.transaction() as session:
        variant = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.key == "tree_felling",
                ProcessDefinition.municipality == muni,
            )
        ).one()
        assert f'name="{NEW_NAME}"' in variant.bpmn_xml
        inspect = variant.meta["tasks"]["inspect_trees"]
        assert inspect["dueWorkingDays"] == "7" and "dueCalendarDays" not in inspect
        assert variant.deployed_by == ANALYST
        version, variant_id = variant.version, variant.id
        deployed_on = lvdate(variant.deployed_at)
    expect(result).to_contain_text(f"versija {version}.")
    assert new_version.get_attribute("href") == f"/modeler/versions/{variant_id}/edit"

    # The version list shows the variant: its municipality, who and when.
    page.goto(f"{live_server}/modeler/processes/tree_felling")
    expect(page.get_by_role("heading", name=TREE_NAME, level=1)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    mine = rows.filter(has_text=muni)
    expect(mine).to_have_count(1)
    expect(mine.locator("td").nth(0)).to_contain_text(f"{version} (spēkā)")
    expect(mine.locator("td").nth(2)).to_have_text("Anna Analītiķe")
    expect(mine.locator("td").nth(3)).to_have_text(deployed_on)
    base = rows.filter(has_text="bāzes")
    expect(base).to_have_count(1)
    expect(base.locator("td").nth(2)).to_contain_text("setup")
    expect(
        page.get_by_role("link", name="Salīdzināt šīs pašvaldības variantu ar bāzi")
    ).to_be_visible()
    shot(page, "analyst-5-versions")
