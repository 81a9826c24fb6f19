# SPDX-License-Identifier: EUPL-1.2
"""What the e-delivery channels (DEPP e-address, DIV) brought in, stored here before
the sender's service is told (confirmed), so nothing received is ever lost.

One row per (channel, municipality, message id): a message addressed to two
municipalities on the platform is stored once for each. The attachments' content
lives in its own table for now (the document store will take it over).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base

# handover states: the engine has it / nobody takes it / trying again next poll
HANDED_OVER = "handed_over"
UNROUTED = "unrouted"
PENDING = "pending"


class ReceivedMessage(Base):
    """A received e-address message or DIV document (metadata)."""

    __tablename__ = "edelivery_messages"
    __table_args__ = (
        UniqueConstraint("channel", "municipality", "message_id"),
        Index("ix_edelivery_messages_handover", "channel", "municipality", "handover"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # "depp" or "div"
    municipality: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(64))
    document_kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(500))
    in_reply_to: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    # [{name, mime, size, sha256}] in order; content in edelivery_attachments
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    handover: Mapped[str] = mapped_column(String(20), default=PENDING)
    handover_attempts: Mapped[int] = mapped_column(Integer, default=0)
    handover_error: Mapped[str | None] = mapped_column(Text)
    instance_ids: Mapped[list[str]] = mapped_column(JSON, default=list)

    files: Mapped[list[ReceivedAttachment]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        order_by="ReceivedAttachment.position",
    )


class ReceivedAttachment(Base):
    __tablename__ = "edelivery_attachments"
    __table_args__ = (UniqueConstraint("message_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("edelivery_messages.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[ReceivedMessage] = relationship(back_populates="files")
