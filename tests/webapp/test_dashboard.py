# SPDX-License-Identifier: EUPL-1.2
"""The supervisor dashboard page on seeded tasks and instances, with the engine's
clock standing at T0 (Monday 02.03.2026 09:00 in Riga); the numbers themselves
are tested in tests/domain/test_supervision.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
    User,
)
from engine.models import ProcessInstance
from pkip.platform import Platform
from tests.conftest import OTHER_MUNI
from tests.domain.supervision_data import seed_supervision
from tests.webapp.conftest import WebClient


@pytest.fixture
def ilze(make_user: Callable[..., User]) -> User:
    return make_user("ilze", full_name="Ilze Bērziņa")


@pytest.fixture
def seeded(
    db_session: Session, deployed: dict[str, int], ilze: User, platform: Platform
) -> dict[str, ProcessInstance]:
    return seed_supervision(db_session, deployed, platform.pii)


def _page(client: WebClient, url: str = "/dashboard/") -> lxml_html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    return lxml_html.fromstring(response.get_data(as_text=True))


def _table(page: lxml_html.HtmlElement, table_id: str) -> dict[str, list[str]]:
    rows = {}
    for tr in page.cssselect(f"#{table_id} tbody tr"):
        head = tr.cssselect("th")
        cells = [td.text_content().strip() for td in tr.cssselect("td")]
        key = tr.get("data-key")
        if key is None:
            key = tr.get("data-element-id")
        if key is None and head:
            key = head[0].text_content().strip()
        rows[key or ""] = cells
    return rows


# -- the page ------------------------------------------------------------------------
def test_dashboard_page_shows_the_numbers(
    supervisor: WebClient, seeded: dict[str, ProcessInstance]
) -> None:
    page = _page(supervisor)
    assert page.cssselect("#total-overdue")[0].text_content() == "2"
    assert page.cssselect("#total-at-risk")[0].text_content() == "2"
    assert page.cssselect("#total-breached")[0].text_content() == "1"
    assert page.cssselect("#total-unassigned")[0].text_content() == "4"
    # open, unassigned, overdue, at risk, breached
    assert _table(page, "by-department")["finansists"] == ["3", "3", "0", "1", "1"]
    assert _table(page, "by-process")["tree_felling"] == ["3", "1", "2", "1", "0"]
    people = _table(page, "by-person")
    assert people["ilze"] == ["2", "1", "1", "1"]
    assert people[""] == ["4", "1", "1", "0"]
    text = page.text_content()
    assert "Ilze Bērziņa" in text
    assert "04.03.2026" in text  # at risk until, dd.mm.yyyy
    assert f"kļūda {seeded['a'].id}" in text
    assert page.cssselect("#incidents a")[0].get("href") == "/cases/PKIP-2026-000042"
    assert seeded["other"].id not in text
    assert "kļūda" in text
    cycle = _table(page, "cycle-times")
    assert cycle["tree_felling"][:3] == ["5", "3.0", "7.6"]
    assert "over" in page.cssselect('#cycle-times tr[data-key="dog_fee"] td.p90')[
        0
    ].get("class")


def test_weekly_chart_is_accessible_svg_with_a_table(
    supervisor: WebClient, seeded: dict[str, ProcessInstance]
) -> None:
    response = supervisor.get("/dashboard/")
    html = response.get_data(as_text=True)
    page = lxml_html.fromstring(html)
    svg = page.cssselect("svg.chart")[0]
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert page.get_element_by_id(title_id).tag == "title"
    assert page.get_element_by_id(desc_id).tag == "desc"
    bars = {
        (b.get("class"), b.get("data-category")): b.get("data-value")
        for b in svg.cssselect("rect.bar")
    }
    assert len(bars) == 24
    assert bars[("bar bar-started", "23.02")] == "5"
    assert bars[("bar bar-completed", "23.02")] == "6"
    assert bars[("bar bar-started", "02.03")] == "1"
    assert bars[("bar bar-completed", "02.03")] == "0"
    heights = {
        key: float(b.get("height"))
        for b in svg.cssselect("rect.bar")
        for key in [(b.get("class"), b.get("data-category"))]
    }
    assert (
        heights[("bar bar-completed", "23.02")] > heights[("bar bar-started", "23.02")]
    )
    assert heights[("bar bar-started", "15.12")] == 0
    weekly = _table(page, "weekly")
    assert weekly["23.02.2026"] == ["5", "6"]
    assert weekly["02.03.2026"] == ["1", "0"]


def test_waiting_counts_on_the_diagram(
    supervisor: WebClient, seeded: dict[str, ProcessInstance]
) -> None:
    page = _page(supervisor, "/dashboard/?process=tree_felling")
    assert _table(page, "waiting") == {
        "register_application": ["2", "1"],
        "inspect_trees": ["1", "1"],
    }
    diagram = page.cssselect(".js-diagram")[0]
    assert (
        diagram.get("data-xml-url") == "/dashboard/processes/tree_felling/diagram.bpmn"
    )
    overlays = json.loads(diagram.get("data-overlays"))
    assert {(o["id"], o["count"], o["overdue"]) for o in overlays} == {
        ("register_application", 2, True),
        ("inspect_trees", 1, True),
    }
    xml = supervisor.get("/dashboard/processes/tree_felling/diagram.bpmn")
    assert xml.status_code == 200
    assert 'id="register_application"' in xml.get_data(as_text=True)
    dog = _page(supervisor, "/dashboard/?process=dog_fee")
    assert set(_table(dog, "waiting")) == {"review_fee", "review_overdue"}
    assert supervisor.get("/dashboard/?process=nav_tada").status_code == 404
    assert (
        supervisor.get("/dashboard/processes/nav_tada/diagram.bpmn").status_code == 404
    )


def test_every_input_is_labelled(
    supervisor: WebClient, seeded: dict[str, ProcessInstance]
) -> None:
    page = _page(supervisor)
    labels = {label.get("for") for label in page.cssselect("label")}
    controls = [
        c
        for c in page.cssselect("main input, main select, main textarea")
        if c.get("type") not in ("hidden", "submit")
    ]
    assert controls
    for control in controls:
        assert control.get("id") in labels


def test_an_empty_municipality_has_an_empty_dashboard(
    as_role: Callable[..., WebClient], seeded: dict[str, ProcessInstance]
) -> None:
    page = _page(as_role(SUPERVISOR, municipality=OTHER_MUNI))
    assert page.cssselect("#total-overdue")[0].text_content() == "1"
    assert page.cssselect("#total-breached")[0].text_content() == "0"
    assert seeded["a"].id not in page.text_content()


@pytest.mark.parametrize("role", [SUPERVISOR, MUNICIPALITY_ADMIN])
def test_supervisors_and_municipality_admins_see_it(
    role: str, as_role: Callable[..., WebClient], deployed: dict[str, int]
) -> None:
    client = as_role(role)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/processes/dog_fee/diagram.bpmn").status_code == 200


@pytest.mark.parametrize("role", [SPECIALIST, ANALYST, PLATFORM_ADMIN])
def test_other_roles_are_refused(
    role: str, as_role: Callable[..., WebClient], deployed: dict[str, int]
) -> None:
    client = as_role(role)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/processes/dog_fee/diagram.bpmn").status_code == 403
