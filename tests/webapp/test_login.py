# SPDX-License-Identifier: EUPL-1.2
"""Signing in and out: passwords, the rate limit, CSRF, cookies, session rotation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from flask import Flask
from lxml import html as lxml_html

from domain.accounts import services as accounts
from domain.accounts.models import User
from pkip.platform import Platform
from tests.webapp.conftest import PASSWORD, WebClient
from webapp import create_app
from webapp.ratelimit import MemoryLoginThrottle


def test_login_page_is_latvian_with_labelled_fields(client: WebClient) -> None:
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="lv">' in html and "Pieteikties" in html
    assert '<label for="username">Lietotājvārds</label>' in html
    assert '<label for="password">Parole</label>' in html
    assert 'name="csrf_token"' in html


def test_unauthenticated_pages_redirect_to_login(client: WebClient) -> None:
    page = client.get("/profile")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/profile"


def test_login_success_redirects_and_records_the_login(
    client: WebClient, make_user: Callable[..., User], db_session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("anna", full_name="Anna Bērziņa")
    page = client.submit("/login", {"username": " Anna ", "password": PASSWORD})
    assert page.status_code == 302 and page.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    who = lxml_html.fromstring(home).cssselect(".who")[0].text_content()
    assert "Anna Bērziņa" in who and "Rīgas valstspilsēta" in who
    db_session.refresh(user)
    assert user.last_login_at is not None


def test_login_goes_back_to_next_but_never_off_site(
    client: WebClient, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    page = client.submit(
        "/login", {"username": "anna", "password": PASSWORD, "next": "/profile"}
    )
    assert page.headers["Location"] == "/profile"
    other = client.application.test_client()
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        page = other.submit(  # type: ignore[attr-defined]
            "/login", {"username": "anna", "password": PASSWORD, "next": evil}
        )
        assert page.headers["Location"] == "/", evil
        other = client.application.test_client()


@pytest.mark.parametrize(
    ("username", "password"), [("anna", "nepareiza-parole"), ("nav-tada", PASSWORD)]
)
def test_login_failure_says_so_in_latvian_and_keeps_the_username(
    client: WebClient, make_user: Callable[..., User], username: str, password: str
) -> None:
    make_user("anna")
    page = client.submit("/login", {"username": username, "password": password})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nepareizs lietotājvārds vai parole." in html
    assert f'value="{username}"' in html and password not in html
    assert client.get("/profile").status_code == 302


def test_empty_fields_get_field_errors(client: WebClient) -> None:
    html = client.submit("/login", {"username": "", "password": ""}).get_data(
        as_text=True
    )
    assert "Ievadiet lietotājvārdu." in html and "Ievadiet paroli." in html
    assert 'aria-invalid="true"' in html


def test_inactive_user_cannot_sign_in(
    client: WebClient, make_user: Callable[..., User], db_session
) -> None:  # type: ignore[no-untyped-def]
    accounts.deactivate(make_user("anna"))
    db_session.flush()
    page = client.submit("/login", {"username": "anna", "password": PASSWORD})
    assert "Nepareizs lietotājvārds vai parole." in page.get_data(as_text=True)


def test_rate_limit_after_five_failures_per_username_and_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    client: WebClient = app.test_client()  # type: ignore[assignment]
    for _ in range(5):
        page = client.submit("/login", {"username": "anna", "password": "nepareiza"})
        assert page.status_code == 200
    blocked = client.submit("/login", {"username": "ANNA", "password": PASSWORD})
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu" in html
    assert "pēc 15 minūtēm" in html
    assert client.get("/profile").status_code == 302  # the right password did not help

    elsewhere: WebClient = app.test_client()  # type: ignore[assignment]
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    ok = elsewhere.submit("/login", {"username": "anna", "password": PASSWORD})
    assert ok.status_code == 302


def test_success_resets_the_failure_count(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    client: WebClient = app.test_client()  # type: ignore[assignment]
    for _ in range(4):
        client.submit("/login", {"username": "anna", "password": "nepareiza"})
    assert (
        client.submit("/login", {"username": "anna", "password": PASSWORD}).status_code
        == 302
    )
    client.submit("/logout", {})
    for _ in range(4):
        client.submit("/login", {"username": "anna", "password": "nepareiza"})
    assert (
        client.submit("/login", {"username": "anna", "password": PASSWORD}).status_code
        == 302
    )


def test_throttle_window_slides() -> None:
    now = [1000.0]
    throttle = MemoryLoginThrottle(
        max_failures=3, window_seconds=60, clock=lambda: now[0]
    )
    for _ in range(3):
        assert throttle.retry_after("a", "ip") == 0
        throttle.failed("a", "ip")
        now[0] += 10
    assert throttle.retry_after("a", "ip") == pytest.approx(30)
    assert throttle.retry_after("a", "other-ip") == 0
    now[0] += 31
    assert throttle.retry_after("a", "ip") == 0
    throttle.failed("a", "ip")
    throttle.succeeded("A", "ip")
    assert len(throttle.users) == 0


def test_throttle_memory_is_bounded() -> None:
    throttle = MemoryLoginThrottle(max_keys=10)
    for i in range(25):
        throttle.failed(f"user{i}", "ip")
    assert len(throttle.users) <= 10


def test_forms_without_csrf_token_are_refused(
    client: WebClient, specialist: WebClient
) -> None:
    refused = client.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 400
    assert "Formas derīgums beidzies" in refused.get_data(as_text=True)

    forged = specialist.post(
        "/profile", data={"full_name": "Uzbrucējs", "email": "a@b.lv"}
    )
    assert forged.status_code == 400
    assert "Uzbrucējs" not in specialist.get("/profile").get_data(as_text=True)

    assert specialist.post("/logout").status_code == 400
    assert specialist.get("/profile").status_code == 200  # still signed in

    wrong = specialist.post("/logout", data={"csrf_token": "forged"})
    assert wrong.status_code == 400


def test_logout_ends_the_session_and_copies_of_its_cookie(
    specialist: WebClient, app: Flask
) -> None:
    old_cookie = specialist.get_cookie("pkip_session")
    assert old_cookie is not None
    page = specialist.submit("/logout", {})
    assert page.status_code == 302 and page.headers["Location"] == "/login"
    assert specialist.get("/profile").status_code == 302

    replay: WebClient = app.test_client()  # type: ignore[assignment]
    replay.set_cookie("pkip_session", old_cookie.value)
    assert replay.get("/profile").status_code == 302


def test_login_starts_a_fresh_session(
    client: WebClient, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    before = client.csrf_token()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.submit("/login", {"username": "anna", "password": PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["uid"] and sess["stamp"]
    assert client.csrf_token() != before


def test_session_cookie_flags(
    client: WebClient, make_user: Callable[..., User], web_platform: Platform
) -> None:
    make_user("anna")
    page = client.submit("/login", {"username": "anna", "password": PASSWORD})
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a laptop

    production = dataclasses.replace(web_platform.settings, env="production")
    prod_platform = Platform.__new__(Platform)
    prod_platform.__dict__.update(web_platform.__dict__, settings=production)
    prod_app = create_app(platform=prod_platform)
    assert prod_app.config["SESSION_COOKIE_SECURE"] is True
    assert prod_app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_security_headers(client: WebClient) -> None:
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_sessions_end_after_the_working_day_and_on_deactivation(
    make_user: Callable[..., User], login: Callable[..., WebClient], db_session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("anna")
    client = login(user)
    with client.session_transaction() as sess:
        sess["login_at"] -= 11 * 3600
    page = client.get("/profile", follow_redirects=True)
    assert "Sesija ir beigusies. Lūdzu, piesakieties vēlreiz." in page.get_data(
        as_text=True
    )

    client = login(user)
    accounts.deactivate(user)
    db_session.flush()
    assert client.get("/profile").status_code == 302
