# SPDX-License-Identifier: EUPL-1.2
"""PKIP as an OpenID Connect provider: a second application signs people in
through it (code + PKCE), refreshes its tokens (rotation), and is signed out when
the person signs out of PKIP (back-channel) or of it (RP-initiated logout)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.transport import in_process_session
from core.db import utcnow
from domain.accounts.models import PLATFORM_ADMIN, User
from domain.oidc import services
from domain.oidc.models import OidcClient, OidcToken, digest
from engine.models import DELIVERED, OutboxMessage
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0, drain_outbox
from tests.webapp.conftest import WebClient
from tests.webapp.oidc_rp import make_rp_app

PKIP = "http://localhost"
RP = "http://rp.test"


def _register(db: Session, *, municipality: str = MUNI, public: bool = False) -> Any:
    client, secret = services.register_client(
        db,
        services.Registration(
            name="Dokumentu vadības sistēma",
            municipality=municipality,
            redirect_uris=[f"{RP}/callback"],
            post_logout_redirect_uris=[f"{RP}/signed-out"],
            backchannel_logout_uri=f"{RP}/backchannel-logout",
            public=public,
        ),
        created_by="tests",
        now=services_now(db),
        allow_http=True,
    )
    return client, secret


def services_now(db: Session) -> Any:
    return utcnow()


@pytest.fixture
def registered(db_session: Session, municipalities: Any) -> tuple[OidcClient, str]:
    client, secret = _register(db_session)
    assert secret is not None
    return client, secret


@pytest.fixture
def rp_app(
    app: Flask,
    registered: tuple[OidcClient, str],
    web_platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> Flask:
    client, secret = registered
    rp = make_rp_app(
        issuer=PKIP,
        client_id=client.client_id,
        client_secret=secret,
        base=RP,
        http=lambda: in_process_session(PKIP, app),
    )
    # PKIP's back-channel logouts reach the second app in process.
    monkeypatch.setattr(
        web_platform.oidc_transport, "session", in_process_session(RP, rp)
    )
    return rp


def _rp_client(rp_app: Flask) -> Any:
    return rp_app.test_client()


def sign_in_to_rp(pkip: WebClient, rp: Any) -> Any:
    """The browser's round trip: the second app → PKIP's authorize → back."""
    to_pkip = rp.get("/login", base_url=RP)
    assert to_pkip.status_code == 302
    at_pkip = pkip.get(to_pkip.headers["Location"])
    assert at_pkip.status_code == 302, at_pkip.get_data(as_text=True)
    back = at_pkip.headers["Location"]
    assert back.startswith(f"{RP}/callback?")
    done = rp.get(back, base_url=RP)
    assert done.status_code == 302, done.get_data(as_text=True)
    return rp.get("/", base_url=RP)


def _pkce() -> tuple[str, str]:
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize(pkip: WebClient, client_id: str, **params: str) -> Any:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": f"{RP}/callback",
        "scope": "openid profile roles",
        "state": "s1",
        "nonce": "n1",
        **params,
    }
    return pkip.get("/oidc/authorize", query_string=query)


def test_discovery_names_the_endpoints_and_the_keys_verify_id_tokens(
    client: WebClient,
) -> None:
    meta = client.get("/.well-known/openid-configuration").get_json()
    assert meta["issuer"] == PKIP
    assert meta["end_session_endpoint"] == f"{PKIP}/oidc/logout"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["backchannel_logout_supported"] is True
    keys = client.get("/oidc/jwks").get_json()["keys"]
    assert keys[0]["kty"] == "RSA" and "d" not in keys[0]  # no private part


def test_a_second_app_signs_in_through_pkip_with_code_and_pkce(
    app: Flask,
    rp_app: Flask,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
) -> None:
    user = make_user("anna", full_name="Anna Bērziņa", roles=("specialist",))
    rp = _rp_client(rp_app)
    page = sign_in_to_rp(login(user), rp)
    assert page.status_code == 200
    assert "Sveiki, Anna Bērziņa (RIGA)" in page.get_data(as_text=True)
    with rp.session_transaction(base_url=RP) as kept:
        id_token = kept["id_token"]
    keys = KeySet.import_key_set(app.test_client().get("/oidc/jwks").get_json())
    claims = jwt.decode(id_token, keys).claims
    assert claims["sub"] == str(user.id) and claims["sid"]
    assert claims["roles"] == ["specialist"]
    assert claims["iss"] == PKIP and claims["nonce"]


def test_userinfo_tells_name_municipality_and_roles_never_a_personal_code(
    app: Flask,
    rp_app: Flask,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
) -> None:
    user = make_user("janis", full_name="Jānis Ozols", roles=("supervisor",))
    rp = _rp_client(rp_app)
    sign_in_to_rp(login(user), rp)
    with rp.session_transaction(base_url=RP) as kept:
        access = kept["access_token"]
    api = app.test_client()
    info = api.get("/oidc/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 200
    data = info.get_json()
    assert data == {
        "sub": str(user.id),
        "municipality": MUNI,
        "name": "Jānis Ozols",
        "preferred_username": "janis",
        "locale": "lv",
        "email": "janis@example.lv",
        "email_verified": False,
        "roles": ["supervisor"],
        "departments": ["vaditajs"],
    }
    # The REST API takes its own tokens only: a sign-in token opens no data there.
    refused = api.get("/api/v1/cases", headers={"Authorization": f"Bearer {access}"})
    assert refused.status_code == 401


def test_an_unregistered_redirect_uri_is_refused_and_never_redirected_to(
    registered: tuple[OidcClient, str], login: Callable[..., WebClient], make_user: Any
) -> None:
    pkip = login(make_user())
    for uri in (
        f"{RP}/callback/extra",
        "https://evil.example/callback",
        f"{RP}/Callback",
    ):
        verifier, challenge = _pkce()
        answer = _authorize(
            pkip,
            registered[0].client_id,
            redirect_uri=uri,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        assert answer.status_code == 400
        assert "Location" not in answer.headers
        assert "Pieteikšanās atteikta" in answer.get_data(as_text=True)


def test_a_public_client_must_use_pkce_s256(
    db_session: Session,
    municipalities: Any,
    login: Callable[..., WebClient],
    make_user: Any,
) -> None:
    client, secret = _register(db_session, public=True)
    assert secret is None
    pkip = login(make_user())
    without = _authorize(pkip, client.client_id)
    assert without.status_code == 302
    assert parse_qs(urlsplit(without.headers["Location"]).query)["error"] == [
        "invalid_request"
    ]
    plain = _authorize(
        pkip, client.client_id, code_challenge="x" * 43, code_challenge_method="plain"
    )
    assert "error=invalid_request" in plain.headers["Location"]
    verifier, challenge = _pkce()
    granted = _authorize(
        pkip, client.client_id, code_challenge=challenge, code_challenge_method="S256"
    )
    code = parse_qs(urlsplit(granted.headers["Location"]).query)["code"][0]
    token_url = "/oidc/token"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"{RP}/callback",
        "client_id": client.client_id,
    }
    wrong = pkip.post(token_url, data={**form, "code_verifier": "w" * 50})
    assert wrong.status_code == 400
    # the code was not used up by a wrong verifier? It was looked at, not spent:
    right = pkip.post(token_url, data={**form, "code_verifier": verifier})
    assert right.status_code == 200, right.get_data(as_text=True)
    assert right.get_json()["id_token"]
    again = pkip.post(token_url, data={**form, "code_verifier": verifier})
    assert again.status_code == 400  # a code is used once


def test_refresh_tokens_rotate_and_a_replayed_one_revokes_the_session(
    db_session: Session,
    clock: Any,
    app: Flask,
    rp_app: Flask,
    registered: Any,
    login: Callable[..., WebClient],
    make_user: Any,
) -> None:
    client, secret = registered
    rp = _rp_client(rp_app)
    sign_in_to_rp(login(make_user()), rp)
    with rp.session_transaction(base_url=RP) as kept:
        first = kept["refresh_token"]
    api = app.test_client()
    auth = (client.client_id, secret)

    def refresh(token: str) -> Any:
        return api.post(
            "/oidc/token",
            data={"grant_type": "refresh_token", "refresh_token": token},
            headers={"Authorization": _basic(*auth)},
        )

    clock.advance(hours=1)
    renewed = refresh(first)
    assert renewed.status_code == 200, renewed.get_data(as_text=True)
    second = renewed.get_json()["refresh_token"]
    assert second and second != first
    old, new = (
        db_session.scalars(
            select(OidcToken).where(OidcToken.refresh_hash == digest(t))
        ).one()
        for t in (first, second)
    )
    assert old.refreshed_at == old.revoked_at == T0 + timedelta(hours=1)  # spent
    # rotation never extends how long the system stays signed in
    assert new.refresh_expires_at == old.refresh_expires_at == T0 + timedelta(hours=10)
    assert renewed.headers["Cache-Control"] == "no-store"
    replayed = refresh(first)
    assert replayed.status_code == 400
    assert replayed.get_json()["error"] == "invalid_grant"
    # the replay told PKIP a refresh token leaked: the newer one is dead too
    assert refresh(second).status_code == 400
    access = renewed.get_json()["access_token"]
    info = api.get("/oidc/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 401


def _basic(client_id: str, secret: str) -> str:
    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def test_a_person_of_another_municipality_cannot_sign_in_to_the_client(
    rp_app: Flask, login: Callable[..., WebClient], make_user: Any, db_session: Session
) -> None:
    stranger = make_user("jelgavniece", municipality=OTHER_MUNI)
    rp = _rp_client(rp_app)
    to_pkip = rp.get("/login", base_url=RP)
    answer = login(stranger).get(to_pkip.headers["Location"])
    assert answer.status_code == 400
    assert "citas pašvaldības" in answer.get_data(as_text=True)
    assert db_session.scalars(select(OidcToken)).first() is None


def test_a_token_stops_opening_data_when_its_person_moves_municipality(
    app: Flask,
    rp_app: Flask,
    login: Callable[..., WebClient],
    make_user: Any,
    db_session: Session,
) -> None:
    user = make_user("parcelas")
    rp = _rp_client(rp_app)
    sign_in_to_rp(login(user), rp)
    with rp.session_transaction(base_url=RP) as kept:
        access = kept["access_token"]
    api = app.test_client()
    headers = {"Authorization": f"Bearer {access}"}
    assert api.get("/oidc/userinfo", headers=headers).status_code == 200
    user.municipality = OTHER_MUNI
    db_session.flush()
    assert api.get("/oidc/userinfo", headers=headers).status_code == 401


def test_signing_out_of_pkip_signs_out_of_the_second_app_by_back_channel(
    app: Flask,
    rp_app: Flask,
    web_platform: Platform,
    login: Callable[..., WebClient],
    make_user: Any,
) -> None:
    pkip = login(make_user())
    rp = _rp_client(rp_app)
    assert sign_in_to_rp(pkip, rp).status_code == 200
    pkip.submit("/logout")
    assert drain_outbox(web_platform) == 1
    assert rp.get("/", base_url=RP).status_code == 401


def test_a_client_that_is_down_gets_its_logout_when_it_is_back(
    app: Flask,
    rp_app: Flask,
    web_platform: Platform,
    db_session: Session,
    login: Callable[..., WebClient],
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
    clock: Any,
    as_role: Callable[..., WebClient],
) -> None:
    pkip = login(make_user())
    rp = _rp_client(rp_app)
    sign_in_to_rp(pkip, rp)
    working = web_platform.oidc_transport.session

    class Down(requests.Session):
        def post(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            raise requests.ConnectionError("down")

    monkeypatch.setattr(web_platform.oidc_transport, "session", Down())
    pkip.submit("/logout")
    assert drain_outbox(web_platform) == 0
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.operator == services.LOGOUT_OPERATOR)
    ).one()
    assert message.instance_id is None and message.attempts == 1
    assert rp.get("/", base_url=RP).status_code == 200  # not told yet
    admin_page = as_role(PLATFORM_ADMIN).get("/admin/oidc/").get_data(as_text=True)
    assert "Iziešanas paziņojumi, kas gaida sistēmu: 1" in admin_page
    monkeypatch.setattr(web_platform.oidc_transport, "session", working)
    clock.advance(minutes=5)
    assert drain_outbox(web_platform) == 1
    db_session.refresh(message)
    assert message.status == DELIVERED
    assert rp.get("/", base_url=RP).status_code == 401


def test_signing_out_of_the_second_app_signs_out_of_pkip(
    rp_app: Flask,
    login: Callable[..., WebClient],
    make_user: Any,
    web_platform: Platform,
) -> None:
    pkip = login(make_user())
    rp = _rp_client(rp_app)
    sign_in_to_rp(pkip, rp)
    to_pkip = rp.get("/logout", base_url=RP)
    back = pkip.get(to_pkip.headers["Location"])
    assert back.status_code == 302
    assert back.headers["Location"] == f"{RP}/signed-out?state=bye"
    assert pkip.get("/profile").status_code == 302  # PKIP's own session ended too
    # the app that asked is not called back; nothing else was signed in
    assert drain_outbox(web_platform) == 0


def test_a_logout_return_address_that_is_not_registered_is_refused(
    rp_app: Flask, login: Callable[..., WebClient], make_user: Any
) -> None:
    pkip = login(make_user())
    rp = _rp_client(rp_app)
    sign_in_to_rp(pkip, rp)
    with rp.session_transaction(base_url=RP) as kept:
        hint = kept["id_token"]
    answer = pkip.get(
        "/oidc/logout",
        query_string={
            "id_token_hint": hint,
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert pkip.get("/profile").status_code == 200  # still signed in
    # without a hint PKIP asks before signing anyone out
    asked = pkip.get("/oidc/logout")
    assert asked.status_code == 200
    assert "Iziet visur" in asked.get_data(as_text=True)


def test_the_platform_admin_registers_a_system_and_sees_the_secret_once(
    as_role: Callable[..., WebClient], db_session: Session
) -> None:
    admin = as_role(PLATFORM_ADMIN)
    bad = admin.submit(
        "/admin/oidc/",
        {
            "name": "Sēžu sistēma",
            "municipality": MUNI,
            "kind": "confidential",
            "redirect_uris": "sedes.example/callback",
        },
    )
    assert bad.status_code == 422
    assert "Norādiet pilnu adresi" in bad.get_data(as_text=True)
    good = admin.submit(
        "/admin/oidc/",
        {
            "name": "Sēžu sistēma",
            "municipality": MUNI,
            "kind": "confidential",
            "redirect_uris": "https://sedes.example/callback\n",
            "backchannel_logout_uri": "https://sedes.example/logout",
        },
    )
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and good.headers["Cache-Control"] == "no-store"
    client = db_session.scalars(
        select(OidcClient).where(OidcClient.name == "Sēžu sistēma")
    ).one()
    assert client.client_id in page and client.secret_hash
    assert client.secret_hash not in page
    again = admin.get("/admin/oidc/").get_data(as_text=True)
    assert 'id="new-client-secret"' not in again


def test_only_the_platform_admin_registers_systems(
    as_role: Callable[..., WebClient],
) -> None:
    assert as_role("municipality_admin").get("/admin/oidc/").status_code == 403


def test_the_sign_in_page_on_the_way_to_a_client_may_send_the_form_on_to_it(
    client: WebClient, registered: tuple[OidcClient, str]
) -> None:
    """Browsers apply form-action to the redirects after a form: the sign-in page
    of an authorization request allows the registered client's origin, no other."""
    client_id = registered[0].client_id

    def policy(redirect_uri: str) -> str:
        target = (
            f"/oidc/authorize?client_id={client_id}&redirect_uri={redirect_uri}"
            "&response_type=code"
        )
        page = client.get("/login", query_string={"next": target})
        return page.headers["Content-Security-Policy"]

    assert f"form-action 'self' {RP};" in policy(f"{RP}/callback")
    assert "form-action 'self';" in policy("https://evil.example/callback")
    plain = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self';" in plain


def test_hostile_registration_input_is_refused_or_shown_as_text(
    as_role: Callable[..., WebClient],
) -> None:
    admin = as_role(PLATFORM_ADMIN)
    shown = admin.submit(
        "/admin/oidc/",
        {
            "name": "<script>alert(1)</script>",
            "municipality": MUNI,
            "kind": "public",
            "redirect_uris": "https://a.example/cb",
        },
    ).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    for uri in (
        "javascript:alert(1)",
        "data:text/html,x",
        "https://a.example/" + "x" * 600,
    ):
        refused = admin.submit(
            "/admin/oidc/",
            {"name": "X", "municipality": MUNI, "kind": "public", "redirect_uris": uri},
        )
        assert refused.status_code == 422
    unknown = admin.submit(
        "/admin/oidc/",
        {
            "name": "X",
            "municipality": "NOWHERE",
            "kind": "public",
            "redirect_uris": "https://a.example/cb",
        },
    )
    assert unknown.status_code == 422  # only a municipality of the platform
