# SPDX-License-Identifier: EUPL-1.2
"""Who is asking: the signed-in person (session) or a system (API token).

Every endpoint needs a signed-in user unless it is marked ``@public``; the check runs
before every request (``guard``), so a page that forgets a decorator is closed, not
open. ``login_required`` and ``roles_required`` say it explicitly on a view, and
``roles_required`` narrows it to roles. On paths under ``/api/`` a missing sign-in
answers 401 JSON instead of the redirect to the login page, and a
``Authorization: Bearer pkip_…`` token is accepted (see ``api_access``).

Sessions are Flask's signed cookies. Signing in clears the session (a new CSRF token,
nothing carried over) and stores the user's id with an *auth stamp*; the stamp changes
on logout, password change and deactivation, which ends every session of that user.
A session also ends ``SESSION_HOURS`` after sign-in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect

from core.calendar import RIGA
from core.db import utcnow
from domain.accounts import services as accounts
from domain.accounts import substitutes
from domain.accounts import tokens as token_rules
from domain.accounts.models import PLATFORM_ADMIN, ApiToken, User
from domain.accounts.tokens import TokenRights
from domain.inbox import Absence
from webapp import platform_of

SESSION_HOURS = 10
"""A working day and a bit: a session ends this long after sign-in."""
API_PREFIX = "/api/"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"account.password", "account.logout", "account.language"}
)
"""All a user with a one-time password may reach until they choose their own."""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AuthUser:
    """The signed-in user as loaded at the start of the request (no ORM object, so
    it is safe in any session and any thread)."""

    id: int
    username: str
    full_name: str
    email: str
    municipality: str
    roles: frozenset[str]
    departments: frozenset[str]
    """Keys of the user's departments = the candidate groups of the user's tasks."""
    language: str
    notifications: str
    absences: tuple[Absence, ...] = ()
    """The absent colleagues this user substitutes today (their tasks and queues
    are in this user's inbox)."""
    must_change_password: bool = False

    @classmethod
    def of(cls, user: User, absences: tuple[Absence, ...] = ()) -> AuthUser:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            email=user.email,
            municipality=user.municipality,
            roles=user.roles,
            departments=user.department_keys,
            language=user.language,
            notifications=user.notifications,
            absences=absences,
            must_change_password=user.must_change_password,
        )

    def has_role(self, *roles: str) -> bool:
        """True when the user has any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles


# -- the current request -----------------------------------------------------------
def current_user() -> AuthUser | None:
    """The signed-in person, or None (also None for API token requests)."""
    user: AuthUser | None = g.get("pkip_user")
    return user


def current_api_token() -> ApiToken | None:
    """The API token of this request (only on /api/ paths), or None."""
    token: ApiToken | None = g.get("pkip_api_token")
    return token


def current_token_rights() -> TokenRights | None:
    """What the request's API token may do now (its creator's rights), or None."""
    rights: TokenRights | None = g.get("pkip_token_rights")
    return rights


def current_municipality() -> str:
    """The municipality code every query of this request is scoped to.

    A person's own municipality; for a platform admin the one chosen in the switch
    (their own until they choose); for an API token the token's. 401 without either.
    """
    token = current_api_token()
    if token is not None:
        return token.municipality
    user = current_user()
    if user is None:
        abort(401)
    if user.is_platform_admin:
        return str(session.get("muni") or user.municipality)
    return user.municipality


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _platform() -> Any:
    return platform_of(current_app)


# -- signing in and out ------------------------------------------------------------
def login_user(user: User) -> None:
    """Start a fresh session for ``user`` (call after the password was verified)."""
    session.clear()
    session["uid"] = user.id
    session["stamp"] = user.auth_stamp
    session["login_at"] = int(time.time())
    session["lang"] = user.language
    session.permanent = True
    g.pkip_user = AuthUser.of(user)


LogoutHook = Callable[[Any, int, "str | None"], None]
"""``hook(db, user_id, skip_client)``: run in the logout's transaction (single
sign-on ends the user's sessions in other systems this way, webapp/oidc)."""


def on_logout(app: Flask, hook: LogoutHook) -> None:
    """Run ``hook`` whenever someone signs out of PKIP."""
    app.extensions.setdefault("pkip_logout_hooks", []).append(hook)


def logout_user(*, skip_client: str | None = None) -> None:
    """End this session and every other session of the same user (and, through
    the logout hooks, the user's single sign-on sessions in other systems but
    ``skip_client``, the system that asked)."""
    user = current_user()
    if user is not None:
        with _platform().transaction() as db:
            found = accounts.get_user(db, user.id)
            if found is not None:
                accounts.rotate_auth_stamp(found)
                for hook in current_app.extensions.get("pkip_logout_hooks", ()):
                    hook(db, user.id, skip_client)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pkip_user = None


def _load_session_user() -> AuthUser | None:
    uid = session.get("uid")
    if uid is None:
        return None
    login_at = session.get("login_at", 0)
    if time.time() - login_at > SESSION_HOURS * 3600:
        session.clear()
        flash(_("Your session has ended. Please sign in again."), "info")
        return None
    # Every request reads this: a reader, so that it never queues behind a writer.
    with _platform().transaction(readonly=True) as db:
        user = accounts.get_user(db, uid)
        if user is None or not user.active or user.auth_stamp != session.get("stamp"):
            session.clear()
            return None
        # Roles, departments and substitutions are read here on every request: a
        # change by an administrator applies from the user's next request.
        today = _platform().engine_config.clock().astimezone(RIGA).date()
        covered = substitutes.covered_by(db, user.id, today)
        absences = tuple(Absence(c.username, c.departments) for c in covered)
        return AuthUser.of(user, absences)


TOKEN_CACHE_SECONDS = 5.0
"""How long a verified API token is trusted without asking the database again."""


VerifiedToken = tuple[ApiToken, TokenRights]
"""A usable token with what its creator lets it do (``token_rules.token_rights``)."""


class TokenCache:
    """API tokens verified in the last ``TOKEN_CACHE_SECONDS``, by the hash of their
    plaintext (never the plaintext), with their creator's rights: a system calling
    many times a second costs one indexed read of its creator's rights version per
    request instead of the token look-up, the creator's roles and departments and
    the "last used" write. Expiry is checked on every use and the creator's rights
    version too (``_fresh``: a role change applies at the next request in every
    process); a revocation in this process clears the cache at once, one in
    another process takes effect there within ``TOKEN_CACHE_SECONDS``."""

    def __init__(
        self,
        ttl: float = TOKEN_CACHE_SECONDS,
        size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: dict[str, tuple[float, VerifiedToken]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> VerifiedToken | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or self.clock() - entry[0] >= self.ttl:
            return None
        return entry[1]

    def put(self, key: str, token: VerifiedToken) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()  # rare: many tokens in a few seconds
            self._entries[key] = (self.clock(), token)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def token_cache(app: Flask | None = None) -> TokenCache:
    app = app or current_app
    cache: TokenCache | None = app.extensions.get("pkip_token_cache")
    if cache is None:
        cache = app.extensions.setdefault("pkip_token_cache", TokenCache())
    return cache


def _load_token() -> VerifiedToken | None | bool:
    """The request's bearer token and its rights; False when one was given but is
    not valid."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    plaintext = header.removeprefix("Bearer ").strip()
    if not accounts.looks_like_token(plaintext):
        return False
    cache, key = token_cache(), accounts.token_hash(plaintext)
    cached = cache.get(key)
    if cached is not None and cached[0].usable(utcnow()) and _fresh(cached):
        return cached
    # A reader: its one write ("last used") is best effort (accounts.authenticate_token)
    with _platform().transaction(readonly=True) as db:
        token = accounts.authenticate_token(db, plaintext)
        if token is None:
            return False
        verified = (token, token_rules.token_rights(db, token))
        db.expunge(token)
    cache.put(key, verified)
    return verified


def _fresh(verified: VerifiedToken) -> bool:
    """Whether the cached rights still match the creator (one indexed read): a
    role change, a disabling or a move applies from the next request, in every
    process, not only after the cache's seconds."""
    token, rights = verified
    with _platform().transaction(readonly=True) as db:
        return token_rules.still_valid(db, token.id, rights)


# -- the guard before every request --------------------------------------------------
def public(view: F) -> F:
    """Mark a view as open to everyone (the login page, public e-services)."""
    view._pkip_public = True  # type: ignore[attr-defined]
    return view


def mark_public(app: Flask, *endpoints: str) -> None:
    """Open endpoints registered by others (e.g. flask-smorest's OpenAPI document)."""
    app.extensions.setdefault("pkip_public", set()).update(endpoints)


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None:  # no route matched: let the 404 through
        return True
    if endpoint in current_app.extensions.get("pkip_public", ()):
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "_pkip_public", False))


def unauthenticated() -> ResponseReturnValue:
    """401 JSON for the API; otherwise a redirect to the login page and back."""
    if is_api_request():
        return _json_error(401, _("Sign in or present an API token."))
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("account.login", next=target.rstrip("?")))


def _json_error(code: int, message: str) -> Response:
    status = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(code, "")
    response = jsonify(code=code, status=status, message=message)
    response.status_code = code
    return response


def guard(csrf: CSRFProtect) -> Callable[[], ResponseReturnValue | None]:
    def _guard() -> ResponseReturnValue | None:
        g.pkip_user = None
        g.pkip_api_token = None
        g.pkip_token_rights = None
        if request.endpoint == "static":
            return None
        if is_api_request():
            token = _load_token()
            if token is False:
                return _json_error(401, _("The API token is not valid."))
            if token is not None:
                g.pkip_api_token, g.pkip_token_rights = token
                return None  # no cookie is involved: no CSRF to check
        g.pkip_user = _load_session_user()
        if g.pkip_user is None and not _is_public(request.endpoint):
            return unauthenticated()
        if request.method in UNSAFE_METHODS:
            csrf.protect(apply_exemptions=True)
        if (
            g.pkip_user is not None
            and g.pkip_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
        ):
            if is_api_request():
                return _json_error(403, _("Change your one-time password first."))
            return redirect(url_for("account.password"))
        return None

    return _guard


# -- decorators --------------------------------------------------------------------
def login_required(view: F) -> F:
    """A signed-in person (or, under /api/, a valid token)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None and current_api_token() is None:
            return unauthenticated()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """A signed-in person with at least one of ``roles``; others get 403.

    Tokens have scopes, not roles: API views use ``api_access`` instead.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return unauthenticated()
            if not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped._pkip_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def api_access(scope: str, *roles: str) -> Callable[[F], F]:
    """For API views: a token needs ``scope``; a person needs one of ``roles``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token, user = current_api_token(), current_user()
            if token is not None:
                if not token.has_scopes(scope):
                    return _json_error(403, _("The API token lacks a scope."))
                refusal = _creator_refusal(scope)
                if refusal is not None:
                    return _json_error(403, refusal)
            elif user is None:
                return unauthenticated()
            elif not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _creator_refusal(scope: str) -> str | None:
    """Why the token's creator no longer lets it use ``scope``, or None."""
    rights = current_token_rights()
    if rights is not None and scope in rights.scopes:
        return None
    reason = rights.limited_by if rights is not None else None
    if reason in (token_rules.CREATOR_INACTIVE, token_rules.CREATOR_MISSING):
        return _(
            "The person who created this API token is no longer active: "
            "the token may do nothing."
        )
    if reason == token_rules.CREATOR_MOVED:
        return _(
            "The person who created this API token no longer works in its "
            "municipality: the token may do nothing."
        )
    return _(
        "The person who created this API token may no longer do this, "
        "so neither may the token."
    )


def safe_next(target: str | None, default_endpoint: str = "workplace.home") -> str:
    """``target`` when it is a path on this site, else the default page."""
    if target:
        parts = urlsplit(target)
        if (
            target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
            and not parts.scheme
            and not parts.netloc
        ):
            return target
    return url_for(default_endpoint)
