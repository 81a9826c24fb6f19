# SPDX-License-Identifier: EUPL-1.2
"""The supervisor dashboard's numbers on seeded tasks and instances, with the
engine's clock standing at T0 (Monday 02.03.2026 09:00 in Riga)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
    User,
)
from domain.cases.models import OFFICE, ServiceCase
from engine.models import Incident, ProcessInstance, UserTask
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.webapp.conftest import WebClient
from webapp.dashboard import services

_ids = itertools.count(1)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Wednesday 04.03.2026 23:59:59 in Riga: the end of the second working day after T0
AT_RISK_UNTIL = datetime(2026, 3, 4, 21, 59, 59, tzinfo=T0.tzinfo)


class Seed:
    def __init__(self, db: Session, deployed: dict[str, int]) -> None:
        self.db = db
        self.deployed = deployed

    def instance(
        self,
        key: str,
        *,
        started: datetime,
        ended: datetime | None = None,
        status: str = ProcessInstance.RUNNING,
        municipality: str = MUNI,
    ) -> ProcessInstance:
        number = next(_ids)
        inst = ProcessInstance(
            id=f"inst{number:028d}",
            definition_id=self.deployed[key],
            process_key=key,
            municipality=municipality,
            business_key=f"LN-{number}",
            status=status,
            state="{}",
            started_at=started,
            updated_at=ended or started,
            ended_at=ended,
        )
        self.db.add(inst)
        self.db.flush()
        return inst

    def task(
        self,
        inst: ProcessInstance,
        element_id: str,
        group: str,
        *,
        due: datetime | None,
        assignee: str | None = None,
        completed: datetime | None = None,
    ) -> UserTask:
        row = UserTask(
            id=f"task-{next(_ids)}",
            instance_id=inst.id,
            municipality=inst.municipality,
            process_key=inst.process_key,
            element_id=element_id,
            name=element_id.replace("_", " ").capitalize(),
            candidate_group=group,
            assignee=assignee,
            due_at=due,
            state=UserTask.COMPLETED if completed else UserTask.READY,
            created_at=inst.started_at,
            completed_at=completed,
        )
        self.db.add(row)
        self.db.flush()
        return row


@pytest.fixture
def ilze(make_user: Callable[..., User]) -> User:
    return make_user("ilze", full_name="Ilze Bērziņa")


@pytest.fixture
def seeded(
    db_session: Session, deployed: dict[str, int], ilze: User, platform: Platform
) -> dict[str, ProcessInstance]:
    s = Seed(db_session, deployed)
    a = s.instance("tree_felling", started=T0 - HOUR)
    b = s.instance("tree_felling", started=T0 - 8 * DAY)
    c = s.instance("dog_fee", started=T0 - 15 * DAY)
    # open tasks
    s.task(a, "register_application", "lietvedis", due=T0 - DAY)  # overdue
    s.task(a, "register_application", "lietvedis", due=T0 + HOUR, assignee="ilze")
    s.task(b, "inspect_trees", "specialists", due=T0 - 2 * HOUR, assignee="ilze")
    s.task(c, "review_fee", "finansists", due=AT_RISK_UNTIL - timedelta(minutes=1))
    s.task(c, "review_fee", "finansists", due=AT_RISK_UNTIL + timedelta(minutes=1))
    s.task(c, "review_overdue", "finansists", due=None)
    # completed tasks: late in the window, on time, late but long ago
    s.task(
        c, "review_fee", "finansists", due=T0 - 6 * DAY, completed=T0 - 5 * DAY,
        assignee="ilze",
    )  # fmt: skip
    s.task(c, "review_fee", "finansists", due=T0 - 6 * DAY, completed=T0 - 7 * DAY)
    s.task(c, "review_fee", "finansists", due=T0 - 41 * DAY, completed=T0 - 40 * DAY)
    # completed cases: tree felling took 1, 2, 3, 4 and 10 days, dog fee 60
    for days in (1, 2, 3, 4, 10):
        s.instance(
            "tree_felling",
            started=T0 - DAY - days * DAY,
            ended=T0 - DAY,
            status=ProcessInstance.COMPLETED,
        )
    s.instance(
        "dog_fee",
        started=T0 - 62 * DAY,
        ended=T0 - 2 * DAY,
        status=ProcessInstance.COMPLETED,
    )
    s.instance(  # too long ago for the cycle time and the chart
        "tree_felling",
        started=T0 - 300 * DAY,
        ended=T0 - 200 * DAY,
        status=ProcessInstance.COMPLETED,
    )
    s.instance(  # cancelled: started, but not completed
        "tree_felling",
        started=T0 - 3 * DAY,
        ended=T0 - 2 * DAY,
        status=ProcessInstance.CANCELLED,
    )
    # another municipality: never counted
    other = s.instance("tree_felling", started=T0 - HOUR, municipality=OTHER_MUNI)
    s.task(other, "register_application", "lietvedis", due=T0 - DAY)
    s.instance(
        "tree_felling",
        started=T0 - 5 * DAY,
        ended=T0 - DAY,
        status=ProcessInstance.COMPLETED,
        municipality=OTHER_MUNI,
    )
    # incidents: one open here, one resolved, one open elsewhere
    for inst, status in ((a, Incident.OPEN), (b, Incident.RESOLVED), (other, "open")):
        db_session.add(
            Incident(
                instance_id=inst.id,
                municipality=inst.municipality,
                element_id="register_application",
                kind="script",
                error_type="ValueError",
                message=f"kļūda {inst.id}",
                status=status,
            )
        )
    case = ServiceCase(  # a's service case: the incident links to its page
        number="PKIP-2026-000042",
        municipality=MUNI,
        instance_id=a.id,
        process_key=a.process_key,
        process_name="Koku ciršanas atļauja",
        client_name="Jānis Bērziņš",
        channel=OFFICE,
    )
    case.set_client_identifier(platform.pii, "161175-19997")
    db_session.add(case)
    db_session.flush()
    return {"a": a, "b": b, "c": c, "other": other}


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


# -- the services directly --------------------------------------------------------
def test_frame_counts_working_days_and_weeks() -> None:
    frame = services.frame(T0, WorkingCalendar())
    assert frame.at_risk_until == AT_RISK_UNTIL
    assert frame.week_labels[0] == date(2025, 12, 15)
    assert frame.week_labels[-1] == date(2026, 3, 2)
    assert len(frame.week_labels) == services.WEEKS


def test_deadline_numbers(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    frame = services.frame(T0, WorkingCalendar())
    d = services.deadlines(db_session, MUNI, frame, {"tree_felling": "Koki"})
    t = d.total
    assert (t.open, t.overdue, t.at_risk, t.unassigned, t.breached) == (6, 2, 2, 4, 1)

    def by(rows: list[services.Row]) -> dict[str | None, tuple[int, ...]]:
        return {
            r.key: (
                r.counts.open,
                r.counts.unassigned,
                r.counts.overdue,
                r.counts.at_risk,
                r.counts.breached,
            )
            for r in rows
        }

    assert by(d.by_department) == {
        "lietvedis": (2, 1, 1, 1, 0),
        "specialists": (1, 0, 1, 0, 0),
        "finansists": (3, 3, 0, 1, 1),
    }
    assert by(d.by_process) == {
        "tree_felling": (3, 1, 2, 1, 0),
        "dog_fee": (3, 3, 0, 1, 1),
    }
    assert by(d.by_person) == {
        "ilze": (2, 0, 1, 1, 1),
        None: (4, 4, 1, 1, 0),
    }
    labels = {r.key: r.label for r in d.by_person + d.by_process + d.by_department}
    assert labels["ilze"] == "Ilze Bērziņa"
    assert labels["tree_felling"] == "Koki"
    assert labels["finansists"] == "Finanšu nodaļa"


def test_cycle_time_percentiles_against_the_target(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    calendar = WorkingCalendar()
    frame = services.frame(T0, calendar)
    found = {
        c.process_key: c
        for c in services.cycle_times(
            db_session,
            MUNI,
            frame,
            calendar,
            {"tree_felling": ("Koki", 30), "dog_fee": ("Suņi", 30)},
        )
    }
    target_days = (
        calendar.add_working_days(date(2026, 3, 2), 30) - date(2026, 3, 2)
    ).days
    tree = found["tree_felling"]
    assert (tree.completed, tree.p50_days, tree.p90_days) == (5, 3.0, 7.6)
    assert tree.target_working_days == 30
    assert tree.target_days == target_days
    assert not tree.p50_over and not tree.p90_over
    dog = found["dog_fee"]
    assert (dog.completed, dog.p50_days, dog.p90_days) == (1, 60.0, 60.0)
    assert dog.p50_over and dog.p90_over


def test_started_and_completed_per_week(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    weeks = services.weekly(db_session, MUNI, services.frame(T0, WorkingCalendar()))
    by_start = {w.start: (w.started, w.completed) for w in weeks}
    assert by_start == {
        date(2025, 12, 15): (0, 0),
        date(2025, 12, 22): (0, 0),
        date(2025, 12, 29): (1, 0),  # the 60-day dog fee case
        date(2026, 1, 5): (0, 0),
        date(2026, 1, 12): (0, 0),
        date(2026, 1, 19): (0, 0),
        date(2026, 1, 26): (0, 0),
        date(2026, 2, 2): (0, 0),
        date(2026, 2, 9): (1, 0),  # c
        date(2026, 2, 16): (2, 0),  # b, the 10-day case
        date(2026, 2, 23): (5, 6),  # 4 short cases + the cancelled; 6 completed
        date(2026, 3, 2): (1, 0),  # a
    }


def test_waiting_per_element(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    found = services.waiting_by_element(db_session, MUNI, "tree_felling", T0)
    assert [(w.element_id, w.count, w.overdue) for w in found] == [
        ("register_application", 2, 1),
        ("inspect_trees", 1, 1),
    ]


def test_open_incidents_of_the_municipality(
    db_session: Session, seeded: dict[str, ProcessInstance]
) -> None:
    total, incidents = services.open_incidents(db_session, MUNI)
    assert total == 1
    assert [i.instance_id for i in incidents] == [seeded["a"].id]
    assert incidents[0].process_key == "tree_felling"
    assert incidents[0].case_number == "PKIP-2026-000042"


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
