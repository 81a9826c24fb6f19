# SPDX-License-Identifier: EUPL-1.2
"""The municipality's LDAP directory: its configuration, the mapping of its groups
to roles and departments, and the synchronisation of its people into users.

The directory is read by ``connectors/systems/ldap`` (wired in pkip/directory.py:
the domain reaches no outside system itself); what the sync needs of a person is
``Person`` below. Rules (docs/directory.md):

- Users are created and updated, never deleted; a person disabled in the directory,
  or gone from it, is disabled here (``directory_disabled``) and enabled again when
  the directory has them active. A user an administrator disabled stays disabled.
- The directory decides a directory user's roles and departments through the
  mapping (``platform_admin`` is never mapped, and one granted here is kept).
- A local account with the same username is never taken over (a conflict).
- Every change goes through the administration log with the actor ``directory``.
- A sync that could not read the directory changes nothing; one that read no
  people at all while this municipality has active directory users refuses too
  (a wrong base or filter must not disable everyone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.accounts import admin as administration
from domain.accounts import adminlog
from domain.accounts import services as accounts
from domain.accounts.admin import Admin, AdminError
from domain.accounts.models import (
    DIRECTORY,
    PLATFORM_ADMIN,
    ROLES,
    DirectoryConfig,
    DirectoryGroupMap,
    User,
)

ACTOR = "directory"
"""Who the administration log names for the sync's changes."""
UNUSABLE_PASSWORD = "!directory"  # noqa: S105 - not a password: a hash nothing matches
"""A directory user's password hash: no password ever matches it (sign-in binds)."""
PRESETS = ("openldap", "ad")
ATTRIBUTE_KEYS = ("username", "full_name", "email", "member_of", "uac", "locked")
URL_RE = re.compile(r"^(ldaps?://[A-Za-z0-9.\-\[\]:]+(:\d+)?/?|mock://.*)$")
ENV_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
ATTRIBUTE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,99}$")
DN_RE = re.compile(r"^[^=,]+=[^,]+(,[^=,]+=[^,]+)*$")
KINDS = ("role", "department")

MESSAGES_LV = {
    "url_invalid": "jābūt ldap://resursdators[:ports] vai ldaps://…",
    "dn_invalid": "nav LDAP DN (piemēram, ou=people,dc=piemers,dc=lv)",
    "env_invalid": "vides mainīgā nosaukums: lielie burti, cipari un '_'",
    "preset_invalid": "jābūt openldap vai ad",
    "attribute_invalid": "nav LDAP atribūta nosaukums",
    "filter_invalid": "LDAP filtram jābūt iekavās, piemēram, (objectClass=person)",
    "timeout_invalid": "1–60 sekundes",
    "kind_invalid": "jābūt role vai department",
    "unknown_role": "nezināma loma",
    "platform_role": "platformas administratora lomu no kataloga nepiešķir",
    "unknown_department": "pašvaldībā nav tādas nodaļas",
    "mapping_exists": "šāda sasaiste jau ir",
    "unknown_mapping": "pašvaldībā nav tādas sasaistes",
    "not_configured": "pašvaldībai katalogs nav iestatīts",
}
"""Why a directory setting was refused, in Latvian (pages and CLI)."""


class DirectoryError(AdminError):
    """A directory setting refused (``field``, ``code`` in ``MESSAGES_LV``)."""


class Person(Protocol):
    """One person as the directory has them (connectors/systems/ldap's
    ``DirectoryEntry`` fits)."""

    @property
    def dn(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def groups(self) -> frozenset[str]: ...
    @property
    def disabled(self) -> bool: ...


class DirectoryRefused(Exception):
    """The sync read something it will not act on (no people at all)."""


@dataclass
class SyncReport:
    """What a sync changed, by username."""

    municipality: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    """``username: reason`` of people not synchronised."""
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled or self.enabled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "disabled": self.disabled,
            "enabled": self.enabled,
            "conflicts": self.conflicts,
            "unchanged": self.unchanged,
        }


# -- configuration -------------------------------------------------------------------
def config_of(session: Session, municipality: str) -> DirectoryConfig | None:
    return session.get(DirectoryConfig, municipality)


def configured(session: Session) -> Sequence[DirectoryConfig]:
    """The enabled directories of every municipality (for the periodic job)."""
    return session.scalars(
        select(DirectoryConfig)
        .where(DirectoryConfig.enabled.is_(True))
        .order_by(DirectoryConfig.municipality)
    ).all()


def _config_snapshot(config: DirectoryConfig) -> dict[str, Any]:
    return {
        "url": config.url,
        "bind_dn": config.bind_dn,
        "password_env": config.password_env,
        "user_base": config.user_base,
        "user_filter": config.user_filter,
        "group_base": config.group_base,
        "preset": config.preset,
        "attributes": dict(config.attributes or {}),
        "disabled_group": config.disabled_group,
        "enabled": config.enabled,
        "timeout": config.timeout,
    }


def _check_dn(name: str, value: str, *, required: bool = False) -> str:
    value = value.strip()
    if (required or value) and (len(value) > 500 or not DN_RE.fullmatch(value)):
        raise DirectoryError(name, "dn_invalid")
    return value


def save_config(
    session: Session,
    admin: Admin,
    *,
    url: str,
    user_base: str,
    bind_dn: str = "",
    password_env: str = "",
    user_filter: str = "",
    group_base: str = "",
    preset: str = "openldap",
    attributes: dict[str, str] | None = None,
    disabled_group: str = "",
    enabled: bool = True,
    timeout: int = 5,
    now: datetime | None = None,
) -> DirectoryConfig:
    """Create or change the admin's municipality's directory (logged as
    ``directory.config``). The bind password stays in the environment variable
    ``password_env``; it is never stored nor logged."""
    url = url.strip()
    if len(url) > 500 or not URL_RE.fullmatch(url):
        raise DirectoryError("url", "url_invalid")
    user_base = _check_dn("user_base", user_base, required=True)
    bind_dn = _check_dn("bind_dn", bind_dn)
    group_base = _check_dn("group_base", group_base)
    disabled_group = _check_dn("disabled_group", disabled_group).lower()
    password_env = password_env.strip()
    if password_env and not ENV_RE.fullmatch(password_env):
        raise DirectoryError("password_env", "env_invalid")
    if preset not in PRESETS:
        raise DirectoryError("preset", "preset_invalid")
    user_filter = user_filter.strip()
    if user_filter and (
        len(user_filter) > 500
        or not (user_filter.startswith("(") and user_filter.endswith(")"))
        or user_filter.count("(") != user_filter.count(")")
    ):
        raise DirectoryError("user_filter", "filter_invalid")
    cleaned: dict[str, str] = {}
    for key, name in (attributes or {}).items():
        if key not in ATTRIBUTE_KEYS:
            raise DirectoryError(f"attributes.{key}", "attribute_invalid")
        name = name.strip()
        if name and not ATTRIBUTE_RE.fullmatch(name):
            raise DirectoryError(f"attributes.{key}", "attribute_invalid")
        cleaned[key] = name
    if not 1 <= timeout <= 60:
        raise DirectoryError("timeout", "timeout_invalid")
    config = config_of(session, admin.municipality)
    before = None if config is None else _config_snapshot(config)
    if config is None:
        config = DirectoryConfig(municipality=admin.municipality, last_error="")
        session.add(config)
    config.url, config.user_base, config.bind_dn = url, user_base, bind_dn
    config.password_env, config.user_filter = password_env, user_filter
    config.group_base, config.preset, config.attributes = group_base, preset, cleaned
    config.disabled_group, config.enabled, config.timeout = (
        disabled_group,
        enabled,
        timeout,
    )
    config.updated_by, config.updated_at = admin.username, now or utcnow()
    after = _config_snapshot(config)
    if before != after:
        adminlog.record(
            session,
            actor=admin.username,
            municipality=admin.municipality,
            action="directory.config",
            target_type="directory",
            target_id=admin.municipality,
            target_label=url,
            before=before,
            after=after,
            at=now,
        )
    session.flush()
    return config


# -- the mapping of groups -------------------------------------------------------------
def mappings(session: Session, municipality: str) -> Sequence[DirectoryGroupMap]:
    return session.scalars(
        select(DirectoryGroupMap)
        .where(DirectoryGroupMap.municipality == municipality)
        .order_by(
            DirectoryGroupMap.group_dn, DirectoryGroupMap.kind, DirectoryGroupMap.value
        )
    ).all()


def add_mapping(
    session: Session,
    admin: Admin,
    group_dn: str,
    kind: str,
    value: str,
    *,
    now: datetime | None = None,
) -> DirectoryGroupMap:
    """Members of ``group_dn`` get the role / join the department ``value``."""
    group_dn = _check_dn("group_dn", group_dn, required=True).lower()
    value = value.strip()
    if kind not in KINDS:
        raise DirectoryError("kind", "kind_invalid")
    if kind == "role":
        if value == PLATFORM_ADMIN:
            raise DirectoryError("value", "platform_role")
        if value not in ROLES:
            raise DirectoryError("value", "unknown_role", value)
    elif value not in {
        d.key for d in accounts.departments_of(session, admin.municipality)
    }:
        raise DirectoryError("value", "unknown_department", value)
    exists = session.scalar(
        select(func.count())
        .select_from(DirectoryGroupMap)
        .where(
            DirectoryGroupMap.municipality == admin.municipality,
            DirectoryGroupMap.group_dn == group_dn,
            DirectoryGroupMap.kind == kind,
            DirectoryGroupMap.value == value,
        )
    )
    if exists:
        raise DirectoryError("group_dn", "mapping_exists")
    row = DirectoryGroupMap(
        municipality=admin.municipality,
        group_dn=group_dn,
        kind=kind,
        value=value,
        created_by=admin.username,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    adminlog.record(
        session,
        actor=admin.username,
        municipality=admin.municipality,
        action="directory.map",
        target_type="directory_map",
        target_id=row.id,
        target_label=group_dn,
        after={"group_dn": group_dn, "kind": kind, "value": value},
        at=now,
    )
    return row


def remove_mapping(
    session: Session, admin: Admin, mapping_id: int, *, now: datetime | None = None
) -> None:
    row = session.get(DirectoryGroupMap, mapping_id)
    if row is None or row.municipality != admin.municipality:
        raise DirectoryError("id", "unknown_mapping", str(mapping_id))
    adminlog.record(
        session,
        actor=admin.username,
        municipality=admin.municipality,
        action="directory.unmap",
        target_type="directory_map",
        target_id=row.id,
        target_label=row.group_dn,
        before={"group_dn": row.group_dn, "kind": row.kind, "value": row.value},
        at=now,
    )
    session.delete(row)
    session.flush()


# -- the sync ------------------------------------------------------------------------
def _wanted(
    maps: Iterable[DirectoryGroupMap], groups: frozenset[str]
) -> tuple[set[str], set[str]]:
    roles: set[str] = set()
    departments: set[str] = set()
    for row in maps:
        if row.group_dn in groups:
            (roles if row.kind == "role" else departments).add(row.value)
    return roles, departments


def _disable(
    session: Session, bot: Admin, user: User, report: SyncReport, now: datetime
) -> None:
    if not user.active:
        return
    administration.disable_user(session, bot, user, now=now)
    user.directory_disabled = True
    report.disabled.append(user.username)


def sync(
    session: Session,
    municipality: str,
    people: Sequence[Person],
    *,
    now: datetime | None = None,
) -> SyncReport:
    """Bring the municipality's directory users in line with ``people`` (everyone
    the directory's search found); returns what changed. Flushes; the caller
    commits (and records the outcome: ``record_success``)."""
    now = now or utcnow()
    config = config_of(session, municipality)
    if config is None:
        raise DirectoryError("municipality", "not_configured", municipality)
    bot = Admin(ACTOR, municipality, platform=True)
    report = SyncReport(municipality)
    ours = {
        u.directory_dn.lower() if u.directory_dn else u.username: u
        for u in session.scalars(
            select(User).where(
                User.municipality == municipality, User.source == DIRECTORY
            )
        )
    }
    if not people and any(u.active for u in ours.values()):
        raise DirectoryRefused("the directory returned no people; nothing was changed")
    maps = mappings(session, municipality)
    by_username = {u.username: u for u in ours.values()}
    seen: set[int] = set()
    for person in sorted(people, key=lambda p: p.dn.lower()):
        username = accounts.normalize_username(person.username)
        full_name = (person.full_name or username).strip()[:255]
        email = person.email.strip()
        if email and (len(email) > 255 or not accounts.EMAIL_RE.fullmatch(email)):
            email = ""
        disabled = person.disabled or (
            bool(config.disabled_group) and config.disabled_group in person.groups
        )
        roles, departments = _wanted(maps, person.groups)
        user = ours.get(person.dn.lower()) or by_username.get(username)
        if user is None:
            if not accounts.USERNAME_RE.fullmatch(username):
                report.conflicts.append(f"{person.dn}: username_invalid")
                continue
            taken = accounts.find_user(session, username)
            if taken is not None:
                report.conflicts.append(f"{username}: username_taken")
                continue
            if disabled:
                continue  # nobody to make: a disabled person gets no account here
            user, _ = administration.create_user(
                session,
                bot,
                username=username,
                full_name=full_name,
                email=email,
                roles=roles,
                departments=departments,
                now=now,
            )
            user.password_hash = UNUSABLE_PASSWORD
            user.must_change_password = False
            user.source = DIRECTORY
            user.directory_dn = person.dn
            report.created.append(username)
            seen.add(user.id)
            continue
        seen.add(user.id)
        if user.directory_dn != person.dn:
            user.directory_dn = person.dn
        keep = user.roles & {PLATFORM_ADMIN}
        changed = administration.update_user(
            session,
            bot,
            user,
            full_name=full_name,
            email=email,
            roles=roles | keep,
            departments=departments,
            now=now,
        )
        if changed:
            report.updated.append(user.username)
        if disabled:
            _disable(session, bot, user, report, now)
        elif not user.active and user.directory_disabled:
            administration.enable_user(session, bot, user, now=now)
            user.directory_disabled = False
            report.enabled.append(user.username)
        elif not changed:
            report.unchanged += 1
    for user in ours.values():
        if user.id not in seen:
            _disable(session, bot, user, report, now)
    session.flush()
    return report


def record_success(
    session: Session,
    municipality: str,
    report: SyncReport,
    *,
    now: datetime | None = None,
) -> None:
    config = config_of(session, municipality)
    if config is None:
        return
    now = now or utcnow()
    config.last_sync_at = config.last_success_at = now
    config.last_error = ""
    config.last_report = report.as_dict()
    session.flush()


def record_failure(
    session: Session, municipality: str, reason: str, *, now: datetime | None = None
) -> None:
    """Note a failed sync (nothing else changes; the next run tries again)."""
    config = config_of(session, municipality)
    if config is None:
        return
    config.last_sync_at = now or utcnow()
    config.last_error = reason[:500]
    session.flush()


# -- signing in ----------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryLogin:
    """What a directory user's sign-in needs: whom to bind as, against which
    directory."""

    user_id: int
    auth_stamp: str
    dn: str
    municipality: str


def login_of(session: Session, username: str) -> DirectoryLogin | None:
    """The active directory user with this username (None: not one)."""
    user = accounts.find_user(session, username)
    if (
        user is None
        or user.source != DIRECTORY
        or not user.active
        or not user.directory_dn
    ):
        return None
    return DirectoryLogin(
        user.id, user.auth_stamp, user.directory_dn, user.municipality
    )


def is_directory_user(session: Session, username: str) -> bool:
    user = accounts.find_user(session, username)
    return user is not None and user.source == DIRECTORY
