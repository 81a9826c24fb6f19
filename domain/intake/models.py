# SPDX-License-Identifier: EUPL-1.2
"""Tables of the intake queue ("Ienākošie"): items, their files, routing rules.

An intake item is one incoming letter or application a registry clerk has to see:
an e-address (DEPP) message or DIV document no waiting case took, a paper letter
registered at the desk, or an application a one-stop centre (VPVKAC) clerk took for
the municipality. One item per (channel, municipality, source id): the e-delivery
poll may see the same message twice, the queue shows it once.

The sender's address or identifier follows docs/personal-data.md: masked for lists,
sealed for the clerk who replies, hashed to find one person's letters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.pii import PiiVault, find_identifiers, mask_identifiers

SENDER_CONTEXT = "intake_items.sender"
"""What a sealed sender is bound to (core/pii.py: the AEAD context)."""

# channels
DEPP = "depp"
DIV = "div"
PAPER = "paper"
VPVKAC = "vpvkac"
CHANNELS = (DEPP, DIV, PAPER, VPVKAC)

# statuses: nobody took it yet / a clerk took it / a case was started from it /
# attached to an existing case / registered as correspondence / a file was refused
NEW = "new"
ASSIGNED = "assigned"
STARTED = "started"
ATTACHED = "attached"
REGISTERED = "registered"
FLAGGED = "flagged"
STATUSES = (NEW, ASSIGNED, STARTED, ATTACHED, REGISTERED, FLAGGED)
OPEN_STATUSES = (NEW, ASSIGNED, FLAGGED)

# routing rule matches
MATCH_SUBJECT = "subject"
MATCH_KIND = "document_kind"
MATCHES = (MATCH_SUBJECT, MATCH_KIND)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class IntakeItem(Base):
    """One incoming letter or application in the municipality's intake queue."""

    __tablename__ = "intake_items"
    __table_args__ = (
        UniqueConstraint("channel", "municipality", "source_id"),
        Index("ix_intake_items_list", "municipality", "status", "received_at"),
        Index("ix_intake_items_sender", "municipality", "sender_hash"),
        CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="known_channel"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[str] = mapped_column(String(128))
    """The channel's message id (DEPP, DIV) or one given here (paper, VPVKAC)."""
    sender: Mapped[str] = mapped_column(String(255))
    """The sender's address or name, personal codes masked."""
    sender_sealed: Mapped[str | None] = mapped_column(
        Text, info={"pii_context": SENDER_CONTEXT}
    )
    sender_hash: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(500))
    document_kind: Mapped[str] = mapped_column(String(50), default="")
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=NEW)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Why the item is flagged (Latvian, one line a refused file), [] when not."""
    case_number: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    routing_note: Mapped[str | None] = mapped_column(String(500))
    """Which rule started the case, or why it could not."""
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    files: Mapped[list[IntakeFile]] = relationship(
        back_populates="item",
        cascade="all, delete-orphan",
        order_by="IntakeFile.position",
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def set_sender(self, vault: PiiVault, sender: str) -> None:
        """Keep ``sender`` masked, sealed and hashed when it holds a personal code."""
        codes = find_identifiers(sender)
        if not codes:
            self.sender, self.sender_sealed, self.sender_hash = sender, None, None
            return
        self.sender = mask_identifiers(sender)
        self.sender_sealed = vault.encrypt(sender, SENDER_CONTEXT)
        self.sender_hash = vault.lookup_hash(codes[0])

    def sender_in_clear(self, vault: PiiVault) -> str:
        if self.sender_sealed is None:
            return self.sender
        return vault.decrypt(self.sender_sealed, SENDER_CONTEXT)

    def __repr__(self) -> str:
        return f"<IntakeItem {self.id} {self.channel} {self.status}>"


class IntakeFile(Base):
    """A file of an intake item, kept even when refused (``problem`` says why)."""

    __tablename__ = "intake_files"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("intake_items.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(String(50))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    item: Mapped[IntakeItem] = relationship(back_populates="files")


class RoutingRule(Base):
    """A municipality's rule: an item whose subject holds ``pattern`` (or whose
    document kind is ``pattern``) starts process ``process_key`` on arrival."""

    __tablename__ = "intake_routing_rules"
    __table_args__ = (
        Index("ix_intake_routing_rules_muni", "municipality", "position"),
        CheckConstraint(f"match IN ({_in(MATCHES)})", name="known_match"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    match: Mapped[str] = mapped_column(String(20))
    pattern: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def matches(self, subject: str, document_kind: str) -> bool:
        if self.match == MATCH_KIND:
            return document_kind.strip().casefold() == self.pattern.strip().casefold()
        words = subject.casefold()
        return all(w in words for w in self.pattern.casefold().split())


def as_row(item: IntakeItem) -> dict[str, Any]:
    """What lists show of an item (no personal data beyond the masked sender)."""
    return {
        "id": item.id,
        "channel": item.channel,
        "status": item.status,
        "sender": item.sender,
        "subject": item.subject,
        "received_at": item.received_at,
        "files": len(item.files),
        "case_number": item.case_number,
    }
