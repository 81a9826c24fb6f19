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
from core.pii import PiiVault, find_identifiers, mask_identifiers

SENDER_CONTEXT = "edelivery_messages.sender"
"""What a sealed sender address is bound to (core/pii.py: the AEAD context)."""

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
        Index("ix_edelivery_messages_sender", "municipality", "sender_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # "depp" or "div"
    municipality: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(64))
    """The sender's address, masked when it holds a personal code
    (``_PRIVATE@16****-****7``); the whole address is in ``sender_sealed``."""
    sender_sealed: Mapped[str | None] = mapped_column(
        Text, info={"pii_context": SENDER_CONTEXT}
    )
    sender_hash: Mapped[str | None] = mapped_column(String(64))
    """The look-up hash of the code in the address (core/pii.py): messages of one
    person are found without the code being stored."""
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

    def set_sender(self, vault: PiiVault, address: str) -> None:
        """Store ``address`` masked, sealed and hashed when it holds a personal code
        (docs/personal-data.md); an address without one stays as it is."""
        codes = find_identifiers(address)
        if not codes:
            self.sender, self.sender_sealed, self.sender_hash = address, None, None
            return
        self.sender = mask_identifiers(address)
        self.sender_sealed = vault.encrypt(address, SENDER_CONTEXT)
        self.sender_hash = vault.lookup_hash(codes[0])

    def sender_address(self, vault: PiiVault) -> str:
        """The whole address, to hand over to the process or to reply to."""
        if self.sender_sealed is None:
            return self.sender
        return vault.decrypt(self.sender_sealed, SENDER_CONTEXT)


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
