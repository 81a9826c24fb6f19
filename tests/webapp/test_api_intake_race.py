# SPDX-License-Identifier: EUPL-1.2
"""Two systems (or two clerks in the workplace) act on the same intake item at the
same moment, through the real WSGI app on a database whose transactions commit
(SQLite here, PostgreSQL in CI): one succeeds, the other gets 409 (the workplace:
"already handled"), and the work is done once — one case, one registration — every
round."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import func, select

from domain.accounts import services as accounts
from domain.accounts.models import SPECIALIST
from domain.cases import ServiceCase
from domain.intake import services as intake
from domain.intake.models import IntakeItem
from domain.models import Municipality
from engine.deploy import read_files
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, T0
from tests.webapp.api_support import TokenClient, token_owner
from tests.webapp.conftest import PASSWORD, make_app
from tests.webapp.test_races import _signed_in, _together

ROUNDS = 8
CLERKS = ("liga", "inese")
URL = "/api/v1/intake"


@pytest.fixture
def office(committed: Platform) -> Iterator[tuple[Flask, Platform, list[str]]]:
    platform = committed
    with platform.transaction() as s:
        s.add(Municipality(code=MUNI, name="Rīgas valstspilsēta", atvk=None))
        s.flush()
        accounts.ensure_department(s, MUNI, "lietvedis", "Lietvedība")
        platform.deployer(s).deploy(read_files([PROCESS_DIR]), deployed_by="tests")
        owner = token_owner(s, MUNI)
        for clerk in CLERKS:
            accounts.create_user(
                s,
                username=clerk,
                full_name=f"Lietvede {clerk}",
                municipality=MUNI,
                password=PASSWORD,
                roles=(SPECIALIST,),
                departments=("lietvedis",),
            )
        tokens = [
            accounts.create_api_token(
                s,
                municipality=MUNI,
                name=f"Sistēma {n}",
                scopes=["intake:read", "intake:write"],
                created_by=owner,
            )[0]
            for n in (1, 2)
        ]
    yield make_app(platform), platform, tokens


def _item(platform: Platform, n: int) -> int:
    with platform.transaction() as s:
        item = intake.receive(
            s,
            platform.pii,
            municipality=MUNI,
            channel="depp",
            source_id=f"race-{n}",
            sender="_PRIVATE@16117519997",
            subject="Iesniegums",
            document_kind="Iesniegums",
            received_at=T0,
            files=[],
        )
        assert item is not None
        return item.id


def test_simultaneous_actions_on_one_item_give_one_success_and_one_409(
    office: tuple[Flask, Platform, list[str]],
) -> None:
    app, platform, tokens = office
    one, two = (TokenClient(app, t) for t in tokens)
    outcomes: Counter[tuple[int, ...]] = Counter()
    for n in range(ROUNDS):
        item_id = _item(platform, n)
        if n % 2:  # a case started twice at once
            body = {"service_code": "PKIP-011", "client_identifier": "161175-19997"}
            url, ok = f"{URL}/{item_id}/start-case", 201
            answers = _together(
                partial(one.post, url, json=body), partial(two.post, url, json=body)
            )
        else:  # registered by one while the other attaches it
            answers = _together(
                partial(
                    one.post, f"{URL}/{item_id}/register", json={"note": "Zināšanai"}
                ),
                partial(
                    two.post, f"{URL}/{item_id}/register", json={"note": "Arī man"}
                ),
            )
            ok = 200
        codes = tuple(sorted(a.status_code for a in answers))
        outcomes[codes] += 1
        assert codes == (ok, 409), [a.get_json() for a in answers]
        loser = max(answers, key=lambda a: a.status_code)
        assert loser.get_json()["message"]
        with platform.transaction() as s:
            item = s.get(IntakeItem, item_id)
            assert item is not None and not item.is_open
            started = s.scalar(
                select(func.count())
                .select_from(ServiceCase)
                .where(ServiceCase.municipality == MUNI)
            )
        assert started == (n + 1) // 2  # one case per start round, never two
    assert sum(outcomes.values()) == ROUNDS


def _cases(platform: Platform) -> int:
    with platform.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(ServiceCase)
                .where(ServiceCase.municipality == MUNI)
            )
            or 0
        )


def test_two_clerks_starting_a_case_from_one_item_start_one(
    office: tuple[Flask, Platform, list[str]],
) -> None:
    app, platform, _ = office
    first, second = (_signed_in(app, clerk) for clerk in CLERKS)
    for n in range(4):
        item_id = _item(platform, 100 + n)
        before = _cases(platform)
        forms = [
            {
                "csrf_token": c.csrf_token(),
                "process_key": "tree_felling",
                "client_identifier": "161175-19997",
            }
            for c in (first, second)
        ]
        answers = _together(
            partial(first.post, f"/intake/{item_id}/start", data=forms[0]),
            partial(second.post, f"/intake/{item_id}/start", data=forms[1]),
        )
        assert [a.status_code for a in answers] == [302, 302]
        targets = sorted(a.headers["Location"] for a in answers)
        # the winner goes to the new case, the loser back to the item
        assert targets[0].startswith("/cases/") and targets[1].endswith(
            f"/intake/{item_id}"
        ), targets
        assert _cases(platform) == before + 1
