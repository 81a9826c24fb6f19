# SPDX-License-Identifier: EUPL-1.2
"""A small second application that signs people in through PKIP (an OpenID Connect
relying party, as the municipality's document system would be), for the tests.

It uses Authlib's OAuth2 client (code + PKCE S256), checks the ID token against
PKIP's JWKS, and honours back-channel logout: a logout token from PKIP ends the
session it names, so the next page asks the person to sign in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, abort, redirect, request, session
from joserfc import jwt
from joserfc.jwk import KeySet

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def make_rp_app(
    *,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    base: str,
    http: Callable[[], requests.Session],
) -> Flask:
    app = Flask("rp")
    app.config.update(SECRET_KEY="rp-test-secret", TESTING=True)
    ended: set[str] = set()
    app.extensions["ended_sids"] = ended

    def oauth(**kwargs: Any) -> OAuth2Session:
        client = OAuth2Session(
            client_id,
            client_secret,
            scope="openid profile email roles",
            redirect_uri=f"{base}/callback",
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic"
            if client_secret
            else "none",
            **kwargs,
        )
        for prefix, adapter in http().adapters.items():
            client.mount(prefix, adapter)
        client.trust_env = False
        return client

    def keys() -> KeySet:
        data = http().get(f"{issuer}/oidc/jwks", timeout=5).json()
        return KeySet.import_key_set(data)

    @app.get("/")
    def home() -> Any:
        sid = session.get("sid")
        if not sid or sid in ended:
            session.clear()
            return "Nav pieteicies. <a href='/login'>Ienākt ar PKIP</a>", 401
        return f"<p id='who'>Sveiki, {session['name']} ({session['municipality']})</p>"

    @app.get("/login")
    def login() -> Any:
        verifier, nonce = generate_token(48), generate_token(20)
        url, state = oauth().create_authorization_url(
            f"{issuer}/oidc/authorize", nonce=nonce, code_verifier=verifier
        )
        session.update(state=state, nonce=nonce, verifier=verifier)
        return redirect(url)

    @app.get("/callback")
    def callback() -> Any:
        if request.args.get("state") != session.get("state"):
            abort(400)
        token = oauth().fetch_token(
            f"{issuer}/oidc/token",
            code=request.args["code"],
            code_verifier=session["verifier"],
        )
        claims = jwt.decode(token["id_token"], keys()).claims
        assert claims["iss"] == issuer and client_id in claims["aud"]
        assert claims["nonce"] == session["nonce"]
        session.clear()
        session.update(
            sid=claims["sid"],
            name=claims["name"],
            municipality=claims["municipality"],
            id_token=token["id_token"],
            refresh_token=token.get("refresh_token"),
            access_token=token["access_token"],
        )
        return redirect("/")

    @app.get("/logout")
    def logout() -> Any:
        hint = session.get("id_token", "")
        session.clear()
        return redirect(
            f"{issuer}/oidc/logout?id_token_hint={hint}"
            f"&post_logout_redirect_uri={base}/signed-out&state=bye"
        )

    @app.get("/signed-out")
    def signed_out() -> Any:
        return f"<p id='bye'>Jūs esat izgājis ({request.args.get('state')})</p>"

    @app.post("/backchannel-logout")
    def backchannel_logout() -> Any:
        try:
            claims = jwt.decode(request.form["logout_token"], keys()).claims
        except Exception:  # noqa: BLE001 - any bad token is a 400
            abort(400)
        if (
            claims.get("iss") != issuer
            or claims.get("aud") != client_id
            or BACKCHANNEL_EVENT not in claims.get("events", {})
            or "nonce" in claims
            or claims.get("exp", 0) < time.time()
        ):
            abort(400)
        ended.add(claims["sid"])
        return "", 200

    return app
