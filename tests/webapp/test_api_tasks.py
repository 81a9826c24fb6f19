# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/tasks: the inbox query with filters, one task, claim, complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import User
from engine.clock import ManualClock
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI
from tests.engine.factories import TREE_REGISTRATION, ready_task
from tests.webapp.api_support import TokenClient, make_token
from tests.webapp.conftest import WebClient

URL = "/api/v1/tasks"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


@pytest.fixture
def trees(engine: ProcessEngine, deployed: dict[str, int]) -> list[str]:
    """Three tree felling cases in MUNI and one in OTHER_MUNI: MUNI's instance ids."""
    ids = [engine.start("tree_felling", municipality=MUNI).id for _ in range(3)]
    engine.start("tree_felling", municipality=OTHER_MUNI)
    engine.session.flush()
    return ids


def test_a_token_lists_every_open_task_of_its_municipality(
    api: TokenClient, trees: list[str], db_session: Session
) -> None:
    answer = api.get(URL)
    assert answer.status_code == 200
    page = answer.get_json()
    assert page["total"] == 3 and page["page"] == 1 and page["pages"] == 1
    assert {t["instance_id"] for t in page["items"]} == set(trees)
    item = page["items"][0]
    assert item["process_name"] == "Koku ciršanas atļauja"
    assert item["candidate_group"] == "lietvedis" and item["overdue"] is False
    assert page["counts"]["process"] == {"tree_felling": 3}
    assert page["counts"]["status"]["all"] == 3

    assert api.get(URL, query_string={"group": "lietvedis"}).get_json()["total"] == 3
    assert api.get(URL, query_string={"group": "finansists"}).get_json()["total"] == 0
    assert api.get(URL, query_string={"process": "dog_fee"}).get_json()["total"] == 0
    paged = api.get(URL, query_string={"page_size": 2, "page": 2}).get_json()
    assert len(paged["items"]) == 1 and paged["pages"] == 2

    bad = api.get(URL, query_string={"due": "someday", "page_size": 1000})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["query"]) == {"due", "page_size"}


def test_the_page_is_written_as_its_schema_would_dump_it(
    app: Flask,
    engine: ProcessEngine,
    trees: list[str],
    clock: ManualClock,
) -> None:
    """The inbox list skips marshmallow's dump for speed: what it writes must stay
    what TaskPageSchema (the documented response) would."""
    from domain import inbox
    from engine.models import UserTask
    from webapp.api.schemas import TaskPageSchema
    from webapp.api.tasks import page_body

    first = engine.session.scalars(
        select(UserTask).where(UserTask.instance_id == trees[0])
    ).one()
    engine.claim(first.id, user="anna", municipality=MUNI)
    viewer = inbox.Viewer("token:1", MUNI, supervisor=True)
    with app.test_request_context():
        page = inbox.inbox(
            engine.session,
            viewer,
            inbox.InboxFilter(status=inbox.ALL),
            now=clock.now,
            calendar=engine.config.calendar,
            people=False,
        )
        body = page_body(page)
        assert len(body["items"]) == 3
        assert any(item["claimed_at"] for item in body["items"])
        schema_dump = TaskPageSchema().dump(
            {**body, "items": [_as_object(item, page) for item in page.items]}
        )
    assert body == schema_dump


def _as_object(item: object, page: object) -> dict[str, object]:
    """An inbox item the way marshmallow reads it: attributes of the row."""
    row = dict(item.task._mapping)  # type: ignore[attr-defined]
    row.update(
        process_name=item.process_name,  # type: ignore[attr-defined]
        case_number=item.case_number,  # type: ignore[attr-defined]
        overdue=item.overdue,  # type: ignore[attr-defined]
        at_risk=item.at_risk,  # type: ignore[attr-defined]
    )
    return row


def test_due_filters_follow_the_clock(
    api: TokenClient, trees: list[str], clock: ManualClock
) -> None:
    assert api.get(URL, query_string={"due": "overdue"}).get_json()["total"] == 0
    clock.now = clock.now + timedelta(days=5)  # registration is due in 1 working day
    overdue = api.get(URL, query_string={"due": "overdue"}).get_json()
    assert overdue["total"] == 3 and overdue["items"][0]["overdue"] is True


def test_people_see_their_departments_tasks(
    app: Flask,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
    trees: list[str],
) -> None:
    clerk = login(make_user(departments=("lietvedis",)))
    page = clerk.get(URL).get_json()
    assert page["total"] == 3
    other = login(make_user(departments=("finansists",)))
    assert other.get(URL).get_json()["total"] == 0
    task_id = page["items"][0]["id"]
    assert other.get(f"{URL}/{task_id}").status_code == 404
    detail = clerk.get(f"{URL}/{task_id}").get_json()
    assert detail["form_key"] == "tree_felling_registration"
    assert "cadastre_number" in detail["form_schema"]["properties"]


def test_claim_and_complete(
    app: Flask,
    api: TokenClient,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
    trees: list[str],
    db_session: Session,
) -> None:
    task = ready_task(db_session, trees[0], "register_application")
    url = f"{URL}/{task.id}"
    clerk = login(make_user(departments=("lietvedis",)))
    colleague = login(make_user(departments=("lietvedis",)))

    claimed = clerk.send_json("POST", f"{url}/claim")
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["assignee"].startswith("lietotajs")
    taken = colleague.send_json("POST", f"{url}/claim")
    assert taken.status_code == 409
    assert taken.get_json()["message"]
    assert api.post(f"{url}/complete", {"data": TREE_REGISTRATION}).status_code == 409

    invalid = clerk.send_json(
        "POST", f"{url}/complete", {"data": {**TREE_REGISTRATION, "tree_count": 0}}
    )
    assert invalid.status_code == 422
    body = invalid.get_json()
    assert list(body["errors"]["json"]["data"]) == ["tree_count"]
    nested = clerk.send_json("POST", f"{url}/complete", {"data": []})
    assert nested.status_code == 422  # not an object: the body's own validation
    assert "data" in nested.get_json()["errors"]["json"]

    refused = colleague.send_json("POST", f"{url}/unclaim")
    assert refused.status_code == 403  # another person's task: supervisors only

    done = clerk.send_json("POST", f"{url}/complete", {"data": TREE_REGISTRATION})
    assert done.status_code == 200, done.get_json()
    [nxt] = done.get_json()["open_tasks"]
    assert nxt["element_id"] == "inspect_trees"
    again = clerk.send_json("POST", f"{url}/complete", {"data": TREE_REGISTRATION})
    assert again.status_code == 409


def test_a_token_claims_completes_and_gives_back(
    api: TokenClient, trees: list[str], db_session: Session
) -> None:
    task = ready_task(db_session, trees[1], "register_application")
    url = f"{URL}/{task.id}"
    claimed = api.post(f"{url}/claim").get_json()
    assert claimed["assignee"].startswith("token:")
    assert api.post(f"{url}/unclaim").get_json()["assignee"] is None
    assert api.post(f"{url}/unclaim").status_code == 409
    done = api.post(f"{url}/complete", {"data": TREE_REGISTRATION})
    assert done.status_code == 200


def test_scopes(app: Flask, db_session: Session, trees: list[str]) -> None:
    reader = TokenClient(app, make_token(db_session, scopes=["tasks:read"]))
    [item, *_] = reader.get(URL).get_json()["items"]
    assert reader.post(f"{URL}/{item['id']}/claim").status_code == 403
    nothing = TokenClient(app, make_token(db_session, scopes=["cases:read"]))
    assert nothing.get(URL).status_code == 403
