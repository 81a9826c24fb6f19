# SPDX-License-Identifier: EUPL-1.2
"""Messages about a case between its client (the portal) and the municipality (the
workplace's case page): plain text, kept with the case, shown to both sides. The
caller has already made sure the writer may see the case (the client's look-up
hash, or the staff member's municipality)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from domain.cases import ServiceCase
from domain.portal.models import CLIENT, MUNICIPALITY, SENDERS, PortalMessage

MAX_MESSAGE = 4000
"""Characters in one message: a letter's worth."""

__all__ = ["CLIENT", "MAX_MESSAGE", "MUNICIPALITY", "thread", "write"]


def _clean(body: str) -> str:
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", body or "")
        if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    )
    return "\n".join(line.rstrip() for line in kept.strip().splitlines())


def write(
    session: Session,
    case: ServiceCase,
    *,
    sender: str,
    author: str | None,
    body: str,
    now: datetime,
) -> PortalMessage:
    """Add a message to the case's thread; ``FormValidationError`` (field ``body``)
    when it is empty or too long."""
    if sender not in SENDERS:
        raise ValueError(f"unknown sender {sender!r}")
    text = _clean(body)
    if not text:
        raise FormValidationError(
            "message",
            [FieldError("body", "Uzrakstiet ziņu", "Write a message", "required")],
        )
    if len(text) > MAX_MESSAGE:
        raise FormValidationError(
            "message",
            [
                FieldError(
                    "body",
                    f"Ne vairāk kā {MAX_MESSAGE} rakstzīmes",
                    f"At most {MAX_MESSAGE} characters",
                    "max_length",
                )
            ],
        )
    message = PortalMessage(
        municipality=case.municipality,
        case_id=case.id,
        sender=sender,
        author=(author or "")[:100] if sender == MUNICIPALITY else None,
        body=text,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def thread(session: Session, case: ServiceCase) -> list[PortalMessage]:
    """The case's messages, oldest first."""
    return list(
        session.scalars(
            select(PortalMessage)
            .where(PortalMessage.case_id == case.id)
            .order_by(PortalMessage.created_at, PortalMessage.id)
        )
    )
