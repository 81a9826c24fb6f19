# SPDX-License-Identifier: EUPL-1.2
"""Substitutes for absences: A stands in for B from one date to another.

While it lasts (Riga dates, both inclusive, not ended early) A's inbox shows B's
own tasks and the queues of B's departments, and A may act on them; the task
history names A acting for B (``domain.inbox``). Rows stay when a substitution
ends: the log and the history need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.db import utcnow
from domain.accounts import adminlog
from domain.accounts.admin import Admin, AdminError, user_by_username
from domain.accounts.models import Substitution, User


@dataclass(frozen=True)
class Covered:
    """Someone the viewer stands in for today."""

    username: str
    full_name: str
    departments: frozenset[str]


def _snapshot(sub: Substitution) -> dict[str, Any]:
    return {
        "absent": sub.absent.username,
        "substitute": sub.substitute.username,
        "starts_on": sub.starts_on.isoformat(),
        "ends_on": sub.ends_on.isoformat(),
        "ended": sub.ended_at is not None,
    }


def add_substitution(
    session: Session,
    admin: Admin,
    *,
    absent: str,
    substitute: str,
    starts_on: date,
    ends_on: date,
    now: datetime | None = None,
) -> Substitution:
    absent_user = user_by_username(session, admin, absent)
    substitute_user = user_by_username(session, admin, substitute)
    if absent_user.id == substitute_user.id:
        raise AdminError("substitute", "substitute_self")
    if not substitute_user.active:
        raise AdminError("substitute", "inactive_user", substitute)
    if ends_on < starts_on:
        raise AdminError("ends_on", "dates_order")
    sub = Substitution(
        municipality=admin.municipality,
        absent=absent_user,
        substitute=substitute_user,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=admin.username,
        created_at=now or utcnow(),
    )
    session.add(sub)
    session.flush()
    _log(session, admin, "substitution.create", sub, None, now)
    session.flush()
    return sub


def end_substitution(
    session: Session, admin: Admin, sub: Substitution, *, now: datetime | None = None
) -> None:
    if sub.ended_at is not None:
        return
    before = _snapshot(sub)
    sub.ended_at = now or utcnow()
    _log(session, admin, "substitution.end", sub, before, now)
    session.flush()


def _log(
    session: Session,
    admin: Admin,
    action: str,
    sub: Substitution,
    before: dict[str, Any] | None,
    now: datetime | None,
) -> None:
    adminlog.record(
        session,
        actor=admin.username,
        municipality=sub.municipality,
        action=action,
        target_type="substitution",
        target_id=sub.id,
        target_label=f"{sub.substitute.full_name} → {sub.absent.full_name}",
        before=before,
        after=_snapshot(sub),
        at=now,
    )


def scoped_substitution(
    session: Session, admin: Admin, sub_id: int
) -> Substitution | None:
    sub = session.get(Substitution, sub_id)
    if sub is None or sub.municipality != admin.municipality:
        return None
    return sub


def substitutions_of(
    session: Session, municipality: str, *, user_id: int | None = None
) -> Sequence[Substitution]:
    """The municipality's substitutions, newest first (of one user, as absent
    or as substitute, when ``user_id`` is given)."""
    stmt = select(Substitution).where(Substitution.municipality == municipality)
    if user_id is not None:
        stmt = stmt.where(
            (Substitution.absent_id == user_id)
            | (Substitution.substitute_id == user_id)
        )
    return session.scalars(
        stmt.order_by(Substitution.starts_on.desc(), Substitution.id.desc())
    ).all()


def covered_by(session: Session, user_id: int, day: date) -> list[Covered]:
    """The people ``user_id`` stands in for on ``day`` (one query; read on every
    request of the substitute, so an ended or expired substitution stops at once).
    Only absent people of the substitute's own municipality count."""
    absent = aliased(User)
    substitute = aliased(User)
    rows = session.scalars(
        select(absent)
        .join(Substitution, Substitution.absent_id == absent.id)
        .join(substitute, substitute.id == Substitution.substitute_id)
        .where(
            Substitution.substitute_id == user_id,
            Substitution.starts_on <= day,
            Substitution.ends_on >= day,
            Substitution.ended_at.is_(None),
            Substitution.municipality == substitute.municipality,
            absent.municipality == substitute.municipality,
        )
        .order_by(absent.full_name)
    ).unique()
    return [Covered(u.username, u.full_name, u.department_keys) for u in rows]
