# SPDX-License-Identifier: EUPL-1.2
"""Tables of accounts: departments, users, their roles and memberships, API tokens.

A department's ``key`` is the candidate group of BPMN lanes (``lietvedis``,
``specialists``, …), so "my groups' tasks" is ``UserTask.candidate_group IN
(the user's department keys)``. Every user belongs to one municipality; the
``platform_admin`` role makes that municipality only the default one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow

SPECIALIST = "specialist"
SUPERVISOR = "supervisor"
ANALYST = "analyst"
MUNICIPALITY_ADMIN = "municipality_admin"
PLATFORM_ADMIN = "platform_admin"
VPVKAC_CLERK = "vpvkac"
"""A one-stop client centre's clerk: takes applications for any municipality."""
FINANCE = "finance"
"""The finance department: payments of the municipality and their reconciliation."""
ROLES = (
    SPECIALIST,
    SUPERVISOR,
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    VPVKAC_CLERK,
    FINANCE,
)

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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

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
