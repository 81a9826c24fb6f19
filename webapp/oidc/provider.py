# SPDX-License-Identifier: EUPL-1.2
"""The OpenID Connect provider's endpoints. Each runs in one transaction whose
session Authlib's callbacks use (``g.oidc_db``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from domain.accounts import services as accounts
from domain.oidc import services
from domain.oidc.models import SCOPES
from webapp import platform_of, transaction
from webapp.auth import current_user, logout_user, on_logout, public
from webapp.oidc import bp
from webapp.oidc.server import _now, init_server, issuer, server_of

SESSION_KEY = "oidc_sid"
LOGOUT_HINT_MAX_AGE = 24 * 3600
"""An ``id_token_hint`` older than this (by its ``iat``) names no one."""


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.get("/.well-known/openid-configuration")
@public
def discovery() -> Any:
    base = issuer()
    return jsonify(
        issuer=base,
        authorization_endpoint=base + url_for("oidc.authorize"),
        token_endpoint=base + url_for("oidc.token"),
        userinfo_endpoint=base + url_for("oidc.userinfo"),
        jwks_uri=base + url_for("oidc.jwks"),
        end_session_endpoint=base + url_for("oidc.end_session"),
        scopes_supported=list(SCOPES),
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        token_endpoint_auth_methods_supported=[
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        code_challenge_methods_supported=["S256"],
        claims_supported=[
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "sid",
            "name",
            "preferred_username",
            "locale",
            "email",
            "municipality",
            "roles",
            "departments",
        ],
        backchannel_logout_supported=True,
        backchannel_logout_session_supported=True,
        frontchannel_logout_supported=False,
    )


@bp.get("/oidc/jwks")
@public
def jwks() -> Any:
    return jsonify(platform_of(current_app).oidc_key().jwks())


def _in_transaction(work: Callable[[], Any]) -> Any:
    with transaction() as db:
        g.oidc_db = db
        try:
            return work()
        finally:
            g.oidc_db = None


@bp.route("/oidc/authorize", methods=["GET"])
@public
def authorize() -> Any:
    server = server_of(current_app)
    person = current_user()
    with transaction() as db:
        g.oidc_db = db
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:  # a registered redirect URI: the client is told
                return server.handle_error_response(None, error)
            # An unknown client or an unregistered redirect URI: never redirected
            # anywhere (an open redirector otherwise); the person is told here.
            return _refused(
                _(
                    "The system that sent you here is not registered with PKIP "
                    "or gave an address PKIP does not know. Sign-in refused."
                )
            )
        client = grant.request.client
        prompt = (request.args.get("prompt") or "").split()
        if person is None:
            if "none" in prompt:
                return _error_to_client(server, grant, "login_required")
            return redirect(url_for("account.login", next=request.full_path))
        user = accounts.get_user(db, person.id)
        if user is None or not user.active:
            abort(403)
        if user.municipality != client.municipality:
            return _refused(
                _(
                    "%(system)s is for the staff of another municipality: you "
                    "cannot sign in to it with your account.",
                    system=client.name,
                )
            )
        sign_on = services.session_of(db, session.get(SESSION_KEY), user.id)
        if sign_on is None:
            sign_on = services.begin_session(db, user.id, now=_now())
            session[SESSION_KEY] = sign_on.sid
        g.oidc_sid = sign_on.sid
        g.oidc_auth_time = int(session.get("login_at") or time.time())
        # First-party clients registered by the platform admin: no consent page.
        return server.create_authorization_response(grant_user=user, grant=grant)


def _error_to_client(server: Any, grant: Any, error: str) -> Any:
    params = {"error": error}
    if grant.request.payload.state:
        params["state"] = grant.request.payload.state
    target = grant.request.payload.redirect_uri
    return redirect(f"{target}{'&' if '?' in target else '?'}{urlencode(params)}")


def _refused(message: str) -> Any:
    return render_template("oidc/refused.html", message=message), 400


@bp.post("/oidc/token")
@public
def token() -> Any:
    server = server_of(current_app)
    return _no_store(_in_transaction(server.create_token_response))


@bp.route("/oidc/userinfo", methods=["GET", "POST"])
@public
def userinfo() -> Any:
    server = server_of(current_app)
    return _in_transaction(lambda: server.create_endpoint_response("userinfo"))


# -- RP-initiated logout -------------------------------------------------------------
@bp.route("/oidc/logout", methods=["GET"])
@public
def end_session() -> Any:
    """OpenID Connect RP-Initiated Logout 1.0: with a valid ``id_token_hint`` from
    a registered client the person is signed out of PKIP and of every system the
    session signed in to, and sent to a ``post_logout_redirect_uri`` registered
    for that client; without one PKIP asks first (a link alone must not sign
    anyone out)."""
    args = request.args
    hint = args.get("id_token_hint", "")
    target = args.get("post_logout_redirect_uri", "")
    state = args.get("state", "")
    with transaction() as db:
        client, claims = _hinted_client(db, hint, args.get("client_id", ""))
        if target and (
            client is None or target not in client.post_logout_redirect_uris
        ):
            return _refused(
                _(
                    "The address to return to after signing out is not registered "
                    "for this system. Sign-out refused."
                )
            )
        person = current_user()
        if client is None or claims is None:
            if person is None:
                flash(_("You have signed out."), "success")
                return redirect(url_for("account.login"))
            return render_template("oidc/logout.html")
        if person is not None and claims.get("sub") != str(person.id):
            # The hint names someone else: ask rather than sign this person out.
            return render_template("oidc/logout.html")
        client_id = client.client_id
    if person is not None:
        logout_user(skip_client=client_id)
    elif claims.get("sid"):
        with transaction() as db:
            services.end_sessions(
                db,
                issuer=issuer(),
                now=_now(),
                sids=[str(claims["sid"])],
                skip_client=client_id,
            )
    if target:
        query = urlencode({"state": state}) if state else ""
        return redirect(f"{target}{'&' if '?' in target else '?'}{query}".rstrip("?&"))
    flash(_("You have signed out."), "success")
    return redirect(url_for("account.login"))


def _hinted_client(db: Any, hint: str, client_id: str) -> tuple[Any, Any]:
    """The client an ``id_token_hint`` was issued to, with its claims, or Nones."""
    if not hint or len(hint) > 8192:
        return None, None
    try:
        claims = platform_of(current_app).oidc_key().verify(hint)
    except ValueError:
        return None, None
    if claims.get("iss") != issuer():
        return None, None
    if time.time() - int(claims.get("iat", 0)) > LOGOUT_HINT_MAX_AGE:
        return None, None
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if client_id and client_id not in audiences:
        return None, None
    client = services.find_client(db, audiences[0]) if audiences else None
    return (client, claims) if client is not None else (None, None)


@bp.post("/oidc/logout")
def confirm_logout() -> Any:
    """The confirmation page's button (CSRF-protected, signed-in people only)."""
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("account.login"))


def _end_single_sign_on(db: Any, user_id: int, skip_client: str | None) -> None:
    """Signing out of PKIP ends the person's sessions in every system they signed
    in to through it (their tokens at once; the systems by back-channel logout)."""
    services.end_sessions(
        db, issuer=issuer(), now=_now(), user_id=user_id, skip_client=skip_client
    )


def _login_may_return_to_client(response: Any) -> Any:
    """The sign-in page's form may lead on to a registered client.

    Browsers apply the page's CSP ``form-action`` to every redirect that follows
    a form's submission: signing in on the way to a client (sign-in → authorize →
    the client's redirect URI) would be blocked by ``form-action 'self'``. The
    sign-in page shown for an authorization request allows the origin of that
    request's redirect URI — only when it is registered for the client."""
    if request.endpoint != "account.login":
        return response
    origin = _client_origin(request.values.get("next", ""))
    policy = response.headers.get("Content-Security-Policy", "")
    if origin and "form-action 'self'" in policy:
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return response


def _client_origin(target: str) -> str | None:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path != url_for("oidc.authorize"):
        return None
    query = parse_qs(parts.query)
    client_id = (query.get("client_id") or [""])[0]
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    with platform_of(current_app).transaction(readonly=True) as db:
        client = services.find_client(db, client_id)
        if client is None or not client.check_redirect_uri(redirect_uri):
            return None
    found = urlsplit(redirect_uri)
    return f"{found.scheme}://{found.netloc}"


@bp.record_once
def _setup(state: Any) -> None:
    app = state.app
    init_server(app)
    on_logout(app, _end_single_sign_on)
    app.after_request(_login_may_return_to_client)
    # Called by other systems' servers, not from PKIP's pages: no CSRF token.
    csrf = app.extensions["pkip_csrf"]
    csrf.exempt(token)
    csrf.exempt(userinfo)
