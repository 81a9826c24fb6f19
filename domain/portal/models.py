# SPDX-License-Identifier: EUPL-1.2
"""Tables of the residents' portal: sign-ins through latvija.lv (outstanding SAML
requests and the assertions already used), applications sent (their one-time
tokens), the documents residents uploaded to their cases and the messages about a
case between its client and the municipality.

No personal code is stored in clear: a resident is known here by the look-up hash
of their personal code (``core.pii.PiiVault.lookup_hash``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class PortalSignIn(Base):
    """One SAML AuthnRequest sent to latvija.lv and, once answered, the assertion
    that answered it: a request is answered once (``InResponseTo``), an assertion
    is used once (``assertion_id`` unique), whichever browser brings it back."""

    __tablename__ = "portal_sign_ins"
    __table_args__ = (Index("ix_portal_sign_ins_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), unique=True)
    municipality: Mapped[str] = mapped_column(String(20))
    next_path: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column()
    assertion_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class PortalSubmission(Base):
    """An application sent from the portal: its form's one-time token and the case
    it started, so that the same form sent twice starts one case."""

    __tablename__ = "portal_submissions"
    __table_args__ = (UniqueConstraint("municipality", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PortalUpload(Base):
    """A document a resident added to their case from the portal (checked like an
    intake attachment: type, size, containers that are not bombs)."""

    __tablename__ = "portal_uploads"
    __table_args__ = (Index("ix_portal_uploads_case", "municipality", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_hash: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


CLIENT = "client"
MUNICIPALITY = "municipality"
SENDERS = (CLIENT, MUNICIPALITY)


class PortalMessage(Base):
    """A message about a case between its client (from the portal) and the
    municipality's staff (from the workplace's case page). ``author`` is the
    staff member's username; a client's message names nobody (the case's client)."""

    __tablename__ = "portal_messages"
    __table_args__ = (
        Index("ix_portal_messages_case", "municipality", "case_id", "created_at"),
        CheckConstraint("sender IN ('client', 'municipality')", name="known_sender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE")
    )
    sender: Mapped[str] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
