# SPDX-License-Identifier: EUPL-1.2
"""Tables of documents: templates (versioned per municipality), the documents made
from them, the register counters and the deliveries of results.

The PDF itself is stored in the database (``documents.content``) with its SHA-256:
documents are small (tens of kilobytes), they must be exactly as issued for as long as
the case is kept, and one database means one backup, one transaction (the number, the
row and the file commit together or not at all) and no files on stateless web nodes.
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

BASE_TEMPLATES = ""
"""The municipality of templates every municipality may use (a variant wins)."""

# Where a result went.
EADDRESS = "e_address"
PAPER = "paper"
DELIVERY_CHANNELS = (EADDRESS, PAPER)

# A paper result's way through the print queue.
TO_PRINT = "to_print"
PRINTED = "printed"
HANDED_OVER = "handed_over"
POSTED = "posted"
SENT = "sent"
DELIVERY_STATES = (TO_PRINT, PRINTED, HANDED_OVER, POSTED, SENT)

_STATE_LIST = ", ".join(f"'{s}'" for s in DELIVERY_STATES)
_CHANNEL_LIST = ", ".join(f"'{c}'" for c in DELIVERY_CHANNELS)


class DocumentTemplate(Base):
    """One version of a document template (Jinja + CSS) of one municipality.

    A new version is a new row: documents keep the version they were made from.
    """

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("municipality", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    document_type: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegisterCounter(Base):
    """The municipality's document register: the last number given in a year."""

    __tablename__ = "document_register_counters"

    municipality: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Document(Base):
    """A registered document of a case: the PDF as issued, its number and checksum.

    ``idempotency_key`` is the outbox key of the step that made it: a repeated
    delivery of that step finds this document instead of making a second one.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("municipality", "registration_number"),
        Index("ix_documents_case", "municipality", "case_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    case_number: Mapped[str | None] = mapped_column(String(50))
    instance_id: Mapped[str | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL")
    )
    template_id: Mapped[int] = mapped_column(ForeignKey("document_templates.id"))
    document_type: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str] = mapped_column(String(60))
    register: Mapped[str] = mapped_column(String(10))  # "pkip" or "dvs"
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100), default="application/pdf")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """How a document reached (or is to reach) the client.

    E-address: sent through DEPP (``message_id``). Paper: waits in the print queue of
    the municipality's clerks until printed and posted or handed over.
    """

    __tablename__ = "document_deliveries"
    __table_args__ = (
        Index("ix_document_deliveries_queue", "municipality", "state", "created_at"),
        CheckConstraint(f"channel IN ({_CHANNEL_LIST})", name="known_channel"),
        CheckConstraint(f"state IN ({_STATE_LIST})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class DeliveryEvent(Base):
    """Append-only history of a delivery (queued, sent, printed, handed over)."""

    __tablename__ = "document_delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("document_deliveries.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
