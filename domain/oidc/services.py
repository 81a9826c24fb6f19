# SPDX-License-Identifier: EUPL-1.2
"""Operations of the OpenID Connect provider: registering clients, codes, tokens
(refresh tokens rotate), sessions and ending them everywhere.

Services flush; the caller (a request, the CLI) commits. Logging out queues one
back-channel logout per client the session signed in to, through the outbox
(``engine.outbox.enqueue_ordered``): a client that is down gets it when it is back.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.pii import mask_identifiers
from domain.accounts.models import User
from domain.oidc.models import (
    SCOPES,
    OidcClient,
    OidcCode,
    OidcSession,
    OidcToken,
    digest,
)
from engine.models import FAILED, HELD, PENDING, OutboxMessage
from engine.outbox import enqueue_ordered

CODE_SECONDS = 60
ACCESS_SECONDS = 600
REFRESH_HOURS = 10
"""A refresh token lives as long as a PKIP session (webapp/auth.py SESSION_HOURS):
a system stays signed in no longer than PKIP itself would."""
LOGOUT_OPERATOR = "oidc.backchannel_logout"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
MAX_URIS = 10


class ClientProblem(ValueError):
    """A registration field is wrong: ``field`` names it, ``reason`` says why
    (one of the keys the web page translates)."""

    def __init__(self, field: str, reason: str, value: str = "") -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.value = field, reason, value


# -- clients ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Registration:
    name: str
    municipality: str
    redirect_uris: Sequence[str]
    post_logout_redirect_uris: Sequence[str] = ()
    backchannel_logout_uri: str = ""
    public: bool = False


def check_uri(field: str, uri: str, *, allow_http: bool) -> str:
    """An absolute http(s) URI without a fragment; plain http only on a developer's
    own machine (localhost) unless ``allow_http``."""
    uri = uri.strip()
    if len(uri) > 500:
        raise ClientProblem(field, "too_long", uri[:60])
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ClientProblem(field, "not_absolute", uri)
    if parts.fragment or "#" in uri:
        raise ClientProblem(field, "fragment", uri)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "http" and not (allow_http or local):
        raise ClientProblem(field, "not_https", uri)
    return uri


def _uris(field: str, uris: Iterable[str], *, allow_http: bool) -> list[str]:
    found: list[str] = []
    for uri in uris:
        if uri.strip() and uri.strip() not in found:
            found.append(check_uri(field, uri, allow_http=allow_http))
    if len(found) > MAX_URIS:
        raise ClientProblem(field, "too_many")
    return found


def register_client(
    db: Session,
    registration: Registration,
    *,
    created_by: str,
    now: datetime,
    allow_http: bool = False,
) -> tuple[OidcClient, str | None]:
    """A new client and its secret in plaintext (None for a public client): the
    only time the secret exists outside the client's own configuration."""
    name = registration.name.strip()
    if not name:
        raise ClientProblem("name", "required")
    if len(name) > 255:
        raise ClientProblem("name", "too_long")
    redirect_uris = _uris(
        "redirect_uris", registration.redirect_uris, allow_http=allow_http
    )
    if not redirect_uris:
        raise ClientProblem("redirect_uris", "required")
    post_logout = _uris(
        "post_logout_redirect_uris",
        registration.post_logout_redirect_uris,
        allow_http=allow_http,
    )
    backchannel = registration.backchannel_logout_uri.strip()
    if backchannel:
        backchannel = check_uri(
            "backchannel_logout_uri", backchannel, allow_http=allow_http
        )
    secret = None if registration.public else secrets.token_urlsafe(32)
    client = OidcClient(
        client_id="pkip-" + secrets.token_urlsafe(12),
        secret_hash=None if secret is None else digest(secret),
        name=name,
        municipality=registration.municipality,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel or None,
        first_party=True,
        created_by=created_by,
        created_at=now,
    )
    db.add(client)
    db.flush()
    return client, secret


def find_client(db: Session, client_id: str) -> OidcClient | None:
    """An active client by its id (a disabled one is as good as unknown)."""
    if not client_id or len(client_id) > 64:
        return None
    client = db.scalars(
        select(OidcClient).where(OidcClient.client_id == client_id)
    ).first()
    return client if client is not None and client.active else None


def all_clients(db: Session) -> list[OidcClient]:
    return list(db.scalars(select(OidcClient).order_by(OidcClient.name)))


def disable_client(db: Session, client: OidcClient, *, now: datetime) -> None:
    """No more sign-ins to the client; every token it holds stops working."""
    client.disabled_at = now
    db.execute(
        update(OidcToken)
        .where(OidcToken.client_id == client.client_id, OidcToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.flush()


# -- sessions and codes ------------------------------------------------------------
def session_of(db: Session, sid: str | None, user_id: int) -> OidcSession | None:
    """The live sign-on session ``sid`` of the user, or None."""
    if not sid:
        return None
    found = db.get(OidcSession, sid)
    if found is None or found.user_id != user_id or found.ended_at is not None:
        return None
    return found


def begin_session(db: Session, user_id: int, *, now: datetime) -> OidcSession:
    found = OidcSession(sid=secrets.token_urlsafe(32), user_id=user_id, created_at=now)
    db.add(found)
    db.flush()
    return found


def save_code(
    db: Session,
    code: str,
    *,
    client_id: str,
    user_id: int,
    sid: str,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    auth_time: int,
    now: datetime,
) -> OidcCode:
    found = OidcCode(
        code_hash=digest(code),
        client_id=client_id,
        user_id=user_id,
        sid=sid,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        auth_time=auth_time,
        expires_at=now + timedelta(seconds=CODE_SECONDS),
    )
    db.add(found)
    db.flush()
    return found


def find_code(
    db: Session, code: str, client_id: str, *, now: datetime
) -> OidcCode | None:
    """The unexpired code issued to ``client_id`` (another client's code is None)."""
    found = db.scalars(
        select(OidcCode).where(OidcCode.code_hash == digest(code))
    ).first()
    if found is None or found.client_id != client_id or found.expires_at <= now:
        return None
    return found


def use_code(db: Session, code: OidcCode) -> None:
    db.delete(code)
    db.flush()


# -- tokens ------------------------------------------------------------------------
def save_token(
    db: Session,
    token: dict[str, Any],
    *,
    client_id: str,
    user_id: int,
    sid: str,
    now: datetime,
    refresh_until: datetime | None = None,
) -> OidcToken:
    """Store a token response. ``refresh_until``: the end of the refresh token it
    replaces — rotation never extends how long a system stays signed in."""
    refresh = token.get("refresh_token")
    until = refresh_until or now + timedelta(hours=REFRESH_HOURS)
    found = OidcToken(
        client_id=client_id,
        user_id=user_id,
        sid=sid,
        scope=str(token.get("scope") or ""),
        access_hash=digest(str(token["access_token"])),
        refresh_hash=digest(refresh) if refresh else None,
        issued_at=now,
        expires_in=int(token.get("expires_in") or ACCESS_SECONDS),
        refresh_expires_at=until if refresh else None,
    )
    db.add(found)
    db.flush()
    return found


def find_access_token(
    db: Session, access_token: str, *, now: datetime
) -> OidcToken | None:
    if not access_token or len(access_token) > 200:
        return None
    found = db.scalars(
        select(OidcToken).where(OidcToken.access_hash == digest(access_token))
    ).first()
    if found is not None:
        found.checked_at = now  # type: ignore[misc]  # per instance, unmapped
    return found


def find_refresh_token(
    db: Session, refresh_token: str, *, now: datetime
) -> OidcToken | None:
    """The token of a refresh token that may still be exchanged, or None.

    A refresh token that was already exchanged is being replayed — by its thief
    or by the client whose new token the thief now holds: every token of that
    session and client is revoked, and the client must sign the person in again.
    """
    if not refresh_token or len(refresh_token) > 200:
        return None
    found = db.scalars(
        select(OidcToken).where(OidcToken.refresh_hash == digest(refresh_token))
    ).first()
    if found is None:
        return None
    if found.refreshed_at is not None:
        revoke_tokens(db, sids=[found.sid], client_id=found.client_id, now=now)
        return None
    if (
        found.revoked_at is not None
        or found.refresh_expires_at is None
        or found.refresh_expires_at <= now
        or not found.user.active
        or not found.client.active
    ):
        return None
    sign_on = db.get(OidcSession, found.sid)
    if sign_on is None or sign_on.ended_at is not None:
        return None
    return found


def rotate(token: OidcToken, *, now: datetime) -> None:
    """The refresh token was exchanged: it and its access token are done."""
    token.refreshed_at = now
    token.revoked_at = now


def revoke_tokens(
    db: Session, *, sids: Sequence[str], client_id: str | None = None, now: datetime
) -> None:
    if not sids:
        return
    query = update(OidcToken).where(
        OidcToken.sid.in_(list(sids)), OidcToken.revoked_at.is_(None)
    )
    if client_id is not None:
        query = query.where(OidcToken.client_id == client_id)
    db.execute(query.values(revoked_at=now))
    db.flush()


def user_info(user: User, scope: str) -> dict[str, Any]:
    """The claims a client gets about a person: never a personal code."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": subject(user), "municipality": user.municipality}
    if "profile" in scopes:
        claims.update(
            # a code pasted into a name by mistake is not handed on
            name=mask_identifiers(user.full_name),
            preferred_username=user.username,
            locale=user.language,
        )
    if "email" in scopes and user.email:
        claims.update(email=user.email, email_verified=False)
    if "roles" in scopes:
        claims.update(
            roles=sorted(user.roles), departments=sorted(user.department_keys)
        )
    return claims


def subject(user: User) -> str:
    """The ``sub`` of a person: stable and meaningless (the database id)."""
    return str(user.id)


# -- ending sessions everywhere ----------------------------------------------------
def end_sessions(
    db: Session,
    *,
    issuer: str,
    now: datetime,
    user_id: int | None = None,
    sids: Sequence[str] = (),
    skip_client: str | None = None,
) -> list[str]:
    """End the given sessions (or every live session of ``user_id``): revoke their
    tokens and queue a back-channel logout to every client they signed in to that
    has a back-channel URI (but ``skip_client``, the one that asked). Returns the
    client ids notified."""
    query = select(OidcSession).where(OidcSession.ended_at.is_(None))
    if user_id is not None:
        query = query.where(OidcSession.user_id == user_id)
    if sids:
        query = query.where(OidcSession.sid.in_(list(sids)))
    elif user_id is None:
        return []
    ended = list(db.scalars(query))
    for sign_on in ended:
        sign_on.ended_at = now
    ended_sids = [s.sid for s in ended]
    if not ended_sids:
        return []
    signed_in = db.execute(
        select(OidcToken.sid, OidcToken.client_id, OidcToken.user_id)
        .where(OidcToken.sid.in_(ended_sids))
        .distinct()
    ).all()
    revoke_tokens(db, sids=ended_sids, now=now)
    notified: list[str] = []
    for sid, client_id, owner in signed_in:
        client = find_client(db, client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        if client_id == skip_client:
            continue
        enqueue_ordered(
            db,
            key=f"oidc-logout:{sid}:{client_id}"[:120],
            instance_id=None,
            municipality=client.municipality,
            operator=LOGOUT_OPERATOR,
            params={
                "uri": client.backchannel_logout_uri,
                "client_id": client_id,
                "iss": issuer,
                "sub": str(owner),
                "sid": sid,
                "queued_at": now.isoformat(),
            },
            now=now,
        )
        notified.append(client_id)
    db.flush()
    return notified


@dataclass(frozen=True)
class LogoutBacklog:
    waiting: int = 0
    """Queued or being retried (the client did not answer yet)."""
    failed: int = 0
    """Given up: the client refused, or did not answer for a day."""


def logout_backlog(db: Session) -> dict[str, LogoutBacklog]:
    """Back-channel logouts not delivered, by client id: what the platform admin
    sees beside each registered system."""
    rows = db.execute(
        select(OutboxMessage.status, OutboxMessage.params).where(
            OutboxMessage.operator == LOGOUT_OPERATOR,
            OutboxMessage.status.in_((PENDING, HELD, FAILED)),
        )
    ).all()
    counts: dict[str, list[int]] = {}
    for status, params in rows:
        client_id = str((params or {}).get("client_id", ""))
        pair = counts.setdefault(client_id, [0, 0])
        pair[1 if status == FAILED else 0] += 1
    return {k: LogoutBacklog(waiting=v[0], failed=v[1]) for k, v in counts.items()}


def logout_claims(
    *, issuer: str, client_id: str, sub: str, sid: str, now: int
) -> dict[str, Any]:
    """The claims of a back-channel logout token (OpenID Connect Back-Channel
    Logout 1.0, section 2.4): made at each delivery attempt, so never stale."""
    return {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
        "sub": sub,
        "sid": sid,
        "events": {BACKCHANNEL_EVENT: {}},
    }


def scopes_supported() -> list[str]:
    return list(SCOPES)
