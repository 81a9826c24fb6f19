# SPDX-License-Identifier: EUPL-1.2
"""Municipalities on the platform (a platform administrator's work): create one,
change its name, ATVK code and e-address, and give it its administrators."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.accounts import adminlog
from domain.accounts.admin import AdminError
from domain.accounts.models import MUNICIPALITY_ADMIN, User, UserRole
from domain.models import Municipality
from forms.identifiers import is_atvk, is_registracijas_numurs

CODE_RE = re.compile(r"^[A-Z0-9_]{2,20}$")
E_ADDRESS_RE = re.compile(r"^_DEFAULT@(\d{11})$")


def snapshot(muni: Municipality) -> dict[str, Any]:
    return {
        "code": muni.code,
        "name": muni.name,
        "atvk": muni.atvk,
        "e_address": muni.e_address,
    }


def _checked(name: str, atvk: str | None, e_address: str | None) -> tuple[str, ...]:
    name = name.strip()
    if not name or len(name) > 255:
        raise AdminError("name", "name_invalid")
    atvk = (atvk or "").strip()
    if atvk and not is_atvk(atvk):
        raise AdminError("atvk", "atvk_invalid")
    e_address = (e_address or "").strip()
    if e_address:
        found = E_ADDRESS_RE.fullmatch(e_address)
        if found is None or not is_registracijas_numurs(found.group(1)):
            raise AdminError("e_address", "e_address_invalid")
    return name, atvk, e_address


def create_municipality(
    session: Session,
    actor: str,
    *,
    code: str,
    name: str,
    atvk: str | None = None,
    e_address: str | None = None,
    now: datetime | None = None,
) -> Municipality:
    code = code.strip().upper()
    if not CODE_RE.fullmatch(code):
        raise AdminError("code", "municipality_code_invalid")
    if session.get(Municipality, code) is not None:
        raise AdminError("code", "municipality_code_taken", code)
    name, atvk, e_address = _checked(name, atvk, e_address)
    muni = Municipality(
        code=code, name=name, atvk=atvk or None, e_address=e_address or None
    )
    session.add(muni)
    session.flush()
    _log(session, actor, "municipality.create", muni, None, now)
    return muni


def update_municipality(
    session: Session,
    actor: str,
    muni: Municipality,
    *,
    name: str,
    atvk: str | None,
    e_address: str | None,
    now: datetime | None = None,
) -> bool:
    before = snapshot(muni)
    name, atvk, e_address = _checked(name, atvk, e_address)
    muni.name, muni.atvk, muni.e_address = name, atvk or None, e_address or None
    if snapshot(muni) == before:
        return False
    _log(session, actor, "municipality.update", muni, before, now)
    return True


def _log(
    session: Session,
    actor: str,
    action: str,
    muni: Municipality,
    before: dict[str, Any] | None,
    now: datetime | None,
) -> None:
    adminlog.record(
        session,
        actor=actor,
        municipality=muni.code,
        action=action,
        target_type="municipality",
        target_id=muni.code,
        target_label=muni.name,
        before=before,
        after=snapshot(muni),
        at=now,
    )
    session.flush()


def municipalities(session: Session) -> Sequence[tuple[Municipality, int]]:
    """Every municipality with its number of active users."""
    counts = dict(
        session.execute(
            select(User.municipality, func.count())
            .where(User.active.is_(True))
            .group_by(User.municipality)
        ).all()
    )
    rows = session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return [(m, int(counts.get(m.code, 0))) for m in rows]


def admins_of(session: Session, code: str) -> Sequence[User]:
    """The municipality's administrators (active or not)."""
    return session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.municipality == code, UserRole.role == MUNICIPALITY_ADMIN)
        .order_by(User.full_name)
    ).all()
