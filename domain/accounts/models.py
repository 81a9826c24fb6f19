# SPDX-License-Identifier: EUPL-1.2
"""Tables of accounts: departments, users, their roles and memberships, API tokens.

A department's ``key`` is the candidate group of BPMN lanes (``lietvedis``,
``specialists``, …), so "my groups' tasks" is ``UserTask.candidate_group IN
(the user's department keys)``. Every user belongs to one municipality; the
``platform_admin`` role makes that municipality only the default one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from core.db import Base, utcnow

SPECIALIST = "specialist"
SUPERVISOR = "supervisor"
ANALYST = "analyst"
MUNICIPALITY_ADMIN = "municipality_admin"
PLATFORM_ADMIN = "platform_admin"
VPVKAC_CLERK = "vpvkac"
"""A one-stop client centre's clerk: takes applications for any municipality."""
REGISTRY_CLERK = "registry_clerk"
"""A registry clerk (lietvedis): registers incoming and outgoing documents."""
FINANCE = "finance"
"""Finance staff: payments, reconciliation."""
SERVICE_OWNER = "service_owner"
"""The owner of services: their descriptions in the catalogue and their set-up."""
AUDITOR = "auditor"
"""Reads the administration log and the audit trails; changes nothing."""
ROLES = (
    SPECIALIST,
    SUPERVISOR,
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    VPVKAC_CLERK,
    REGISTRY_CLERK,
    FINANCE,
    SERVICE_OWNER,
    AUDITOR,
)

LOCAL = "local"
DIRECTORY = "directory"
SOURCES = (LOCAL, DIRECTORY)
"""Where a user comes from: made here, or synchronised from an LDAP directory."""

LANGUAGES = ("lv", "en")
NOTIFICATIONS = ("immediate", "daily", "none")
"""E-mail about new work: at once, a daily digest, or never."""

_ROLE_LIST = ", ".join(f"'{r}'" for r in ROLES)

department_members = Table(
    "department_members",
    Base.metadata,
    Column(
        "user_id",
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "department_id",
        ForeignKey("departments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Department(Base):
    """A department (nodaļa) of a municipality; its key is a BPMN candidate group."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("municipality", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code")
    )
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    """The head of the department (vadītājs), one of the municipality's users."""
    head: Mapped[User | None] = relationship(foreign_keys=[head_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Department {self.municipality}/{self.key}>"


class UserRole(Base):
    """One role of one user (a row per role keeps "who are the supervisors" a query)."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="known_role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class User(Base):
    """A person who signs in to the workplace."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_municipality_active", "municipality", "active"),
        CheckConstraint("language IN ('lv', 'en')", name="known_language"),
        CheckConstraint("source IN ('local', 'directory')", name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code")
    )
    language: Mapped[str] = mapped_column(String(2), default="lv")
    notifications: Mapped[str] = mapped_column(String(20), default="immediate")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    auth_stamp: Mapped[str] = mapped_column(String(32))
    """Changes on logout, password change and deactivation; a session cookie carrying
    an older stamp is no longer signed in."""
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Set with a one-time password from an administrator: the next sign-in leads
    to the password page and nowhere else until a new password is chosen."""
    rights_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Grows with every change of roles, departments, activity or municipality:
    rights cached anywhere (API tokens) are checked against it on every request."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(20), default=LOCAL, server_default=LOCAL)
    """``local`` (a password here) or ``directory`` (synchronised from the
    municipality's LDAP directory; signs in by a bind, no password stored here)."""
    directory_dn: Mapped[str | None] = mapped_column(String(500))
    """The user's entry in the directory (``source == "directory"``)."""
    directory_disabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Disabled by the directory sync (disabled or gone there): the sync enables
    the user again when the directory does; a user an administrator disabled here
    stays disabled."""

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    departments: Mapped[list[Department]] = relationship(
        secondary=department_members, lazy="selectin", order_by=Department.key
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def department_keys(self) -> frozenset[str]:
        return frozenset(d.key for d in self.departments)

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(Base):
    """A token another system presents to the REST API, scoped to one municipality.

    Only the SHA-256 of the token is stored; the plaintext is shown once at creation.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    """The token's first characters, to recognise it in a list without revealing it."""
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= set(self.scopes)

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > now
        )

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.municipality}>"


class Substitution(Base):
    """``substitute`` stands in for ``absent`` from ``starts_on`` to ``ends_on``
    (inclusive, Riga dates): the substitute's inbox shows the absent person's tasks
    and their departments' queues, and the substitute may act on them; the task
    history names the substitute acting for the absent person."""

    __tablename__ = "substitutions"
    __table_args__ = (
        Index("ix_substitutions_substitute", "substitute_id", "starts_on"),
        CheckConstraint("ends_on >= starts_on", name="ordered_dates"),
        CheckConstraint("substitute_id <> absent_id", name="not_oneself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code"), index=True
    )
    absent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    """Set when an administrator ends the substitution early (rows stay)."""

    absent: Mapped[User] = relationship(foreign_keys=[absent_id], lazy="joined")
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id], lazy="joined")


class AdminLogEntry(Base):
    """One change made by an administration action: who, when, what, the values
    before and after (never a password nor its hash). Append-only: nothing updates
    or deletes a row (``domain.accounts.adminlog.record`` is the only writer)."""

    __tablename__ = "admin_log"
    __table_args__ = (Index("ix_admin_log_municipality_at", "municipality", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    """The username of who made the change (``cli:<os user>`` from the CLI)."""
    municipality: Mapped[str | None] = mapped_column(String(20))
    """The municipality the change belongs to (None: the platform itself)."""
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(100))
    target_label: Mapped[str] = mapped_column(String(255), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DirectoryConfig(Base):
    """A municipality's LDAP directory (domain/accounts/directory.py): where it is,
    how to read it, and the outcome of the last synchronisation. The bind password
    is never stored: ``password_env`` names the environment variable holding it."""

    __tablename__ = "directory_configs"
    __table_args__ = (
        CheckConstraint("preset IN ('openldap', 'ad')", name="known_preset"),
    )

    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(500))
    bind_dn: Mapped[str] = mapped_column(String(500), default="")
    password_env: Mapped[str] = mapped_column(String(100), default="")
    user_base: Mapped[str] = mapped_column(String(500))
    user_filter: Mapped[str] = mapped_column(String(500), default="")
    group_base: Mapped[str] = mapped_column(String(500), default="")
    preset: Mapped[str] = mapped_column(String(20), default="openldap")
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Attribute names overriding the preset's (``directory.ATTRIBUTE_KEYS``)."""
    disabled_group: Mapped[str] = mapped_column(String(500), default="")
    """Members of this group (a DN) are disabled here."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout: Mapped[int] = mapped_column(Integer, default=5)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sync_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(500), default="")
    last_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DirectoryGroupMap(Base):
    """Members of the directory group ``group_dn`` get a role (``kind == "role"``)
    or join a department (``kind == "department"``, ``value`` its key) in the
    municipality."""

    __tablename__ = "directory_group_maps"
    __table_args__ = (
        UniqueConstraint("municipality", "group_dn", "kind", "value"),
        CheckConstraint("kind IN ('role', 'department')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code"), index=True
    )
    group_dn: Mapped[str] = mapped_column(String(500))
    """Stored lower-case: DNs compare without regard to case."""
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
