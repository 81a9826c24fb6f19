# SPDX-License-Identifier: EUPL-1.2
"""A database that cannot be reached is 503 with ``Retry-After`` and a Latvian
answer (JSON under /api/, a page elsewhere) — never 500 and never a traceback."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.settings import Settings
from pkip.platform import Platform
from webapp import create_app
from webapp.errors import RETRY_AFTER_SECONDS
from webapp.ratelimit import MemoryLoginThrottle

TOKEN = "pkip_" + "a" * 43
_UNAVAILABLE_LV = "nevar piekļūt savai datubāzei"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if request.param == "postgresql":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/pkip"
    else:
        url = f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
    platform = Platform(Settings.from_env().replace(env="test", database_url=url))
    app = create_app(platform=platform, login_throttle=MemoryLoginThrottle())
    app.testing = True  # an unhandled error would raise here instead of a 500
    yield app
    platform.dispose()


def _is_503(answer: object) -> None:
    assert getattr(answer, "status_code", None) == 503
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)  # type: ignore[attr-defined]


def test_the_api_answers_503_json_with_a_retry_hint(unreachable: Flask) -> None:
    client = unreachable.test_client()
    answer = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {TOKEN}"})
    _is_503(answer)
    body = answer.get_json()
    assert body["code"] == 503 and _UNAVAILABLE_LV in body["message"]


@pytest.mark.parametrize(
    ("lang", "text"), [("lv", _UNAVAILABLE_LV), ("en", "cannot reach its database")]
)
def test_a_page_answers_503_in_the_users_language(
    unreachable: Flask, lang: str, text: str
) -> None:
    client: FlaskClient = unreachable.test_client()
    with client.session_transaction() as session:  # a signed-in person's cookie
        session.update(uid=1, stamp="x", login_at=2**40, lang=lang)
    answer = client.get("/inbox/")
    _is_503(answer)
    page = answer.get_data(as_text=True)
    assert text in page and "Traceback" not in page


def test_signing_in_answers_503(unreachable: Flask) -> None:
    client: FlaskClient = unreachable.test_client()
    page = client.get("/login")  # the sign-in page itself needs no database
    assert page.status_code == 200
    token = _CSRF.search(page.get_data(as_text=True))
    assert token is not None
    answer = client.post(
        "/login",
        data={"username": "anna", "password": "x", "csrf_token": token.group(1)},
    )
    _is_503(answer)
    assert _UNAVAILABLE_LV in answer.get_data(as_text=True)
