# SPDX-License-Identifier: EUPL-1.2
"""The inbox: who sees what, filters, counts, sorting, pages, badges, and claiming,
returning and assigning tasks (and the refusals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from lxml import html as lxml_html
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain import inbox
from domain.accounts.models import SUPERVISOR, User
from engine.models import UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import OTHER_MUNI, T0
from tests.webapp.casework import (
    bulk_tasks,
    ready_task,
    riga_end_of,
    start,
    unlabelled_controls,
)
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")


def _rows(page: str) -> list[str]:
    tree = lxml_html.fromstring(page)
    return [
        tr.cssselect("td a")[0].text_content().strip()
        for tr in tree.cssselect("table.tasks tbody tr")
    ]


def _option_counts(page: str, select_id: str) -> dict[str, str]:
    tree = lxml_html.fromstring(page)
    return {
        o.get("value"): o.text_content().strip()
        for o in tree.cssselect(f"#{select_id} option")
    }


@pytest.fixture
def me(make_user: Callable[..., User]) -> User:
    return make_user("lietvede1", departments=("lietvedis",))


@pytest.fixture
def my_client(me: User, login: Callable[..., WebClient]) -> WebClient:
    return login(me)


def test_mine_and_my_departments_unassigned_tasks(
    me: User, my_client: WebClient, db_session: Session
) -> None:
    bulk_tasks(
        db_session,
        [
            {"name": "Grupas 1"},
            {"name": "Grupas 2"},
            {"name": "Mans 1", "assignee": me.username},
            {"name": "Mans finansos", "assignee": me.username, "candidate_group": "x"},
            {"name": "Kolēģa", "assignee": "kolega"},
            {"name": "Finanšu", "candidate_group": "finansists"},
            {"name": "Pabeigts", "state": UserTask.COMPLETED},
        ],
    )
    bulk_tasks(db_session, [{"name": "Jelgavas"}], municipality=OTHER_MUNI)
    page = my_client.get("/inbox/").get_data(as_text=True)
    assert sorted(_rows(page)) == ["Grupas 1", "Grupas 2", "Mans 1", "Mans finansos"]
    counts = _option_counts(page, "filter-status")
    assert set(counts) == {"", "mine", "group"}  # no "all" for a specialist
    assert counts["mine"].endswith("(2)") and counts["group"].endswith("(2)")
    assert counts[""].endswith("(4)")
    assert "4 uzdevumi" in page

    mine = my_client.get("/inbox/?status=mine").get_data(as_text=True)
    assert sorted(_rows(mine)) == ["Mans 1", "Mans finansos"]
    # asking for "all" as a specialist is the default view, not more
    assert len(_rows(my_client.get("/inbox/?status=all").get_data(as_text=True))) == 4


def test_supervisors_see_every_task_of_the_municipality(
    as_role: Callable[..., WebClient], db_session: Session
) -> None:
    bulk_tasks(
        db_session, [{"name": f"U{i}", "candidate_group": "x"} for i in range(3)]
    )
    bulk_tasks(db_session, [{"name": "Jelgavas"}], municipality=OTHER_MUNI)
    boss = as_role(SUPERVISOR)
    assert _rows(boss.get("/inbox/").get_data(as_text=True)) == []
    page = boss.get("/inbox/?status=all").get_data(as_text=True)
    assert sorted(_rows(page)) == ["U0", "U1", "U2"]
    assert _option_counts(page, "filter-status")["all"].endswith("(3)")


def test_due_filters_counts_and_badges(
    my_client: WebClient, db_session: Session
) -> None:
    # T0 is Monday 2 March 2026, 09:00 in Riga
    due = {
        "Nokavēts": riga_end_of(27, 2),
        "Šodien": riga_end_of(2),
        "Otrdien": riga_end_of(3),
        "Trešdien": riga_end_of(4),  # the 2nd working day: still at risk
        "Ceturtdien": riga_end_of(5),
        "Svētdien": riga_end_of(8),
        "Nākamnedēļ": riga_end_of(10),
        "Bez termiņa": None,
    }
    bulk_tasks(db_session, [{"name": n, "due_at": d} for n, d in due.items()])
    page = my_client.get("/inbox/").get_data(as_text=True)
    counts = _option_counts(page, "filter-due")
    assert {k: v.rsplit("(", 1)[1] for k, v in counts.items()} == {
        "": "8)",
        "overdue": "1)",
        "today": "1)",
        "week": "5)",
        "at_risk": "3)",
    }
    # sorted by due date, the ones without one last
    assert _rows(page) == list(due)
    tree = lxml_html.fromstring(page)
    badges = {
        tr.cssselect("td a")[0].text_content(): [
            b.text_content() for b in tr.cssselect(".badge")
        ]
        for tr in tree.cssselect("table.tasks tbody tr")
    }
    assert badges["Nokavēts"] == ["Nokavēts"]
    assert badges["Šodien"] == badges["Trešdien"] == ["Drīz termiņš"]
    assert badges["Ceturtdien"] == badges["Bez termiņa"] == []
    assert "02.03.2026" in page  # dd.mm.yyyy

    def rows(due_filter: str) -> list[str]:
        return _rows(my_client.get(f"/inbox/?due={due_filter}").get_data(as_text=True))

    assert rows("overdue") == ["Nokavēts"]
    assert rows("today") == ["Šodien"]
    assert rows("at_risk") == ["Šodien", "Otrdien", "Trešdien"]
    assert rows("week") == ["Šodien", "Otrdien", "Trešdien", "Ceturtdien", "Svētdien"]


def test_at_risk_counts_working_days_over_holidays() -> None:
    # Thursday 30 April 2026: 1 May (Friday) is a holiday, then the weekend and
    # Monday 4 May (Restoration of Independence) — two working days reach Wednesday
    limits = inbox.DueLimits.at(T0.replace(month=4, day=30), WorkingCalendar())
    assert limits.at_risk_end.date().isoformat() == "2026-05-06"


def test_sorting_by_priority_and_age(my_client: WebClient, db_session: Session) -> None:
    bulk_tasks(
        db_session,
        [
            {"name": "Vecs", "priority": 10, "created_at": T0 - timedelta(days=9)},
            {"name": "Steidzams", "priority": 90, "created_at": T0 - timedelta(days=1)},
            {"name": "Parasts", "priority": 50, "created_at": T0 - timedelta(days=3)},
        ],
    )
    by_priority = _rows(my_client.get("/inbox/?sort=priority").get_data(as_text=True))
    assert by_priority == ["Steidzams", "Parasts", "Vecs"]
    by_age = _rows(my_client.get("/inbox/?sort=age").get_data(as_text=True))
    assert by_age == ["Vecs", "Parasts", "Steidzams"]


def test_process_filter_and_its_counts(
    my_client: WebClient, db_session: Session
) -> None:
    bulk_tasks(db_session, [{"name": "Koki"}])
    bulk_tasks(db_session, [{"name": "Suņi", "process_key": "dog_fee"}])
    page = my_client.get("/inbox/").get_data(as_text=True)
    counts = _option_counts(page, "filter-process")
    assert counts["tree_felling"] == "Koku ciršanas atļauja (1)"
    assert counts["dog_fee"] == "Suņu turēšanas nodeva (1)"
    only = my_client.get("/inbox/?process=dog_fee").get_data(as_text=True)
    assert _rows(only) == ["Suņi"]


@contextmanager
def _statements(platform: Platform) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(platform.db, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(platform.db, "before_cursor_execute", count)


def test_many_tasks_pages_counts_and_a_constant_number_of_queries(
    my_client: WebClient, db_session: Session, platform: Platform
) -> None:
    groups = ["lietvedis", "specialists", "finansists", "vaditajs"]
    bulk_tasks(
        db_session,
        [
            {
                "name": f"T{i:05d}",
                "candidate_group": groups[i % 4],
                "due_at": T0 + timedelta(hours=i),
                "priority": i % 100,
            }
            for i in range(4000)
        ],
    )
    bulk_tasks(db_session, [{"name": "X"} for _ in range(500)], municipality=OTHER_MUNI)
    first = my_client.get("/inbox/").get_data(as_text=True)
    assert "1000 uzdevumu" in first and "Lapa 1 no 40" in first
    assert _rows(first)[:2] == ["T00000", "T00004"]
    with _statements(platform) as small:
        my_client.get("/inbox/?page=2")
    with _statements(platform) as large:
        last = my_client.get("/inbox/?page=40").get_data(as_text=True)
    assert _rows(last)[-1] == "T03996" and "Lapa 40 no 40" in last
    # sign-in, counts, counts per process, the page, names: no query per row
    assert len(large) == len(small) <= 10
    beyond = my_client.get("/inbox/?page=99").get_data(as_text=True)
    assert "Lapa 40 no 40" in beyond


def test_claim_and_return(
    me: User,
    my_client: WebClient,
    db_session: Session,
    make_user: Callable[..., User],
    login: Callable[..., WebClient],
) -> None:
    bulk_tasks(db_session, [{"name": "Brīvs"}])
    task = db_session.scalars(select(UserTask).where(UserTask.name == "Brīvs")).one()
    done = my_client.submit(f"/tasks/{task.id}/claim", {"next": "/inbox/?status=mine"})
    assert done.status_code == 302 and done.location.endswith("/inbox/?status=mine")
    db_session.refresh(task)
    assert task.assignee == me.username
    page = my_client.get("/inbox/?status=mine").get_data(as_text=True)
    assert "Uzdevums tagad ir jūsu." in page and _rows(page) == ["Brīvs"]

    colleague = login(make_user("lietvede2", departments=("lietvedis",)))
    colleague.submit(f"/tasks/{task.id}/claim")
    assert "jau ir paņēmis vai pabeidzis" in colleague.get("/inbox/").get_data(
        as_text=True
    )
    colleague.submit(f"/tasks/{task.id}/unclaim")
    assert "Jums nav atļauts" in colleague.get("/inbox/").get_data(as_text=True)
    db_session.refresh(task)
    assert task.assignee == me.username

    my_client.submit(f"/tasks/{task.id}/unclaim")
    db_session.refresh(task)
    assert task.assignee is None

    finance = login(make_user(departments=("finansists",)))
    assert finance.submit(f"/tasks/{task.id}/claim").status_code == 404


def test_supervisor_assigns_to_a_colleague_of_the_department(
    me: User,
    my_client: WebClient,
    db_session: Session,
    as_role: Callable[..., WebClient],
    make_user: Callable[..., User],
    engine: ProcessEngine,
) -> None:
    outsider = make_user(departments=("finansists",))
    task = ready_task(db_session, start(engine))
    assert (
        my_client.submit(
            f"/tasks/{task.id}/assign", {"assignee": me.username}
        ).status_code
        == 403
    )

    boss = as_role(SUPERVISOR)
    page = boss.get(f"/tasks/{task.id}").get_data(as_text=True)
    options = _option_counts(page, "assignee")
    assert me.username in options and outsider.username not in options

    boss.submit(f"/tasks/{task.id}/assign", {"assignee": outsider.username})
    db_session.refresh(task)
    assert task.assignee is None
    boss.submit(f"/tasks/{task.id}/assign", {"assignee": me.username})
    db_session.refresh(task)
    assert task.assignee == me.username
    assert _rows(my_client.get("/inbox/?status=mine").get_data(as_text=True)) == [
        "Reģistrēt iesniegumu"
    ]
    # a supervisor may also take it back from the clerk
    boss.submit(f"/tasks/{task.id}/unclaim")
    db_session.refresh(task)
    assert task.assignee is None


def test_home_leads_inbox_users_to_the_inbox(
    my_client: WebClient, as_role: Callable[..., WebClient]
) -> None:
    home = my_client.get("/")
    assert home.status_code == 302 and home.location.endswith("/inbox/")
    assert as_role("analyst").get("/").status_code == 200


def test_inbox_is_accessible_and_marked_in_the_navigation(
    my_client: WebClient, db_session: Session
) -> None:
    bulk_tasks(db_session, [{"name": "A"}])
    page = my_client.get("/inbox/").get_data(as_text=True)
    assert unlabelled_controls(page) == []
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("h1")[0].text_content() == "Iesūtne"
    current = tree.cssselect('nav.apps a[aria-current="page"]')
    assert [a.text_content() for a in current] == ["Iesūtne"]
    # every row's button says which task it is for
    [button] = tree.cssselect("table.tasks button")
    assert button.text_content() == "Paņemt: A"


def test_the_inbox_needs_an_inbox_role(as_role: Callable[..., WebClient]) -> None:
    assert as_role("analyst").get("/inbox/").status_code == 403
