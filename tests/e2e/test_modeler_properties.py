# SPDX-License-Identifier: EUPL-1.2
"""The modeler's properties panel and re-saving in the browser: an analyst sets a
user task's form, deadline and priority in the panel, deploys the variant, and the
stored definition (and a case started on it) has them; a diagram that bpmn-js only
re-exported is no new version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.deploy import resources_checksum
from engine.diagram_diff import diff_diagrams
from engine.models import BASE_VARIANT, ProcessDefinition, UserTask
from pkip.platform import Platform
from tests.conftest import T0
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, demo_municipality, sign_in, start_case

NOTHING_CHANGED = "Nekas nav mainīts: diagramma ir tāda pati kā"


def _newest(platform: Platform, key: str, municipality: str) -> SimpleNamespace:
    """The newest version's columns (read inside the transaction)."""
    with platform.transaction() as session:
        found = session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.key == key,
                ProcessDefinition.municipality == municipality,
            )
            .order_by(ProcessDefinition.version.desc())
        ).first()
        assert found is not None
        return SimpleNamespace(
            id=found.id,
            version=found.version,
            checksum=found.checksum,
            source_name=found.source_name,
            bpmn_xml=found.bpmn_xml,
            resources=dict(found.resources),
            meta=found.meta,
        )


def _utc(value: datetime) -> datetime:
    """Naive UTC (SQLite hands back naive datetimes)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _count(platform: Platform) -> int:
    with platform.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0


def _open(page: Any, live_server: str, definition_id: int) -> Any:
    page.goto(f"{live_server}/modeler/versions/{definition_id}/edit")
    canvas = page.locator("#canvas")
    expect(canvas.locator("g.djs-element.djs-shape").first).to_be_visible()
    return canvas


def test_analyst_sets_form_deadline_and_priority_in_the_panel(
    page: Any, live_server: str, committed: Platform
) -> None:
    muni = demo_municipality(committed)
    base = _newest(committed, "tree_felling", BASE_VARIANT)
    sign_in(page, live_server, ANALYST)
    canvas = _open(page, live_server, base.id)

    panel = page.get_by_role("complementary", name="Īpašības")
    expect(panel).to_contain_text("Atlasiet diagrammā elementu")

    # A click on the task shows what the engine reads from it.
    canvas.locator(
        'g.djs-element.djs-shape[data-element-id="register_application"]'
    ).click()
    expect(panel.locator("#prop-type")).to_have_text("Lietotāja uzdevums")
    expect(panel.get_by_label("Identifikators", exact=True)).to_have_value(
        "register_application"
    )
    expect(panel.get_by_label("Nosaukums", exact=True)).to_have_value(
        "Reģistrēt iesniegumu"
    )
    form = panel.get_by_label("Veidlapa")
    expect(form).to_have_value("tree_felling_registration")
    working_days = panel.get_by_label("Termiņš darba dienās", exact=True)
    expect(working_days).to_have_value("1")
    expect(panel.get_by_label("Josla", exact=True)).to_have_value("lietvedis")
    expect(panel.get_by_label("Mērķa termiņš darba dienās")).to_be_hidden()
    shot(page, "properties-1-task")

    # Invalid values are refused in the panel, with the reason beside the field.
    priority = panel.get_by_label("Prioritāte")
    priority.fill("150")
    priority.press("Tab")
    expect(priority).to_have_attribute("aria-invalid", "true")
    expect(panel.locator("#prop-priority-error")).to_have_text(
        "Prioritāte ir vesels skaitlis no 0 līdz 100."
    )
    priority.fill("70")
    priority.press("Tab")
    expect(panel.locator("#prop-priority-error")).to_be_hidden()
    calendar_days = panel.get_by_label("Termiņš kalendāra dienās")
    calendar_days.fill("10")
    calendar_days.press("Tab")
    expect(panel.locator("#prop-due-calendar-days-error")).to_contain_text(
        "ne abos veidos"
    )
    calendar_days.fill("")
    calendar_days.press("Tab")
    expect(panel.locator("#prop-due-calendar-days-error")).to_be_hidden()
    working_days.fill("4")  # applied by the deploy below without leaving the field

    # The element list chooses an element without a pointer.
    panel.get_by_label("Elements", exact=True).select_option("inspect_trees")
    expect(panel.get_by_label("Identifikators", exact=True)).to_have_value(
        "inspect_trees"
    )
    expect(
        canvas.locator('g.djs-element.selected[data-element-id="inspect_trees"]')
    ).to_have_count(1)
    form.select_option("decision_draft")
    shot(page, "properties-2-edited")

    result = page.locator("#modeler-result")
    page.get_by_role("button", name="Ieviest", exact=True).click()
    expect(result).to_contain_text(f"Ieviesta kā pašvaldības {muni} varianta versija 1")

    variant = _newest(committed, "tree_felling", muni)
    tasks = variant.meta["tasks"]
    assert tasks["register_application"]["dueWorkingDays"] == "4"
    assert tasks["register_application"]["priority"] == "70"
    assert tasks["inspect_trees"]["formKey"] == "decision_draft"
    # Nothing else of the diagram changed on the way through bpmn-js: connector
    # operators, timers and scripts survive the round trip.
    changes = diff_diagrams(base.bpmn_xml, variant.bpmn_xml)
    assert not changes.added and not changes.removed
    assert {
        (e.element_id, c.field, c.after) for e in changes.changed for c in e.changes
    } == {
        ("register_application", "property:dueWorkingDays", "4"),
        ("register_application", "property:priority", "70"),
        ("inspect_trees", "property:formKey", "decision_draft"),
    }

    # A case started now gets the new deadline and priority.
    _, task_id = start_case(committed)
    with committed.transaction() as session:
        task = session.get(UserTask, task_id)
        assert task is not None and task.element_id == "register_application"
        expected = committed.engine_config.calendar.due_at(T0, working_days=4)
        assert task.due_at is not None and _utc(task.due_at) == _utc(expected)
        assert task.priority == 70

    # Deploying the new version again, unchanged, makes no version.
    result.get_by_role("link", name="Atvērt jauno versiju").click()
    _open(page, live_server, variant.id)
    before = _count(committed)
    page.get_by_role("button", name="Ieviest", exact=True).click()
    expect(result).to_contain_text(
        f"{NOTHING_CHANGED} pašvaldības {muni} varianta versija 1."
        " Jauna versija netika izveidota."
    )
    assert _count(committed) == before
    shot(page, "properties-3-unchanged")


def test_a_re_exported_diagram_is_no_new_version(
    page: Any, live_server: str, committed: Platform
) -> None:
    """bpmn-js writes every diagram differently from the file (other attribute order,
    defaults left out, shapes reordered); deploying it unchanged changes nothing."""
    sign_in(page, live_server, ANALYST)
    before = _count(committed)
    for key in ("dog_fee", "issue_decision", "payment", "tree_felling"):
        base = _newest(committed, key, BASE_VARIANT)
        _open(page, live_server, base.id)
        with page.expect_download() as download:
            page.get_by_role("button", name="Lejupielādēt laboto diagrammu").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert exported != base.bpmn_xml  # bpmn-js did write it differently
        assert "<bpmn:messagePath>" in exported or key != "payment"
        resources = {**base.resources, base.source_name: exported}
        assert resources_checksum(resources) == base.checksum, key

        page.get_by_role("button", name="Ieviest", exact=True).click()
        expect(page.locator("#modeler-result")).to_contain_text(
            f"{NOTHING_CHANGED} bāzes versija {base.version}."
        )
    assert _count(committed) == before
