# SPDX-License-Identifier: EUPL-1.2
"""domain/oidc: client registration rules, the signing key's sources, and ending
sign-on sessions (tokens revoked, back-channel logouts queued through the outbox)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.settings import Settings, SettingsError
from domain.accounts import services as accounts
from domain.oidc import services
from domain.oidc.keys import SigningKeyError, load_signing_key, new_pem
from domain.oidc.models import OidcToken, digest
from engine.models import PENDING, OutboxMessage
from tests.conftest import MUNI, T0


def _registration(**changes: Any) -> services.Registration:
    data: dict[str, Any] = {
        "name": "Sēžu vadības sistēma",
        "municipality": MUNI,
        "redirect_uris": ["https://sedes.riga.lv/oidc/callback"],
        "post_logout_redirect_uris": ["https://sedes.riga.lv/"],
        "backchannel_logout_uri": "https://sedes.riga.lv/oidc/logout",
    }
    data.update(changes)
    return services.Registration(**data)


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("sedes.riga.lv/callback", "not_absolute"),
        ("ftp://sedes.riga.lv/callback", "not_absolute"),
        ("https://sedes.riga.lv/callback#x", "fragment"),
        ("http://sedes.riga.lv/callback", "not_https"),
        ("https://sedes.riga.lv/" + "a" * 500, "too_long"),
    ],
)
def test_a_redirect_uri_must_be_a_full_https_address(uri: str, reason: str) -> None:
    with pytest.raises(services.ClientProblem) as problem:
        services.check_uri("redirect_uris", uri, allow_http=False)
    assert (problem.value.field, problem.value.reason) == ("redirect_uris", reason)


def test_plain_http_only_on_localhost_or_when_allowed() -> None:
    assert services.check_uri("x", "http://localhost:8080/cb", allow_http=False)
    assert services.check_uri("x", "http://rp.test/cb", allow_http=True)


def test_registration_keeps_only_the_secrets_digest(
    db_session: Session, municipalities: Any
) -> None:
    client, secret = services.register_client(
        db_session, _registration(), created_by="platforma", now=T0
    )
    assert secret and client.secret_hash == digest(secret)
    assert client.client_id.startswith("pkip-") and client.first_party
    assert client.check_client_secret(secret)
    assert not client.check_client_secret(secret + "x")
    assert client.check_redirect_uri("https://sedes.riga.lv/oidc/callback")
    assert not client.check_redirect_uri("https://sedes.riga.lv/oidc/callback/")
    assert client.get_allowed_scope("openid profile admin") == "openid profile"
    public, none = services.register_client(
        db_session, _registration(public=True), created_by="platforma", now=T0
    )
    assert none is None and public.is_public
    assert public.check_endpoint_auth_method("none", "token")
    assert not public.check_endpoint_auth_method("client_secret_post", "token")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"redirect_uris": [f"https://a.lv/{n}" for n in range(11)]}, "redirect_uris"),
        (
            {"post_logout_redirect_uris": ["javascript:alert(1)"]},
            "post_logout_redirect_uris",
        ),
        (
            {"backchannel_logout_uri": "http://sedes.riga.lv/x"},
            "backchannel_logout_uri",
        ),
    ],
)
def test_a_bad_registration_names_its_field(
    db_session: Session, municipalities: Any, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(services.ClientProblem) as problem:
        services.register_client(
            db_session, _registration(**changes), created_by="platforma", now=T0
        )
    assert problem.value.field == field


def test_the_signing_key_comes_from_pem_or_a_file(tmp_path: Any) -> None:
    pem = new_pem()
    from_text = load_signing_key(pem, env="production")
    path = tmp_path / "key.pem"
    path.write_text(pem)
    from_file = load_signing_key(str(path), env="production")
    assert from_text.kid == from_file.kid
    token = from_text.sign({"sub": "1"})
    assert from_file.verify(token)["sub"] == "1"
    assert "d" not in from_text.jwks()["keys"][0]
    with pytest.raises(ValueError):
        load_signing_key(new_pem(), env="test").verify(token)


def test_production_refuses_to_sign_without_a_key() -> None:
    with pytest.raises(SigningKeyError, match="production needs"):
        load_signing_key("", env="production")
    with pytest.raises(SigningKeyError, match="no file"):
        load_signing_key("/nonexistent/key.pem", env="production")
    with pytest.raises(SigningKeyError, match="not an RSA private key"):
        load_signing_key("-----BEGIN NONSENSE-----", env="production")
    base = {
        "PKIP_ENV": "production",
        "PKIP_SECRET_KEY": "k" * 40,
        "PKIP_DATABASE_URL": "postgresql+psycopg://db/pkip",
        "PKIP_PII_HASH_KEY": "A" * 43,
        "PKIP_PII_KEYS": "k1:" + "B" * 43,
        "PKIP_AUDIT_KEY": "C" * 43,
    }
    with pytest.raises(SettingsError, match="PKIP_OIDC_SIGNING_KEY"):
        Settings.from_env(base)
    assert Settings.from_env({**base, "PKIP_OIDC_SIGNING_KEY": new_pem()})


def test_ending_a_session_revokes_its_tokens_and_queues_one_logout_per_client(
    db_session: Session, municipalities: Any
) -> None:
    user = accounts.create_user(
        db_session,
        username="anna",
        full_name="Anna",
        municipality=MUNI,
        password="parole-123",
    )
    with_channel, _ = services.register_client(
        db_session, _registration(), created_by="t", now=T0
    )
    without, _ = services.register_client(
        db_session, _registration(backchannel_logout_uri=""), created_by="t", now=T0
    )
    asked, _ = services.register_client(
        db_session, _registration(name="Prasītāja"), created_by="t", now=T0
    )
    sign_on = services.begin_session(db_session, user.id, now=T0)
    for n, client in enumerate((with_channel, with_channel, without, asked)):
        services.save_token(
            db_session,
            {"access_token": f"a{n}", "refresh_token": f"r{n}", "scope": "openid"},
            client_id=client.client_id,
            user_id=user.id,
            sid=sign_on.sid,
            now=T0,
        )
    notified = services.end_sessions(
        db_session,
        issuer="https://pkip.riga.lv",
        now=T0,
        user_id=user.id,
        skip_client=asked.client_id,
    )
    assert notified == [with_channel.client_id]
    assert sign_on.ended_at == T0
    tokens = db_session.scalars(select(OidcToken)).all()
    assert all(t.revoked_at == T0 for t in tokens)
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.operator == services.LOGOUT_OPERATOR)
    ).one()
    assert message.status == PENDING and message.instance_id is None
    assert message.params["sid"] == sign_on.sid
    assert message.params["sub"] == str(user.id)
    assert "r0" not in str(message.params) and "a0" not in str(message.params)
    # a second logout of the same session queues nothing more
    assert (
        services.end_sessions(
            db_session, issuer="https://pkip.riga.lv", now=T0, user_id=user.id
        )
        == []
    )


def test_userinfo_carries_no_personal_code(
    db_session: Session, municipalities: Any
) -> None:
    user = accounts.create_user(
        db_session,
        username="janis",
        full_name="Jānis 161175-19997",  # even pasted into a name by mistake …
        municipality=MUNI,
        password="parole-123",
        roles=("specialist",),
        departments=("lietvedis",),
        email="janis@riga.lv",
    )
    claims = services.user_info(user, "openid")
    assert claims == {"sub": str(user.id), "municipality": MUNI}
    full = services.user_info(user, "openid profile email roles")
    assert full["roles"] == ["specialist"] and full["departments"] == ["lietvedis"]
    assert full["name"] == "Jānis 16****-****7"
    assert set(full) == {
        "sub",
        "municipality",
        "name",
        "preferred_username",
        "locale",
        "email",
        "email_verified",
        "roles",
        "departments",
    }
