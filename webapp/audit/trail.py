# SPDX-License-Identifier: EUPL-1.2
"""What the web room writes to the central audit chain (domain/audit): sign-ins,
staff opening a case, document downloads. Each call joins the caller's
transaction, so an event is kept exactly when the work it describes is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import User
from domain.audit.chain import Event, append
from domain.audit.models import AuditRecord
from webapp import platform_of


def _address() -> str | None:
    if not has_request_context():
        return None
    from webapp.security import client_address

    return client_address()


def record(
    db: Session,
    action: str,
    *,
    actor: str,
    municipality: str | None,
    subject_kind: str = "",
    subject_id: object = "",
    person: str | None = None,
    person_hash: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    values = dict(details or {})
    address = _address()
    if address:
        values.setdefault("address", address)
    return append(
        db,
        Event(
            action=action,
            actor=actor,
            municipality=municipality,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            person=person,
            person_hash=person_hash,
            details=values,
            at=platform_of(current_app).engine_config.clock(),
        ),
        platform_of(current_app).pii,
    )


def staff(
    db: Session,
    action: str,
    *,
    municipality: str,
    subject_kind: str,
    subject_id: object,
    person_hash: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """An event of the signed-in member of staff (opening a case, downloading)."""
    from webapp.auth import current_user

    user = current_user()
    return record(
        db,
        action,
        actor=user.username if user is not None else "?",
        municipality=municipality,
        subject_kind=subject_kind,
        subject_id=subject_id,
        person_hash=person_hash,
        details=details,
    )


def case_person(db: Session, municipality: str, number: str | None) -> str | None:
    """The look-up hash of the client of case ``number`` (None: no such case)."""
    if not number:
        return None
    from domain.cases.models import ServiceCase

    return db.scalar(
        select(ServiceCase.client_identifier_hash).where(
            ServiceCase.municipality == municipality, ServiceCase.number == number
        )
    )


def signed_out(db: Session, user_id: int, skip_client: str | None) -> None:
    """A logout hook (``webapp.auth.on_logout``): the sign-out, in its transaction."""
    user = db.get(User, user_id)
    if user is not None:
        record(
            db,
            "signout",
            actor=user.username,
            municipality=user.municipality,
            subject_kind="user",
            subject_id=user.id,
        )


def sign_in_failed(username: str, reason: str) -> None:
    """A failed sign-in, in a transaction of its own (in the chain of the
    municipality the user name belongs to; the platform's when it is unknown)."""
    with platform_of(current_app).transaction() as db:
        municipality = db.scalar(
            select(User.municipality).where(User.username == username).limit(1)
        )
        record(
            db,
            "signin.failure",
            actor=username[:100] or "?",
            municipality=municipality,
            subject_kind="user",
            subject_id=username[:100],
            details={"reason": reason},
        )
