# SPDX-License-Identifier: EUPL-1.2
"""An analyst imports a Camunda Modeler file in the browser: the draft opens in the
bpmn-js modeler, the page lists in Latvian what must change (a user task without a
name), a click on the problem selects the task, the analyst names it on the canvas,
saves, and deploys the draft as the municipality's version."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from domain.drafts.models import ModelDraft
from engine.models import ProcessDefinition
from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, demo_municipality, sign_in

CAMUNDA = (
    Path(__file__).parents[1] / "domain" / "bpmn" / "import" / "camunda7_fixable.bpmn"
)
TASK = "Activity_0x1"
NEW_NAME = "Reģistrēt pieteikumu"


def test_analyst_imports_a_camunda_file_fixes_it_and_deploys(
    page: Any, live_server: str, committed: Platform
) -> None:
    muni = demo_municipality(committed)
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/modeler/")
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Melnraksti un imports no cita modelētāja"
        ).click()
    expect(page.get_by_role("heading", name="Melnraksti", level=1)).to_be_visible()

    page.get_by_label("BPMN fails no cita modelētāja (.bpmn, .xml)").set_input_files(
        str(CAMUNDA)
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Importēt kā melnrakstu").click()
    assert "/modeler/drafts/" in page.url

    # The draft renders in the modeler, and the one blocking problem is listed.
    canvas = page.locator("#canvas")
    task = canvas.locator(f'g.djs-element.djs-shape[data-element-id="{TASK}"]')
    expect(task).to_be_visible()
    expect(canvas.locator("a.bjs-powered-by")).to_be_visible()
    result = page.locator("#modeler-result")
    expect(result).to_contain_text("Pirms to var ieviest, jāmaina 1 lieta.")
    expect(result).to_contain_text("Lietotāja uzdevums")
    expect(result).to_contain_text("lietotāja uzdevumam nav nosaukuma")
    expect(page.locator("#draft-warnings")).to_contain_text("camunda:asyncBefore")
    expect(task).to_have_class(re.compile("diagram-problem"))
    shot(page, "import-1-problems")

    # A click on the problem selects the task: the properties panel shows it.
    result.get_by_role("button", name=TASK).click()
    panel = page.get_by_role("complementary", name="Īpašības")
    expect(panel).to_contain_text(TASK)

    # Name it on the canvas (bpmn-js direct editing).
    task.dblclick()
    editor = canvas.locator(".djs-direct-editing-parent")
    expect(editor).to_be_visible()
    editor.press_sequentially(NEW_NAME)
    editor.press("Enter")
    expect(editor).to_be_hidden()
    expect(task.locator("text")).to_contain_text("Reģistrēt")

    page.get_by_role("button", name="Saglabāt un pārbaudīt").click()
    expect(result).to_contain_text("Saglabāts kā 2. redakcija. Diagrammu var ieviest.")
    expect(result.locator("ul.problems")).to_have_count(0)
    expect(canvas.locator(".diagram-problem")).to_have_count(0)
    shot(page, "import-2-fixed")

    page.get_by_role("button", name="Ieviest", exact=True).click()
    expect(result).to_contain_text(f"Ieviesta kā pašvaldības {muni} varianta versija 1")
    expect(result).to_have_class("modeler-result flash flash-success")
    shot(page, "import-3-deployed")

    with committed.transaction() as session:
        definition = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.key == "camunda_pieteikums"
            )
        ).one()
        assert definition.municipality == muni
        assert f'name="{NEW_NAME}"' in definition.bpmn_xml
        draft = session.scalars(select(ModelDraft)).one()
        assert draft.deployed_definition_id == definition.id
        assert draft.revision == 3  # imported, checked, deployed


def test_a_file_without_diagram_interchange_is_drawn(
    page: Any, live_server: str, committed: Platform, tmp_path: Path
) -> None:
    """bpmn-js draws the generated layout: pool, lane, the flow and its edges."""
    bizagi = (CAMUNDA.parent / "bizagi.bpmn").read_text("utf-8")
    stripped = re.sub(
        r"\s*<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", bizagi, flags=re.S
    )
    path = tmp_path / "bizagi-bez-di.bpmn"
    path.write_text(stripped, "utf-8")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/modeler/drafts/")
    page.get_by_label("BPMN fails no cita modelētāja (.bpmn, .xml)").set_input_files(
        str(path)
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Importēt kā melnrakstu").click()
    expect(page.locator("#layout-generated")).to_contain_text("PKIP to uzzīmēja")
    canvas = page.locator("#canvas")
    for element in ("Participant_1", "Id_lane", "Id_t1", "Id_t2", "Id_end"):
        expect(
            canvas.locator(f'g.djs-element[data-element-id="{element}"]')
        ).to_be_visible()
    for flow in ("Id_f1", "Id_f2", "Id_f3"):
        expect(
            canvas.locator(f'g.djs-connection[data-element-id="{flow}"]')
        ).to_have_count(1)
    expect(page.locator("#modeler-result")).to_contain_text("Id_t2")
    shot(page, "import-4-generated-layout")
    assert errors == []
