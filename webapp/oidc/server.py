# SPDX-License-Identifier: EUPL-1.2
"""Authlib's authorization server on PKIP's tables (domain/oidc).

The authorization code grant with PKCE (S256; required of public clients), OpenID
Connect ID tokens signed with the platform's key, rotating refresh tokens, and the
userinfo endpoint behind a bearer-token validator. Every callback reads and writes
through ``g.oidc_db``, the session of the request's one transaction (views.py).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, current_app, g, request
from sqlalchemy import select

from domain.accounts.models import User
from domain.oidc import services
from domain.oidc.keys import ALGORITHM
from domain.oidc.models import SCOPES, OidcClient, OidcCode, OidcToken
from webapp import platform_of

ID_TOKEN_SECONDS = 600


def _now() -> datetime:
    now: datetime = platform_of(current_app).engine_config.clock()
    return now


def issuer() -> str:
    """``PKIP_OIDC_ISSUER``, or the address the request came to (development)."""
    configured = platform_of(current_app).settings.oidc_issuer.strip()
    return (configured or request.url_root).rstrip("/")


def _db() -> Any:
    return g.oidc_db


class Pkce(CodeChallenge):  # type: ignore[misc]
    """S256 only; a public client may not go without it."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        client: OidcClient = grant.request.client
        if client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError(
                "A public client must send a PKCE code_challenge (S256).",
                redirect_uri=redirect_uri,
            )
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "code_challenge_method must be S256.", redirect_uri=redirect_uri
            )
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, code: OidcCode) -> str | None:
        return code.code_challenge

    def get_authorization_code_challenge_method(self, code: OidcCode) -> str | None:
        return code.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code: str, request: Any) -> OidcCode:
        data = request.payload.data
        return services.save_code(
            _db(),
            code,
            client_id=request.client.client_id,
            user_id=request.user.id,
            sid=g.oidc_sid,
            redirect_uri=request.payload.redirect_uri,
            scope=request.client.get_allowed_scope(request.payload.scope),
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=g.oidc_auth_time,
            now=_now(),
        )

    def query_authorization_code(self, code: str, client: OidcClient) -> Any:
        return services.find_code(_db(), code, client.client_id, now=_now())

    def delete_authorization_code(self, authorization_code: OidcCode) -> None:
        services.use_code(_db(), authorization_code)

    def authenticate_user(self, authorization_code: OidcCode) -> User | None:
        user = authorization_code.user
        return user if user.active else None


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is used once
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def authenticate_refresh_token(self, refresh_token: str) -> OidcToken | None:
        return services.find_refresh_token(_db(), refresh_token, now=_now())

    def authenticate_user(self, credential: OidcToken) -> User | None:
        return credential.user if credential.user.active else None

    def revoke_old_credential(self, credential: OidcToken) -> None:
        services.rotate(credential, now=_now())


class PkipOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return (
            _db()
            .scalars(
                select(OidcCode.id).where(
                    OidcCode.client_id == request.payload.client_id,
                    OidcCode.nonce == nonce,
                )
            )
            .first()
            is not None
        )

    def resolve_client_private_key(self, client: OidcClient) -> Any:
        return platform_of(current_app).oidc_key().key

    def get_client_algorithm(self, client: OidcClient) -> str:
        return ALGORITHM

    def get_encode_header(self, client: OidcClient) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": platform_of(current_app).oidc_key().kid}

    def get_client_claims(self, client: OidcClient) -> dict[str, Any]:
        return {
            "iss": issuer(),
            "aud": [client.client_id],
            "exp": int(time.time()) + ID_TOKEN_SECONDS,
        }

    def get_authorization_code_claims(self, code: OidcCode) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(code)
        claims["sid"] = code.sid  # what a back-channel logout names
        return claims

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(services.user_info(user, scope))


class TokenValidator(BearerTokenValidator):  # type: ignore[misc]
    def authenticate_token(self, token_string: str) -> OidcToken | None:
        return services.find_access_token(_db(), token_string, now=_now())

    def validate_token(
        self, token: OidcToken | None, scopes: Any, request: Any
    ) -> None:
        super().validate_token(token, scopes, request)
        assert token is not None
        # A person moved to another municipality no longer opens the data of the
        # systems of the one the token was issued for.
        if (
            not token.client.active
            or token.user.municipality != token.client.municipality
        ):
            raise InvalidTokenError()


class UserInfoPage(UserInfoEndpoint):  # type: ignore[misc]
    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(services.user_info(user, scope))

    def get_issuer(self) -> str:
        return issuer()

    def resolve_private_key(self) -> Any:
        return platform_of(current_app).oidc_key().key


def _query_client(client_id: str) -> OidcClient | None:
    return services.find_client(_db(), client_id)


def _save_token(token: dict[str, Any], request: Any) -> None:
    replaced = request.refresh_token
    source = request.authorization_code or replaced
    services.save_token(
        _db(),
        token,
        client_id=request.client.client_id,
        user_id=request.user.id,
        sid=source.sid,
        now=_now(),
        refresh_until=replaced.refresh_expires_at if replaced is not None else None,
    )


def init_server(app: Flask) -> AuthorizationServer:
    """The app's authorization server (``app.extensions["pkip_oidc"]``)."""
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {
            "authorization_code": services.ACCESS_SECONDS,
            "refresh_token": services.ACCESS_SECONDS,
        },
    )
    server = AuthorizationServer(app, _query_client, _save_token)
    server.scopes_supported = list(SCOPES)
    server.register_grant(CodeGrant, [Pkce(required=True), PkipOpenIDCode()])
    server.register_grant(RefreshGrant)
    protector = ResourceProtector()
    protector.register_token_validator(TokenValidator())
    server.register_endpoint(UserInfoPage(resource_protector=protector))
    app.extensions["pkip_oidc"] = server
    return server


def server_of(app: Flask) -> AuthorizationServer:
    server: AuthorizationServer = app.extensions["pkip_oidc"]
    return server
