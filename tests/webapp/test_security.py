# SPDX-License-Identifier: EUPL-1.2
"""Security headers and sign-in limits (issue 10, item 6): a Content-Security-Policy
on every page, HSTS in production only, password spraying refused per address, and
the client address from a trusted proxy's header — never from an untrusted one, and
never the proxy's own address for everyone."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from flask import Flask

from core.pii import new_key
from domain.accounts.models import User
from domain.oidc.keys import new_pem
from pkip.platform import Platform
from tests.webapp.conftest import PASSWORD, WebClient, make_app
from webapp import security
from webapp.ratelimit import MAX_ADDRESS_FAILURES, MemoryLoginThrottle

REFUSED = "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu"


def _directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {name: value for name, value in parts}


@pytest.mark.parametrize(
    "path", ["/login", "/", "/inbox/", "/modeler/", "/dashboard/", "/healthz"]
)
def test_every_page_has_a_strict_policy(supervisor: WebClient, path: str) -> None:
    answer = supervisor.get(path)
    csp = _directives(answer.headers["Content-Security-Policy"])
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in answer.headers  # not in development


def test_the_api_reference_gets_only_what_redoc_needs(client: WebClient) -> None:
    answer = client.get("/api/docs")
    assert answer.status_code == 200
    csp = _directives(answer.headers["Content-Security-Policy"])
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["worker-src"] == "'self' blob:"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    html = answer.get_data(as_text=True)
    assert "<style" not in html and " style=" not in html
    json_doc = client.get("/api/v1/openapi.json")
    assert "unsafe-inline" not in json_doc.headers["Content-Security-Policy"]


def test_the_simulators_pages_have_a_policy_too(client: WebClient) -> None:
    answer = client.get("/sim/")
    assert answer.status_code == 200
    csp = _directives(answer.headers["Content-Security-Policy"])
    assert csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["style-src"] == "'self' 'unsafe-inline'"  # simkit's <style>
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # the app's own pages keep their own (stricter) policy
    page = client.get("/login").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page


def test_no_page_template_has_inline_script_or_style() -> None:
    """What the policy forbids is not written in the first place."""
    import re
    from pathlib import Path

    import webapp

    root = Path(webapp.__file__).parent / "templates"
    inline_script = re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))")
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not inline_script.search(text), template
        assert "<style" not in text and " style=" not in text, template
        assert not handler.search(text), template
        assert "javascript:" not in text, template


def test_hsts_in_production_only() -> None:
    for production, expected in ((True, security.HSTS), (False, None)):
        app = Flask(__name__)
        security.init_app(app, production=production, trusted_proxies=0)
        app.add_url_rule("/", "index", lambda: "ok")
        answer = app.test_client().get("/")
        assert answer.headers.get("Strict-Transport-Security") == expected


def _fail(client: WebClient, username: str) -> int:
    return client.submit(
        "/login", {"username": username, "password": "nepareiza"}
    ).status_code


def test_password_spraying_is_refused_per_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """32 attempts over 8 users (4 each, under the per-user limit) from one
    address: refused once the address has MAX_ADDRESS_FAILURES failures."""
    users = [make_user(f"lietotajs{i}").username for i in range(8)]
    attacker: WebClient = app.test_client()  # type: ignore[assignment]
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    codes = [_fail(attacker, users[i % 8]) for i in range(32)]
    assert codes[:MAX_ADDRESS_FAILURES] == [200] * MAX_ADDRESS_FAILURES
    assert set(codes[MAX_ADDRESS_FAILURES:]) == {429}
    # even the right password, for anyone, from that address
    blocked = attacker.submit("/login", {"username": users[0], "password": PASSWORD})
    assert blocked.status_code == 429 and REFUSED in blocked.get_data(as_text=True)
    # the users themselves, elsewhere, are not locked out
    colleague: WebClient = app.test_client()  # type: ignore[assignment]
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    ok = colleague.submit("/login", {"username": users[0], "password": PASSWORD})
    assert ok.status_code == 302


def test_success_does_not_clear_an_addresss_failures() -> None:
    now = [0.0]
    throttle = MemoryLoginThrottle(clock=lambda: now[0], max_address_failures=3)
    for name in ("a", "b", "c"):
        throttle.failed(name, "ip")
    throttle.succeeded("own", "ip")
    assert throttle.retry_after("d", "ip") > 0
    assert throttle.retry_after("d", "other") == 0
    # an unknown address counts per username only
    for _ in range(10):
        throttle.failed("e", None)
    assert throttle.retry_after("f", None) == 0
    assert throttle.retry_after("e", None) > 0 and throttle.retry_after("e", "x") == 0


@pytest.fixture
def proxied_app(web_platform: Platform) -> Flask:
    """The app behind one trusted reverse proxy (PKIP_TRUSTED_PROXIES=1)."""
    platform = copy.copy(web_platform)
    platform.settings = web_platform.settings.replace(trusted_proxies=1)
    return make_app(platform)


PROXY = "10.0.0.1"


def _via_proxy(app: Flask, client_ip: str | None) -> WebClient:
    client: WebClient = app.test_client()  # type: ignore[assignment]
    client.environ_base["REMOTE_ADDR"] = PROXY
    if client_ip is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = client_ip
    return client


def test_behind_a_proxy_the_clients_address_counts(
    proxied_app: Flask, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    attacker = _via_proxy(proxied_app, "203.0.113.7")
    for _ in range(5):
        assert _fail(attacker, "anna") == 200
    assert _fail(attacker, "anna") == 429
    # anna comes through the same proxy from her own address: not locked out
    anna = _via_proxy(proxied_app, "198.51.100.4")
    assert (
        anna.submit("/login", {"username": "anna", "password": PASSWORD}).status_code
        == 302
    )
    # a spoofed first hop is not believed: the proxy appends the real one
    spoofed = _via_proxy(proxied_app, "198.51.100.4, 203.0.113.7")
    assert _fail(spoofed, "anna") == 429


def test_requests_without_the_header_lock_nobody_out(
    proxied_app: Flask, make_user: Callable[..., User]
) -> None:
    """Straight from the proxy (no X-Forwarded-For) the client is unknown: many
    failures so must not block the proxy's address, which every user shares."""
    users = [make_user(f"darbinieks{i}").username for i in range(8)]
    bare = _via_proxy(proxied_app, None)
    for i in range(MAX_ADDRESS_FAILURES + 12):
        _fail(bare, users[i % 8])
    for name in users:
        person = _via_proxy(proxied_app, "198.51.100.4")
        answer = person.submit("/login", {"username": name, "password": PASSWORD})
        assert answer.status_code == 302, name


def test_without_trusted_proxies_the_header_is_ignored(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    for i in range(5):  # a new made-up address every time does not help
        assert _fail(_via_proxy(app, f"192.0.2.{i}"), "anna") == 200
    assert _fail(_via_proxy(app, "192.0.2.99"), "anna") == 429


PRODUCTION_ENV = {
    "PKIP_ENV": "production",
    "PKIP_SECRET_KEY": "x" * 40,
    "PKIP_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "PKIP_WEB_WORKERS": "1",
    "PKIP_PII_HASH_KEY": new_key(),
    "PKIP_PII_KEYS": f"k1:{new_key()}",
    "PKIP_OIDC_SIGNING_KEY": new_pem(),
    "PKIP_AUDIT_KEY": new_key(),
}


def test_production_serves_through_gunicorn_even_with_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    import webapp.server
    from webapp.cli import main

    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PKIP_BROKER_URL", raising=False)
    served: list[int] = []
    monkeypatch.setattr(
        webapp.server, "serve_multiprocess", lambda s: served.append(s.web_workers)
    )
    monkeypatch.setattr(
        Flask, "run", lambda *a, **k: pytest.fail("werkzeug's server in production")
    )
    refused = CliRunner().invoke(main, ["serve"])  # in-process jobs: no
    assert refused.exit_code == 1 and "PKIP_BROKER_URL" in refused.output
    result = CliRunner().invoke(main, ["serve", "--no-jobs"])
    assert result.exit_code == 0, result.output
    assert served == [1]


def test_production_answers_nothing_through_the_development_server() -> None:
    """Even started around `pkip serve` (`flask run`, app.run), production
    refuses werkzeug's development server: 503 with the reason."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    app = Flask(__name__)
    security.init_app(app, production=True, trusted_proxies=0)
    app.add_url_rule("/", "index", lambda: "ok")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        conn.request("GET", "/")
        answer = conn.getresponse()
        assert answer.status == 503
        assert b"pkip serve" in answer.read()
        conn.close()
    finally:
        server.shutdown()
    # gunicorn (or a test client) is served as usual
    gunicorn = app.test_client().get(
        "/", environ_base={"SERVER_SOFTWARE": "gunicorn/23"}
    )
    assert gunicorn.status_code == 200 and gunicorn.text == "ok"
