# SPDX-License-Identifier: EUPL-1.2
"""User administration: create, edit, disable and enable users, their roles and
departments, one-time passwords — each change checked against who makes it and
written to the administration log (``adminlog.record``).

Who may do what: an ``Admin`` works in one municipality (a municipality
administrator's own; a platform administrator's chosen one). Only a platform
administrator grants or takes the platform administrator role, or changes a user
who has it. Nobody disables themselves. Users are never deleted: history keeps
their names. A change of roles, departments or activity raises the user's
``rights_version``, which the web layer compares on every request.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.accounts import adminlog
from domain.accounts import services as accounts
from domain.accounts.models import DIRECTORY, PLATFORM_ADMIN, ROLES, User

ONE_TIME_PASSWORD_LENGTH = 12
_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No look-alikes (l, 1, I, O, 0, o, B, 8): the password is read out or copied."""


class AdminError(accounts.AccountError):
    """An administration action refused; ``code`` names the reason for the pages'
    and the CSV import's messages (``MESSAGES_LV``)."""

    def __init__(self, field: str, code: str, detail: str = "") -> None:
        super().__init__(field, f"{code} {detail}".strip())
        self.code = code
        self.detail = detail


MESSAGES_LV = {
    "username_invalid": "2–100 mazie burti, cipari, '.', '_' vai '-'",
    "username_taken": "šāds lietotājvārds jau ir",
    "full_name_invalid": "jābūt 1–255 rakstzīmēm",
    "email_invalid": "nav e-pasta adrese",
    "unknown_role": "nezināma loma",
    "unknown_department": "pašvaldībā nav tādas nodaļas",
    "platform_role": "platformas administratora lomu piešķir tikai platformas "
    "administrators",
    "platform_user": "platformas administratoru maina tikai platformas administrators",
    "self_disable": "sevi atspējot nevar",
    "department_key_invalid": "2–100 mazie burti, cipari, '_' vai '-'",
    "department_key_taken": "nodaļa ar šādu atslēgu jau ir",
    "unknown_user": "pašvaldībā nav tāda lietotāja",
    "inactive_user": "lietotājs ir atspējots",
    "dates_order": "beigu datums ir pirms sākuma datuma",
    "substitute_self": "aizvietotājs nevar aizvietot sevi",
    "password_short": f"vismaz {accounts.MIN_PASSWORD_LENGTH} rakstzīmes",
    "password_wrong": "pašreizējā parole nav pareiza",
    "password_same": "jaunajai parolei jāatšķiras no pašreizējās",
    "municipality_code_invalid": "2–20 lielie burti, cipari vai '_'",
    "municipality_code_taken": "šāds pašvaldības kods jau ir",
    "atvk_invalid": "nav spēkā esošs ATVK kods (7 cipari)",
    "e_address_invalid": "jābūt _DEFAULT@<reģistrācijas numurs>",
    "name_invalid": "jābūt 1–255 rakstzīmēm",
    "directory_user": "lietotāja paroli glabā pašvaldības katalogs (LDAP)",
}
"""Why an action was refused, in Latvian (the CSV import and the CLI)."""


@dataclass(frozen=True)
class Admin:
    """Who administers, and in which municipality."""

    username: str
    municipality: str
    platform: bool = False


def snapshot(user: User) -> dict[str, Any]:
    """What the log keeps of a user before and after a change (no secrets)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "municipality": user.municipality,
        "roles": sorted(user.roles),
        "departments": sorted(user.department_keys),
        "active": user.active,
    }


def _log(
    session: Session,
    admin: Admin,
    action: str,
    user: User,
    before: dict[str, Any] | None,
    now: datetime | None = None,
) -> None:
    adminlog.record(
        session,
        actor=admin.username,
        municipality=user.municipality,
        action=action,
        target_type="user",
        target_id=user.id,
        target_label=f"{user.full_name} ({user.username})",
        before=before,
        after=snapshot(user),
        at=now,
    )


# -- reading -------------------------------------------------------------------------
def scoped_user(session: Session, admin: Admin, user_id: int) -> User | None:
    """The user if they belong to the admin's municipality (else None → 404)."""
    user = session.get(User, user_id)
    if user is None or user.municipality != admin.municipality:
        return None
    return user


def user_by_username(session: Session, admin: Admin, username: str) -> User:
    user = accounts.find_user(session, username)
    if user is None or user.municipality != admin.municipality:
        raise AdminError("username", "unknown_user", username)
    return user


def list_users(
    session: Session, municipality: str, *, search: str = "", active: bool | None = None
) -> Sequence[User]:
    stmt = select(User).where(User.municipality == municipality)
    if search:
        like = f"%{search.strip().lower()[:100]}%"
        stmt = stmt.where(
            or_(func.lower(User.full_name).like(like), User.username.like(like))
        )
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return session.scalars(stmt.order_by(User.active.desc(), User.full_name)).all()


# -- checks --------------------------------------------------------------------------
def _check_roles(admin: Admin, before: Iterable[str], after: Iterable[str]) -> None:
    before, after = set(before), set(after)
    unknown = after - set(ROLES)
    if unknown:
        raise AdminError("roles", "unknown_role", ", ".join(sorted(unknown)))
    if PLATFORM_ADMIN in (before ^ after) and not admin.platform:
        raise AdminError("roles", "platform_role")


def _check_may_change(admin: Admin, user: User) -> None:
    if user.is_platform_admin and not admin.platform:
        raise AdminError("username", "platform_user")


def _translate(exc: accounts.AccountError) -> AdminError:
    """The older services' errors as codes."""
    codes = {
        "username": "username_invalid",
        "full_name": "full_name_invalid",
        "email": "email_invalid",
        "roles": "unknown_role",
        "departments": "unknown_department",
        "password": "password_short",
    }
    if exc.field == "username" and "taken" in str(exc):
        return AdminError("username", "username_taken")
    return AdminError(exc.field, codes.get(exc.field, "invalid"), str(exc))


# -- users ---------------------------------------------------------------------------
def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))


def create_user(
    session: Session,
    admin: Admin,
    *,
    username: str,
    full_name: str,
    email: str = "",
    roles: Iterable[str] = (),
    departments: Iterable[str] = (),
    language: str = "lv",
    now: datetime | None = None,
) -> tuple[User, str]:
    """A new active user of the admin's municipality with a one-time password
    (returned once, to hand over; it must be changed at the first sign-in)."""
    roles = sorted(set(roles))
    _check_roles(admin, (), roles)
    password = one_time_password()
    try:
        user = accounts.create_user(
            session,
            username=username,
            full_name=full_name,
            municipality=admin.municipality,
            password=password,
            roles=roles,
            departments=departments,
            email=email,
            language=language,
        )
    except AdminError:
        raise
    except accounts.AccountError as exc:
        raise _translate(exc) from exc
    user.must_change_password = True
    _log(session, admin, "user.create", user, None, now)
    session.flush()
    return user, password


def update_user(
    session: Session,
    admin: Admin,
    user: User,
    *,
    full_name: str | None = None,
    email: str | None = None,
    roles: Iterable[str] | None = None,
    departments: Iterable[str] | None = None,
    now: datetime | None = None,
) -> bool:
    """Change what is given; False when nothing changed (nothing is logged)."""
    _check_may_change(admin, user)
    before = snapshot(user)
    try:
        if full_name is not None or email is not None:
            accounts.update_profile(
                user,
                full_name=user.full_name if full_name is None else full_name,
                email=user.email if email is None else email,
                language=user.language,
                notifications=user.notifications,
            )
        if roles is not None:
            roles = set(roles)
            _check_roles(admin, user.roles, roles)
            accounts.set_roles(user, roles)
        if departments is not None:
            accounts.set_departments(session, user, departments)
    except AdminError:
        raise
    except accounts.AccountError as exc:
        raise _translate(exc) from exc
    if snapshot(user) == before:
        return False
    _log(session, admin, "user.update", user, before, now)
    session.flush()
    return True


def disable_user(
    session: Session, admin: Admin, user: User, *, now: datetime | None = None
) -> None:
    """Disable (never delete): every session ends, tokens they made stop at once;
    their open tasks stay assigned until reassigned (``handover``)."""
    _check_may_change(admin, user)
    if user.username == admin.username:
        raise AdminError("username", "self_disable")
    if not user.active:
        return
    before = snapshot(user)
    accounts.deactivate(user)
    user.disabled_at = now or utcnow()
    _log(session, admin, "user.disable", user, before, now)
    session.flush()


def enable_user(
    session: Session, admin: Admin, user: User, *, now: datetime | None = None
) -> None:
    _check_may_change(admin, user)
    if user.active:
        return
    before = snapshot(user)
    user.active = True
    user.disabled_at = None
    accounts.rights_changed(user)
    _log(session, admin, "user.enable", user, before, now)
    session.flush()


def reset_password(
    session: Session, admin: Admin, user: User, *, now: datetime | None = None
) -> str:
    """A new one-time password (returned once); the user's sessions end and the
    next sign-in must choose a new password. The log says it happened, no more."""
    _check_may_change(admin, user)
    if user.source == DIRECTORY:
        raise AdminError("username", "directory_user")
    password = one_time_password()
    accounts.set_password(user, password)
    user.must_change_password = True
    _log(session, admin, "user.password_reset", user, None, now)
    session.flush()
    return password


def change_own_password(
    session: Session, user: User, current: str, new: str, *, now: datetime | None = None
) -> None:
    """The user sets a new password (also the first one after a one-time one);
    every other session of theirs ends."""
    if not accounts._verify(user.password_hash, current):  # noqa: SLF001
        raise AdminError("current_password", "password_wrong")
    if current == new:
        raise AdminError("new_password", "password_same")
    if len(new) < accounts.MIN_PASSWORD_LENGTH:
        raise AdminError("new_password", "password_short")
    accounts.set_password(user, new)
    user.must_change_password = False
    adminlog.record(
        session,
        actor=user.username,
        municipality=user.municipality,
        action="user.password_change",
        target_type="user",
        target_id=user.id,
        target_label=f"{user.full_name} ({user.username})",
        at=now,
    )
    session.flush()
