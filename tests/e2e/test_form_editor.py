# SPDX-License-Identifier: EUPL-1.2
"""An analyst builds a form field by field in the browser (no JSON typed): adds a
number field and a yes/no field with a field shown only when it is "yes", moves one,
sees the live preview the server renders, saves, deploys it with the process — and
a clerk then sees the new field on the task page, beside the service's procedure."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import ANALYST, CLERK, sign_in, start_case

FORM = "tree_felling_registration"


def _add_field(page: Any, label: str, label_en: str, name: str, kind: str) -> Any:
    page.get_by_role("button", name="Pievienot lauku").click()
    card = page.locator(".field-card").last
    card.locator("input[id$='-title']").fill(label)
    card.locator("input[id$='-title-en']").fill(label_en)
    key = card.locator("input[id$='-name']")
    key.fill(name)
    key.blur()  # the list is drawn again with the new name
    card = page.locator(".field-card").last
    card.locator("select[id$='-type']").select_option(kind)
    return page.locator(".field-card").last


def test_analyst_builds_a_form_and_the_clerk_sees_it(
    page: Any, browser: Any, live_server: str, committed: Platform
) -> None:
    sign_in(page, live_server, ANALYST)
    page.goto(f"{live_server}/forms/")
    with page.expect_navigation():
        page.get_by_role("link", name="Koku ciršanas iesnieguma reģistrācija").click()
    expect(page.get_by_role("tab", name="Lauki")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator(".field-card")).to_have_count(7)  # the shipped fields

    height = _add_field(page, "Koka augstums", "Tree height", "tree_height", "number")
    height.get_by_label("Obligāts").check()
    height.locator("input[id$='-help']").fill("Metros, aptuveni.")
    danger = _add_field(page, "Koks ir bīstams", "The tree is dangerous",
                        "is_dangerous", "yesno")  # fmt: skip
    expect(danger).to_contain_text("Koks ir bīstams")
    detail = _add_field(
        page, "Bīstamības apraksts", "What makes it dangerous", "danger_note", "text"
    )
    detail.locator("select[id$='-when']").select_option("is_dangerous")
    page.locator(".field-card").last.locator("input[id$='-equals']").fill("true")
    # the height field moves above "Koks ir bīstams"... and back down again
    cards = page.locator(".field-card")
    expect(cards).to_have_count(10)
    cards.nth(7).get_by_role("button", name="Pārvietot lejup").click()
    expect(page.locator(".field-card").nth(8)).to_have_attribute(
        "data-field", "tree_height"
    )
    page.locator(".field-card").nth(8).get_by_role(
        "button", name="Pārvietot augšup"
    ).click()
    expect(page.locator(".field-card").nth(7)).to_have_attribute(
        "data-field", "tree_height"
    )

    # the live preview is the server's own rendering of the form
    preview = page.locator("#preview")
    expect(preview.get_by_label("Koka augstums")).to_be_visible()
    expect(preview.get_by_text("Metros, aptuveni.")).to_be_visible()
    expect(preview.get_by_label("Bīstamības apraksts")).to_be_hidden()
    preview.locator("fieldset", has_text="Koks ir bīstams").get_by_label("Jā").check()
    expect(preview.get_by_label("Bīstamības apraksts")).to_be_visible()
    shot(page, "form-editor-1-fields")

    # the JSON tab shows what the fields made (nobody typed it)
    page.get_by_role("tab", name="JSON").click()
    schema = page.locator("#schema")
    expect(schema).to_have_value(re.compile(r'"tree_height": \{\s+"type": "number"'))
    expect(schema).to_have_value(
        re.compile(r'"x-showWhen": \{\s+"field": "is_dangerous"')
    )
    page.get_by_role("tab", name="Lauki").click()
    expect(page.locator(".field-card")).to_have_count(10)

    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt jaunu versiju").click()
    expect(page.locator(".flash, [role=status], .notice").first).to_be_visible()
    expect(page.get_by_text("Saglabāts kā 1. versija")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Izvietot procesus ar šo formu").click()
    expect(page.get_by_text("izvietots kā")).to_be_visible()
    shot(page, "form-editor-2-deployed")

    # a new case: the clerk sees the new fields on the registration task
    number, task_id = start_case(committed)
    clerk_context = browser.new_context(locale="lv-LV")
    clerk = clerk_context.new_page()
    try:
        sign_in(clerk, live_server, CLERK)
        clerk.goto(f"{live_server}/tasks/{task_id}")
        expect(clerk.get_by_label("Koka augstums")).to_be_visible()
        expect(clerk.get_by_label("Bīstamības apraksts")).to_be_hidden()
        expect(clerk.locator(".procedure")).to_contain_text(
            "Koku ciršanas atļauja ārpus meža zemes"
        )
        shot(clerk, "form-editor-3-clerk")
    finally:
        clerk_context.close()
