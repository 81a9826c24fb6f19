# SPDX-License-Identifier: EUPL-1.2
"""Two systems act on the same intake item at the same moment, through the real
WSGI app on a database whose transactions commit (SQLite here, PostgreSQL in CI):
one succeeds, the other gets 409, and the work is done once — one case, one
registration — every round."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import func, select

from domain.accounts import services as accounts
from domain.cases import ServiceCase
from domain.intake import services as intake
from domain.intake.models import IntakeItem
from domain.models import Municipality
from engine.deploy import read_files
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, T0
from tests.webapp.api_support import TokenClient, token_owner
from tests.webapp.conftest import make_app
from tests.webapp.test_races import _together

ROUNDS = 8
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
