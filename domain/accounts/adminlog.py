# SPDX-License-Identifier: EUPL-1.2
"""The administration log: every change to users, roles, departments, substitutes
and municipalities, who made it, when, the values before and after.

One table (``admin_log``) and one writer (``record``), which also appends every
entry to the central, hash-chained audit log (domain/audit, action
``admin.<action>``) in the same transaction. Rows are never updated nor
deleted. Passwords and their hashes never enter it: a password change is logged
as the fact, with no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.accounts.models import AdminLogEntry
from domain.audit.chain import Event, append

SECRET_KEYS = frozenset({"password", "password_hash", "auth_stamp", "token"})
"""Keys that never reach the log, whoever passes them."""


def _clean(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in SECRET_KEYS}


def record(
    session: Session,
    *,
    actor: str,
    municipality: str | None,
    action: str,
    target_type: str,
    target_id: object,
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AdminLogEntry:
    """Append one entry (flushed with the change it describes, in its
    transaction: a change that rolls back leaves no entry)."""
    entry = AdminLogEntry(
        at=at or utcnow(),
        actor=actor,
        municipality=municipality,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:255],
        before=_clean(before),
        after=_clean(after),
    )
    session.add(entry)
    append(
        session,
        Event(
            action=f"admin.{action}",
            actor=actor,
            municipality=municipality,
            subject_kind=target_type,
            subject_id=str(target_id),
            details={
                "label": entry.target_label,
                "before": entry.before,
                "after": entry.after,
            },
            at=entry.at,
        ),
    )
    return entry


def entries(
    session: Session,
    municipality: str | None,
    *,
    target_type: str | None = None,
    target_id: object | None = None,
    limit: int = 200,
) -> Sequence[AdminLogEntry]:
    """The newest entries of a municipality (None: every municipality, for the
    platform administrator), optionally of one target."""
    stmt = select(AdminLogEntry)
    if municipality is not None:
        stmt = stmt.where(AdminLogEntry.municipality == municipality)
    if target_type is not None:
        stmt = stmt.where(AdminLogEntry.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(AdminLogEntry.target_id == str(target_id))
    return session.scalars(
        stmt.order_by(AdminLogEntry.at.desc(), AdminLogEntry.id.desc()).limit(limit)
    ).all()
