# SPDX-License-Identifier: EUPL-1.2
"""Tables of PKIP's OpenID Connect provider: clients (the municipality's other
systems, registered by the platform admin), authorization codes, tokens, and the
sign-in sessions that logout ends everywhere.

Secrets, codes and tokens are stored only as SHA-256 digests (as API tokens are):
a copy of the database signs nobody in. The mixins are Authlib's (no Flask in
them): its grants read clients, codes and tokens through these methods.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import ClassVar

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from domain.accounts.models import User

SCOPES = ("openid", "profile", "email", "roles", "offline_access")
"""What a client may ask for; ``roles`` adds the roles and departments claims,
``offline_access`` a refresh token."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OidcClient(Base, ClientMixin):  # type: ignore[misc]
    """A system that signs people in through PKIP (a relying party)."""

    __tablename__ = "oidc_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    """None: a public client (a browser or mobile app), which must use PKCE S256."""
    name: Mapped[str] = mapped_column(String(255))
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code"), index=True
    )
    """Only this municipality's people may sign in to the client."""
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500))
    first_party: Mapped[bool] = mapped_column(Boolean, default=True)
    """Registered by the platform admin for the municipality: no consent page."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_public(self) -> bool:
        return self.secret_hash is None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def client_metadata(self) -> dict[str, str]:
        """Registration metadata Authlib reads (none beyond the columns: userinfo
        answers as plain JSON)."""
        return {}

    # -- Authlib's ClientMixin ---------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Never guessed: every authorization request names its redirect URI.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        wanted = (scope or "").split()
        return " ".join(s for s in wanted if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match with a registered URI: no prefixes, no wildcards."""
        return redirect_uri in (self.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(self.secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint != "token":
            return True
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class OidcSession(Base):
    """A person's single sign-on session: begun at the first sign-in to a client
    from a PKIP session, ended when the person signs out of PKIP or of a client."""

    __tablename__ = "oidc_sessions"
    __table_args__ = (Index("ix_oidc_sessions_user_ended", "user_id", "ended_at"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()


class OidcCode(Base, AuthorizationCodeMixin):  # type: ignore[misc]
    """An authorization code: used once, within ``CODE_SECONDS``."""

    __tablename__ = "oidc_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(255))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship(lazy="joined")

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class OidcToken(Base, TokenMixin):  # type: ignore[misc]
    """An access token with its refresh token (rotated: each refresh token is used
    once; a second use is a theft and revokes the session's tokens of the client)."""

    __tablename__ = "oidc_tokens"
    __table_args__ = (Index("ix_oidc_tokens_sid", "sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sid: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(255))
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column()
    expires_in: Mapped[int] = mapped_column()
    refresh_expires_at: Mapped[datetime | None] = mapped_column()
    refreshed_at: Mapped[datetime | None] = mapped_column()
    """When its refresh token was exchanged for the next one (used up)."""
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(lazy="joined")
    client: Mapped[OidcClient] = relationship(lazy="joined")

    # -- Authlib's TokenMixin ----------------------------------------------------
    def check_client(self, client: OidcClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def access_expires_at(self) -> datetime:
        return self.issued_at + timedelta(seconds=self.expires_in)

    checked_at: ClassVar[datetime | None] = None
    """The platform's time when the token was looked up (services), else now."""

    def is_expired(self) -> bool:
        return self.access_expires_at() <= (self.checked_at or utcnow())

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or not self.user.active

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> OidcClient:
        return self.client
