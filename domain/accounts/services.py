# SPDX-License-Identifier: EUPL-1.2
"""Accounts: users and passwords, departments, API tokens, the demo users.

Every function takes the SQLAlchemy session it works in and only flushes; the caller
(the request, the CLI command, the test) commits. Passwords are argon2id hashes
(argon2-cffi's defaults, RFC 9106 low-memory profile); API tokens are random strings
of which only the SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.accounts.models import (
    ANALYST,
    AUDITOR,
    FINANCE,
    LANGUAGES,
    MUNICIPALITY_ADMIN,
    NOTIFICATIONS,
    PLATFORM_ADMIN,
    REGISTRY_CLERK,
    ROLES,
    SERVICE_OWNER,
    SPECIALIST,
    SUPERVISOR,
    VPVKAC_CLERK,
    ApiToken,
    Department,
    User,
    UserRole,
)
from domain.accounts.tokens import grantable_scopes
from domain.models import Municipality

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "pkip_"  # noqa: S105 - a marker, not a secret
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
"""last_used_at is written at most this often per token (no write per API call)."""

KNOWN_SCOPES = (
    "definitions:read",
    "definitions:deploy",
    "instances:read",
    "instances:start",
    "tasks:read",
    "tasks:write",
    "cases:read",
    "intake:read",
    "intake:write",
    "audit:read",
    "audit:write",
)
"""Scopes an API token may carry; the REST API adds its own here when it needs more."""


class AccountError(ValueError):
    """Invalid account data; ``field`` names the offending attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# -- passwords ---------------------------------------------------------------------
_hasher = PasswordHasher()
_dummy_hash: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the hasher (tests use cheap parameters); returns the previous one."""
    global _hasher, _dummy_hash
    previous, _hasher, _dummy_hash = _hasher, hasher, None
    return previous


def hash_password(plaintext: str) -> str:
    if len(plaintext) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password", f"at least {MIN_PASSWORD_LENGTH} characters are needed"
        )
    return _hasher.hash(plaintext)


def _verify(password_hash: str, plaintext: str) -> bool:
    try:
        return _hasher.verify(password_hash, plaintext)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, plaintext: str) -> None:
    """Set a new password; every session of the user ends (a new auth stamp)."""
    user.password_hash = hash_password(plaintext)
    rotate_auth_stamp(user)


def rotate_auth_stamp(user: User) -> None:
    user.auth_stamp = secrets.token_hex(16)


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> User | None:
    """The active user with this username and password, or None; records the
    sign-in (``check_password`` then ``record_sign_in``)."""
    user = check_password(session, username, password)
    if user is not None:
        record_sign_in(user, password, now=now)
        session.flush()
    return user


def check_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None — writing nothing,
    so that the deliberately slow hash check can run in a reading transaction
    (on SQLite a writer holds the one write lock while it works).

    An unknown username costs one hash verification too, so the answer time does not
    tell which usernames exist.
    """
    global _dummy_hash
    user = find_user(session, username)
    if user is None or not user.active:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_hex(8))
        _verify(_dummy_hash, password)
        return None
    if not _verify(user.password_hash, password):
        return None
    return user


def record_sign_in(user: User, password: str, *, now: datetime | None = None) -> None:
    """Note the sign-in; a hash made with older parameters is renewed."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now or utcnow()


# -- users and departments ---------------------------------------------------------
def normalize_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User).where(User.username == normalize_username(username))
    ).first()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def ensure_department(
    session: Session, municipality: str, key: str, name: str
) -> Department:
    """The municipality's department with this key, created when missing."""
    found = session.scalars(
        select(Department).where(
            Department.municipality == municipality, Department.key == key
        )
    ).first()
    if found is None:
        found = Department(municipality=municipality, key=key, name=name)
        session.add(found)
        session.flush()
    return found


def departments_of(session: Session, municipality: str) -> Sequence[Department]:
    return session.scalars(
        select(Department)
        .where(Department.municipality == municipality)
        .order_by(Department.key)
    ).all()


def users_in_department(
    session: Session, municipality: str, key: str
) -> Sequence[User]:
    """Active members of a department (the colleagues a task may be assigned to)."""
    return session.scalars(
        select(User)
        .join(User.departments)
        .where(
            Department.municipality == municipality,
            Department.key == key,
            User.active.is_(True),
        )
        .order_by(User.full_name)
    ).all()


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    municipality: str,
    password: str,
    roles: Iterable[str] = (),
    departments: Iterable[str] = (),
    email: str = "",
    language: str = "lv",
    notifications: str = "immediate",
) -> User:
    """A new active user; departments are keys of the user's municipality."""
    username = normalize_username(username)
    if not USERNAME_RE.fullmatch(username):
        raise AccountError(
            "username", "2-100 lowercase letters, digits, '.', '_' or '-'"
        )
    if find_user(session, username) is not None:
        raise AccountError("username", f"{username!r} is taken")
    if session.get(Municipality, municipality) is None:
        raise AccountError("municipality", f"unknown municipality {municipality!r}")
    user = User(
        username=username,
        full_name=full_name.strip(),
        municipality=municipality,
        password_hash=hash_password(password),
        auth_stamp=secrets.token_hex(16),
        active=True,
    )
    update_profile(
        user,
        full_name=full_name,
        email=email,
        language=language,
        notifications=notifications,
    )
    set_roles(user, roles)
    set_departments(session, user, departments)
    session.add(user)  # only when everything is valid
    session.flush()
    return user


def update_profile(
    user: User, *, full_name: str, email: str, language: str, notifications: str
) -> None:
    full_name, email = full_name.strip(), email.strip()
    if not full_name or len(full_name) > 255:
        raise AccountError("full_name", "1-255 characters")
    if email and (len(email) > 255 or not EMAIL_RE.fullmatch(email)):
        raise AccountError("email", "not an e-mail address")
    if language not in LANGUAGES:
        raise AccountError("language", f"one of {', '.join(LANGUAGES)}")
    if notifications not in NOTIFICATIONS:
        raise AccountError("notifications", f"one of {', '.join(NOTIFICATIONS)}")
    user.full_name, user.email = full_name, email
    user.language, user.notifications = language, notifications


def rights_changed(user: User) -> None:
    """Rights cached anywhere for ``user`` (API tokens) are stale from now on."""
    user.rights_version = (user.rights_version or 0) + 1


def set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise AccountError("roles", f"unknown roles {sorted(unknown)}")
    if wanted != {r.role for r in user.role_rows}:
        rights_changed(user)
    user.role_rows = [r for r in user.role_rows if r.role in wanted]
    have = {r.role for r in user.role_rows}
    user.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))


def set_departments(session: Session, user: User, keys: Iterable[str]) -> None:
    wanted = set(keys)
    found = (
        session.scalars(
            select(Department).where(
                Department.municipality == user.municipality,
                Department.key.in_(wanted),
            )
        ).all()
        if wanted
        else []
    )
    missing = wanted - {d.key for d in found}
    if missing:
        raise AccountError(
            "departments",
            f"no departments {sorted(missing)} in {user.municipality}",
        )
    if {d.key for d in user.departments} != wanted:
        rights_changed(user)
    user.departments = sorted(found, key=lambda d: d.key)


def deactivate(user: User) -> None:
    user.active = False
    rotate_auth_stamp(user)
    rights_changed(user)


# -- API tokens --------------------------------------------------------------------
def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(
    session: Session,
    *,
    municipality: str,
    name: str,
    scopes: Iterable[str],
    created_by: str,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token; the plaintext is returned once and never stored.

    ``created_by`` is the username of the person creating it: an active user of
    ``municipality`` (or a platform administrator) whose roles grant every scope
    asked for — a token never gets more than its creator may do.
    """
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(KNOWN_SCOPES)
    if unknown:
        raise AccountError("scopes", f"unknown scopes {sorted(unknown)}")
    if not name.strip():
        raise AccountError("name", "a token needs a name")
    if session.get(Municipality, municipality) is None:
        raise AccountError("municipality", f"unknown municipality {municipality!r}")
    _check_creator(session, municipality, created_by, scopes)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        municipality=municipality,
        name=name.strip(),
        token_hash=token_hash(plaintext),
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        scopes=scopes,
        created_by=created_by,
        created_at=now or utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return plaintext, token


def _check_creator(
    session: Session, municipality: str, created_by: str, scopes: Sequence[str]
) -> None:
    creator = find_user(session, created_by)
    if creator is None or not creator.active:
        raise AccountError("created_by", f"no active user {created_by!r}")
    if creator.municipality != municipality and not creator.is_platform_admin:
        raise AccountError("created_by", f"{created_by!r} is not of {municipality}")
    beyond = sorted(set(scopes) - grantable_scopes(creator.roles))
    if beyond:
        raise AccountError(
            "scopes", f"{created_by!r} may not grant what their roles lack: {beyond}"
        )


def looks_like_token(plaintext: str) -> bool:
    return plaintext.startswith(TOKEN_PREFIX) and len(plaintext) <= 200


def authenticate_token(
    session: Session, plaintext: str, *, now: datetime | None = None
) -> ApiToken | None:
    """The usable (not revoked, not expired) token with this plaintext, or None."""
    if not looks_like_token(plaintext):
        return None
    now = now or utcnow()
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext))
    ).first()
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        # Best effort: "last used" is bookkeeping. Concurrent first uses of a token
        # on SQLite may find the database locked; that must not fail the request.
        try:
            with session.begin_nested():
                token.last_used_at = now
        except OperationalError:
            session.refresh(token)
    return token


def revoke_api_token(token: ApiToken, *, now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()


def api_tokens_of(session: Session, municipality: str) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.municipality == municipality)
        .order_by(ApiToken.created_at.desc())
    ).all()


# -- demo users --------------------------------------------------------------------
DEMO_PASSWORD = "demo-parole"  # noqa: S105 - printed by `pkip setup`, never production
DEMO_DEPARTMENTS = {
    "lietvedis": "Lietvedība",
    "specialists": "Speciālisti",
    "finansists": "Finanšu nodaļa",
    "vaditajs": "Vadība",
    "pakalpojumu_turetaji": "Pakalpojumu turētāji",
    "analitiki": "Pakalpojumu analītiķi",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[str, ...]
    departments: tuple[str, ...]


DEMO_USERS = (
    DemoUser("lietvede", "Līga Lietvede", (SPECIALIST, REGISTRY_CLERK), ("lietvedis",)),
    DemoUser("specialists", "Jānis Speciālists", (SPECIALIST,), ("specialists",)),
    DemoUser("finansiste", "Ilze Finansiste", (SPECIALIST, FINANCE), ("finansists",)),
    DemoUser("vaditaja", "Inese Vadītāja", (SUPERVISOR,), ("vaditajs",)),
    DemoUser("analitike", "Anna Analītiķe", (ANALYST,), ("analitiki",)),
    DemoUser("admins", "Andris Administrators", (MUNICIPALITY_ADMIN,), ()),
    DemoUser("vpvkac", "Vita Klientu Centrs", (VPVKAC_CLERK,), ()),
    DemoUser(
        "turetaja", "Sandra Turētāja", (SERVICE_OWNER,), ("pakalpojumu_turetaji",)
    ),
    DemoUser("auditore", "Aija Auditore", (AUDITOR,), ()),
    DemoUser("gramatvede", "Gita Grāmatvede", (FINANCE,), ("finansists",)),
    DemoUser("platforma", "Pēteris Platforma", (PLATFORM_ADMIN,), ()),
)


class DemoSeedRefused(RuntimeError):
    """Demo users (with a published password) are never created in production."""


def seed_demo_accounts(
    session: Session, municipality: str, *, env: str
) -> tuple[DemoUser, ...]:
    """Departments and one user per role in the demo municipality (idempotent:
    existing departments and users are left as they are)."""
    if env == "production":
        raise DemoSeedRefused("demo users are not created when PKIP_ENV=production")
    for key, name in DEMO_DEPARTMENTS.items():
        ensure_department(session, municipality, key, name)
    for demo in DEMO_USERS:
        if find_user(session, demo.username) is None:
            create_user(
                session,
                username=demo.username,
                full_name=demo.full_name,
                municipality=municipality,
                password=DEMO_PASSWORD,
                roles=demo.roles,
                departments=demo.departments,
                email=f"{demo.username}@demo.pkip.example",
            )
    return DEMO_USERS
