# SPDX-License-Identifier: EUPL-1.2
"""Administration → API tokens: a municipality admin creates a token (the plaintext
is shown once), sees the municipality's tokens, revokes one; the token then opens
the API for that municipality only, and no longer after the revocation."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.accounts.models import ApiToken
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.api_support import make_token, token_owner
from tests.webapp.conftest import WebClient
from webapp.admin.forms import SCOPE_LABELS

_PLAINTEXT = re.compile(r'id="new-token"[^>]*value="(pkip_[^"]+)"')


def test_admin_creates_lists_and_revokes_a_token(
    app: Flask, municipality_admin: WebClient, db_session: Session
) -> None:
    home = municipality_admin.get("/admin/")
    assert home.status_code == 200
    assert "/admin/tokens" in home.get_data(as_text=True)
    page = municipality_admin.get("/admin/tokens")
    assert page.status_code == 200
    assert "Pašvaldībai vēl nav API pilnvaru." in page.get_data(as_text=True)

    created = municipality_admin.submit(
        "/admin/tokens",
        {"name": "Dokumentu vadība", "scopes": ["instances:read", "cases:read"]},
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    found = _PLAINTEXT.search(html)
    assert found, html
    plaintext = found.group(1)

    token = db_session.scalars(
        select(ApiToken).where(ApiToken.name == "Dokumentu vadība")
    ).one()
    assert token.municipality == MUNI
    assert token.scopes == ["cases:read", "instances:read"]
    assert token.token_hash != plaintext and plaintext not in token.token_hash
    listed = municipality_admin.get("/admin/tokens").get_data(as_text=True)
    assert "Dokumentu vadība" in listed and token.prefix in listed
    assert plaintext not in listed  # shown once only

    api = app.test_client(use_cookies=False)
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/cases", headers=auth).status_code == 200
    assert api.get("/api/v1/definitions", headers=auth).status_code == 403

    revoked = municipality_admin.submit(f"/admin/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert api.get("/api/v1/cases", headers=auth).status_code == 401


def test_the_form_reports_errors_per_field(municipality_admin: WebClient) -> None:
    page = municipality_admin.submit(
        "/admin/tokens", {"name": "", "expires_on": "2020-01-01"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="scopes-error"' in html
    assert 'id="expires_on-error"' in html


def test_only_the_municipalitys_tokens_and_only_admins(
    municipality_admin: WebClient,
    as_role: Callable[..., WebClient],
    db_session: Session,
) -> None:
    make_token(db_session, municipality=OTHER_MUNI, name="Jelgavas sistēma")
    theirs = accounts.api_tokens_of(db_session, OTHER_MUNI)[0]
    page = municipality_admin.get("/admin/tokens").get_data(as_text=True)
    assert "Jelgavas sistēma" not in page
    assert (
        municipality_admin.submit(f"/admin/tokens/{theirs.id}/revoke").status_code
        == 404
    )
    db_session.refresh(theirs)
    assert theirs.revoked_at is None
    assert as_role("specialist").get("/admin/tokens").status_code == 403
    assert as_role("supervisor").get("/admin/").status_code == 403


def test_every_scope_has_a_label() -> None:
    assert set(SCOPE_LABELS) == set(accounts.KNOWN_SCOPES)


def test_a_token_revoked_elsewhere_stops_working_at_the_next_request(
    app: Flask, db_session: Session
) -> None:
    """Verified tokens are cached for a few seconds per process, but every use
    checks (one indexed read) that the token is not revoked and its creator's
    rights are unchanged: a revocation made by another process (here: straight in
    the database) counts at the next request (issue 13, item 7)."""
    from webapp.auth import TOKEN_CACHE_SECONDS, TokenCache

    moment = [1000.0]
    app.extensions["pkip_token_cache"] = TokenCache(clock=lambda: moment[0])
    plaintext = make_token(db_session)
    api = app.test_client(use_cookies=False)
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/tasks", headers=auth).status_code == 200

    token = db_session.scalars(
        select(ApiToken).where(ApiToken.token_hash == accounts.token_hash(plaintext))
    ).one()
    accounts.revoke_api_token(token)
    db_session.flush()
    moment[0] += TOKEN_CACHE_SECONDS / 2  # the cache entry is still young
    assert api.get("/api/v1/tasks", headers=auth).status_code == 401


def test_a_cached_token_still_expires_on_time(app: Flask, db_session: Session) -> None:
    from datetime import timedelta

    from core.db import utcnow
    from webapp.auth import token_cache

    plaintext, token = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="Īslaicīga",
        scopes=["tasks:read"],
        created_by=token_owner(db_session),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db_session.flush()
    api = app.test_client(use_cookies=False)
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/tasks", headers=auth).status_code == 200
    cached = token_cache(app).get(accounts.token_hash(plaintext))
    assert cached is not None and cached[0].id == token.id
    # the hour has passed: for the cached copy and the row alike
    token.expires_at = cached[0].expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert api.get("/api/v1/tasks", headers=auth).status_code == 401
