# SPDX-License-Identifier: EUPL-1.2
"""The API reference (ReDoc) renders under its Content-Security-Policy, its search
included (a worker from a blob: URL); the page fixture fails any test whose pages
the policy blocked something on, so the workplace, the modeler and the dashboard
are checked by the other browser tests."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_the_api_reference_renders_under_its_policy(
    page: Any, live_server: str
) -> None:
    answer = page.goto(f"{live_server}/api/docs")
    assert answer is not None
    assert "unsafe-inline" in answer.headers["content-security-policy"]
    heading = page.get_by_role("heading", name="Open tasks: the inbox.")
    expect(heading).to_be_visible()
    search = page.get_by_placeholder("Search...")
    search.fill("complete")
    expect(page.get_by_role("menuitem").first).to_be_visible()
    shot(page, "api-reference")


def test_pages_refuse_to_be_framed(page: Any, live_server: str) -> None:
    answer = page.goto(f"{live_server}/login")
    assert answer is not None
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    expect(page.get_by_label("Lietotājvārds")).to_be_visible()
