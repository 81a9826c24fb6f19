# SPDX-License-Identifier: EUPL-1.2
"""Departments (nodaļas) of a municipality: their names, heads and members.

A department's key is the candidate group of BPMN lanes: its members see its
unassigned tasks. The key never changes once made (running processes name it);
the name, the head and the members do, each change logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.accounts import adminlog
from domain.accounts import services as accounts
from domain.accounts.admin import Admin, AdminError
from domain.accounts.models import Department, User, department_members

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


def snapshot(department: Department) -> dict[str, Any]:
    return {
        "key": department.key,
        "name": department.name,
        "head": department.head.username if department.head else None,
    }


def _log(
    session: Session,
    admin: Admin,
    action: str,
    department: Department,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime | None,
) -> None:
    adminlog.record(
        session,
        actor=admin.username,
        municipality=department.municipality,
        action=action,
        target_type="department",
        target_id=department.id,
        target_label=f"{department.name} ({department.key})",
        before=before,
        after=after,
        at=now,
    )


def scoped_department(
    session: Session, admin: Admin, department_id: int
) -> Department | None:
    found = session.get(Department, department_id)
    if found is None or found.municipality != admin.municipality:
        return None
    return found


def department_by_key(session: Session, admin: Admin, key: str) -> Department:
    found = session.scalars(
        select(Department).where(
            Department.municipality == admin.municipality, Department.key == key
        )
    ).first()
    if found is None:
        raise AdminError("department", "unknown_department", key)
    return found


def member_counts(session: Session, municipality: str) -> dict[int, int]:
    """Active members per department id (one grouped query)."""
    rows = session.execute(
        select(department_members.c.department_id, func.count())
        .join(User, User.id == department_members.c.user_id)
        .where(User.municipality == municipality, User.active.is_(True))
        .group_by(department_members.c.department_id)
    ).all()
    return {dept_id: int(n) for dept_id, n in rows}


def members(session: Session, department: Department) -> Sequence[User]:
    return session.scalars(
        select(User)
        .join(department_members, department_members.c.user_id == User.id)
        .where(department_members.c.department_id == department.id)
        .order_by(User.active.desc(), User.full_name)
    ).all()


def _head(session: Session, admin: Admin, username: str | None) -> User | None:
    if not username:
        return None
    user = accounts.find_user(session, username)
    if user is None or user.municipality != admin.municipality:
        raise AdminError("head", "unknown_user", username)
    if not user.active:
        raise AdminError("head", "inactive_user", username)
    return user


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 255:
        raise AdminError("name", "name_invalid")
    return name


def create_department(
    session: Session,
    admin: Admin,
    *,
    key: str,
    name: str,
    head: str | None = None,
    now: datetime | None = None,
) -> Department:
    key = key.strip().lower()
    if not KEY_RE.fullmatch(key):
        raise AdminError("key", "department_key_invalid")
    exists = session.scalars(
        select(Department.id).where(
            Department.municipality == admin.municipality, Department.key == key
        )
    ).first()
    if exists is not None:
        raise AdminError("key", "department_key_taken", key)
    department = Department(municipality=admin.municipality, key=key, name=_name(name))
    department.head = _head(session, admin, head)
    session.add(department)
    session.flush()
    _log(
        session, admin, "department.create", department, None, snapshot(department), now
    )
    session.flush()
    return department


def update_department(
    session: Session,
    admin: Admin,
    department: Department,
    *,
    name: str | None = None,
    head: str | None = None,
    clear_head: bool = False,
    now: datetime | None = None,
) -> bool:
    """Rename and/or set (or clear) the head; False when nothing changed."""
    before = snapshot(department)
    if name is not None:
        department.name = _name(name)
    if clear_head:
        department.head = None
    elif head is not None:
        department.head = _head(session, admin, head)
    after = snapshot(department)
    if after == before:
        return False
    _log(session, admin, "department.update", department, before, after, now)
    session.flush()
    return True


def set_members(
    session: Session,
    admin: Admin,
    department: Department,
    usernames: Iterable[str],
    *,
    now: datetime | None = None,
) -> bool:
    """Make exactly these users (of the municipality) the members; False when
    nothing changed. Each member's rights change at their next request."""
    wanted = {accounts.normalize_username(u) for u in usernames if u.strip()}
    users = {u.username: u for u in _users(session, admin, wanted)}
    current = {u.username: u for u in members(session, department)}
    if set(current) == wanted:
        return False
    for username in sorted(set(current) - wanted):
        user = current[username]
        user.departments = [d for d in user.departments if d.id != department.id]
        accounts.rights_changed(user)
    for username in sorted(wanted - set(current)):
        user = users[username]
        _check_may_add(admin, user)
        user.departments = sorted([*user.departments, department], key=lambda d: d.key)
        accounts.rights_changed(user)
    _log(
        session,
        admin,
        "department.members",
        department,
        {"members": sorted(current)},
        {"members": sorted(wanted)},
        now,
    )
    session.flush()
    return True


def _check_may_add(admin: Admin, user: User) -> None:
    if user.is_platform_admin and not admin.platform:
        raise AdminError("members", "platform_user", user.username)


def _users(session: Session, admin: Admin, usernames: set[str]) -> Sequence[User]:
    if not usernames:
        return []
    found = session.scalars(
        select(User).where(
            User.username.in_(sorted(usernames)),
            User.municipality == admin.municipality,
        )
    ).all()
    missing = usernames - {u.username for u in found}
    if missing:
        raise AdminError("members", "unknown_user", ", ".join(sorted(missing)))
    return found
