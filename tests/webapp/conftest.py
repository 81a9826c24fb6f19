# SPDX-License-Identifier: EUPL-1.2
"""Fixtures for web tests (docs/webapp.md lists them).

The app runs on the test database inside the test's rolled-back transaction
(``db_session``): whatever a test adds with ``db_session`` (users, deployed
processes, instances) the app sees, and nothing stays after the test. CSRF stays on;
``WebClient.submit`` fetches a token like a browser would.

    def test_inbox(as_role, db_session, deployed):
        client = as_role("specialist")
        page = client.get("/inbox/")
        done = client.submit("/tasks/ID", {"field": "value"})
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from domain.accounts import services as accounts
from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
    User,
)
from domain.models import Municipality
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from webapp import create_app
from webapp.ratelimit import MemoryLoginThrottle

PASSWORD = "test-parole-1"  # noqa: S105
DEPARTMENTS = {
    "lietvedis": "Lietvedība",
    "specialists": "Speciālisti",
    "finansists": "Finanšu nodaļa",
    "vaditajs": "Vadība",
}
ROLE_DEPARTMENTS = {SPECIALIST: ("lietvedis",), SUPERVISOR: ("vaditajs",)}
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class WebClient(FlaskClient):
    """A test client that sends forms with a CSRF token, as a browser would."""

    def csrf_token(self) -> str:
        page = self.get("/login", follow_redirects=True).get_data(as_text=True)
        found = _CSRF_META.search(page)
        assert found, "no CSRF token in the page"
        return found.group(1)

    def submit(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST a form (``data``) with a valid CSRF token."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=form, **kwargs)

    def send_json(
        self, method: str, url: str, json: Any = None, **kwargs: Any
    ) -> TestResponse:
        """An unsafe JSON request with the session and the X-CSRFToken header."""
        headers = {"X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.open(url, method=method, json=json, headers=headers, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """argon2 with cheap parameters: the tests sign in hundreds of times."""
    previous = accounts.use_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    yield
    accounts.use_password_hasher(previous)


def make_app(platform: Platform) -> Flask:
    """The web app on ``platform``, with a fresh login throttle and WebClient."""
    app = create_app(platform=platform, login_throttle=MemoryLoginThrottle())
    app.testing = True
    app.test_client_class = WebClient
    return app


@pytest.fixture
def web_platform(platform: Platform, db_session: Session) -> Platform:
    """``platform`` whose sessions live in the test's rolled-back transaction."""
    plat = copy.copy(platform)
    plat.sessions = sessionmaker(
        bind=db_session.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return plat


@pytest.fixture
def municipalities(db_session: Session) -> tuple[str, str]:
    """MUNI and OTHER_MUNI with the four departments each."""
    for code, name in ((MUNI, "Rīgas valstspilsēta"), (OTHER_MUNI, "Jelgavas pilsēta")):
        if db_session.get(Municipality, code) is None:
            db_session.add(Municipality(code=code, name=name, atvk=None))
        db_session.flush()
        for key, dept in DEPARTMENTS.items():
            accounts.ensure_department(db_session, code, key, dept)
    return MUNI, OTHER_MUNI


@pytest.fixture
def app(web_platform: Platform, municipalities: tuple[str, str]) -> Flask:
    return make_app(web_platform)


@pytest.fixture
def client(app: Flask) -> WebClient:
    """A client nobody has signed in with."""
    return app.test_client()  # type: ignore[return-value]


_numbers = itertools.count(1)


@pytest.fixture
def make_user(
    db_session: Session, municipalities: tuple[str, str]
) -> Callable[..., User]:
    """``make_user(roles=("supervisor",), departments=("vaditajs",), municipality=MUNI,
    username=…, password=PASSWORD, **profile)`` → a flushed ``User``."""

    def make(
        username: str | None = None,
        *,
        roles: tuple[str, ...] = (SPECIALIST,),
        departments: tuple[str, ...] | None = None,
        municipality: str = MUNI,
        password: str = PASSWORD,
        **profile: Any,
    ) -> User:
        if departments is None:
            departments = ROLE_DEPARTMENTS.get(roles[0], ()) if roles else ()
        username = username or f"lietotajs{next(_numbers)}"
        profile.setdefault("full_name", f"Testa Lietotājs {username}")
        profile.setdefault("email", f"{username}@example.lv")
        return accounts.create_user(
            db_session,
            username=username,
            municipality=municipality,
            password=password,
            roles=roles,
            departments=departments,
            **profile,
        )

    return make


@pytest.fixture
def login(app: Flask) -> Callable[..., WebClient]:
    """``login(user_or_username, password=PASSWORD)`` → a new signed-in client."""

    def sign_in(user: User | str, password: str = PASSWORD) -> WebClient:
        client: WebClient = app.test_client()  # type: ignore[assignment]
        username = user if isinstance(user, str) else user.username
        response = client.submit("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def as_role(
    make_user: Callable[..., User], login: Callable[..., WebClient]
) -> Callable[..., WebClient]:
    """``as_role("supervisor", municipality=MUNI, **user)`` → a signed-in client of a
    new user with that role (specialists in lietvedis, supervisors in vaditajs)."""

    def client_as(role: str, **kwargs: Any) -> WebClient:
        return login(make_user(roles=(role,), **kwargs))

    return client_as


@pytest.fixture
def specialist(as_role: Callable[..., WebClient]) -> WebClient:
    return as_role(SPECIALIST)


@pytest.fixture
def supervisor(as_role: Callable[..., WebClient]) -> WebClient:
    return as_role(SUPERVISOR)


@pytest.fixture
def analyst(as_role: Callable[..., WebClient]) -> WebClient:
    return as_role(ANALYST)


@pytest.fixture
def municipality_admin(as_role: Callable[..., WebClient]) -> WebClient:
    return as_role(MUNICIPALITY_ADMIN)


@pytest.fixture
def platform_admin(as_role: Callable[..., WebClient]) -> WebClient:
    return as_role(PLATFORM_ADMIN)
