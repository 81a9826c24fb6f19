# SPDX-License-Identifier: EUPL-1.2
"""Races through the real WSGI app on the current database (SQLite by default,
PostgreSQL in CI): of two simultaneous completions one wins and the other gets a
conflict (409 in the API, a message in the workplace), every time; a small office's
concurrent starts and sign-ins never meet a server error."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from domain.accounts import services as accounts
from domain.accounts.models import SPECIALIST, SUPERVISOR
from domain.cases import ServiceCase
from domain.models import Municipality
from engine.deploy import read_files
from engine.errors import Conflict
from engine.models import HistoryEvent, UserTask
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine.factories import TREE_REGISTRATION, ready_task
from tests.webapp.api_support import TokenClient, token_owner
from tests.webapp.casework import TREE_REGISTRATION as TREE_FORM
from tests.webapp.conftest import PASSWORD, WebClient, make_app

ROUNDS = 30
LOAD_SECONDS = 8.0
_CONFLICT_LV = "jau ir izpildījis vai paņēmis cits lietotājs"


@pytest.fixture
def office(committed: Platform) -> Iterator[tuple[Flask, Platform]]:
    """The app on a platform whose transactions really commit, with the tree
    felling process, a supervisor ``vadone``, a clerk ``anna`` and a token."""
    platform = committed
    with platform.transaction() as s:
        s.add(Municipality(code=MUNI, name="Rīgas valstspilsēta", atvk=None))
        s.flush()
        for key, name in (("lietvedis", "Lietvedība"), ("vaditajs", "Vadība")):
            accounts.ensure_department(s, MUNI, key, name)
        for username, role, dept in (
            ("vadone", SUPERVISOR, "vaditajs"),
            ("vaditajs2", SUPERVISOR, "vaditajs"),
            ("anna", SPECIALIST, "lietvedis"),
            ("berta", SPECIALIST, "lietvedis"),
        ):
            accounts.create_user(
                s,
                username=username,
                full_name=f"Testa {username}",
                municipality=MUNI,
                password=PASSWORD,
                roles=(role,),
                departments=(dept,),
            )
        platform.deployer(s).deploy(read_files([PROCESS_DIR]), deployed_by="tests")
    yield make_app(platform), platform


def _token(platform: Platform, name: str) -> str:
    with platform.transaction() as s:
        plaintext, _ = accounts.create_api_token(
            s,
            municipality=MUNI,
            name=name,
            scopes=accounts.KNOWN_SCOPES,
            created_by=token_owner(s, MUNI),
        )
    return plaintext


def _new_task(platform: Platform) -> str:
    with platform.transaction() as s:
        inst = platform.engine(s).start("tree_felling", municipality=MUNI, actor="t")
        return ready_task(s, inst.id, "register_application").id


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _completions(platform: Platform, task_id: str) -> int:
    with platform.transaction() as s:
        return int(
            s.scalar(
                select(func.count()).where(
                    HistoryEvent.task_id == task_id,
                    HistoryEvent.kind == "task_completed",
                )
            )
            or 0
        )


def test_simultaneous_api_completions_give_one_success_and_one_409(
    office: tuple[Flask, Platform],
) -> None:
    app, platform = office
    one = TokenClient(app, _token(platform, "Sistēma A"))
    two = TokenClient(app, _token(platform, "Sistēma B"))
    outcomes: Counter[tuple[int, ...]] = Counter()
    for _ in range(ROUNDS):
        task_id = _new_task(platform)
        url = f"/api/v1/tasks/{task_id}/complete"
        other = {**TREE_REGISTRATION, "tree_count": 9}
        answers = _together(
            partial(one.post, url, json={"data": TREE_REGISTRATION}),
            partial(two.post, url, json={"data": other}),
        )
        codes = tuple(sorted(a.status_code for a in answers))
        outcomes[codes] += 1
        loser = max(answers, key=lambda a: a.status_code)
        assert loser.get_json()["message"], loser.get_json()
        assert _completions(platform, task_id) == 1
    assert outcomes == {(200, 409): ROUNDS}


def _signed_in(app: Flask, username: str) -> WebClient:
    client: WebClient = app.test_client()  # type: ignore[assignment]
    answer = client.submit("/login", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_simultaneous_completions_in_the_workplace_show_the_loser_a_message(
    office: tuple[Flask, Platform],
) -> None:
    app, platform = office
    first, second = _signed_in(app, "vadone"), _signed_in(app, "vaditajs2")
    for _ in range(5):
        task_id = _new_task(platform)
        forms = [{"csrf_token": c.csrf_token(), **TREE_FORM} for c in (first, second)]
        answers = _together(
            partial(first.post, f"/tasks/{task_id}", data=forms[0]),
            partial(second.post, f"/tasks/{task_id}", data=forms[1]),
        )
        assert [a.status_code for a in answers] == [302, 302]
        pages = [
            c.get(a.location).get_data(as_text=True)
            for c, a in zip((first, second), answers, strict=True)
        ]
        losers = [p for p in pages if _CONFLICT_LV in p]
        assert len(losers) == 1, pages
        with platform.transaction() as s:
            row = s.get(UserTask, task_id)
            assert row is not None and row.state == UserTask.COMPLETED
        assert _completions(platform, task_id) == 1


def test_concurrent_starts_and_sign_ins_never_give_a_server_error(
    office: tuple[Flask, Platform],
) -> None:
    """Three systems start cases and two people sign in over and over, for a few
    seconds: every answer is a success (the database waits, it does not refuse)."""
    app, platform = office
    token = _token(platform, "E-pakalpojumi")
    stop = time.monotonic() + LOAD_SECONDS
    codes: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def starter(n: int) -> None:
        client = TokenClient(app, token)
        body = {
            "process_key": "tree_felling",
            "case": {"client_name": f"Klients {n}", "client_identifier": "40003521600"},
        }
        while time.monotonic() < stop:
            code = client.post("/api/v1/instances", json=body).status_code
            with lock:
                codes["start", code] += 1

    def signer(username: str) -> None:
        while time.monotonic() < stop:
            client: WebClient = app.test_client()  # type: ignore[assignment]
            form = {"username": username, "password": PASSWORD}
            code = client.submit("/login", form).status_code
            with lock:
                codes["sign_in", code] += 1

    workers = [partial(starter, n) for n in range(3)]
    workers += [partial(signer, u) for u in ("anna", "berta")]
    results = _together(*workers)
    assert [r for r in results if r is not None] == []
    assert {key for key in codes if key[1] >= 400} == set(), codes
    starts, sign_ins = codes["start", 201], codes["sign_in", 302]
    assert starts >= 3 and sign_ins >= 2, codes
    with platform.transaction() as s:
        numbers = list(s.scalars(select(ServiceCase.number)))
    assert len(numbers) == len(set(numbers)) == starts  # no number twice, none lost


def test_a_sign_in_that_meets_a_conflict_is_recorded_on_a_second_try(
    client: WebClient, make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    calls: list[str] = []
    record = accounts.record_sign_in

    def contended(found: Any, password: str, **kwargs: Any) -> None:
        calls.append(found.username)
        if len(calls) == 1:
            raise Conflict("the user row was being written by another sign-in")
        record(found, password, **kwargs)

    monkeypatch.setattr(accounts, "record_sign_in", contended)
    answer = client.submit("/login", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302 and calls == [user.username] * 2
    assert client.get("/profile").status_code == 200  # signed in
