# SPDX-License-Identifier: EUPL-1.2
"""Tables of the audit chain: its records and one head row per municipality.

``audit_records`` is append-only: the application never updates nor deletes a row
(``domain.audit.chain.append`` is the only writer). ``audit_heads`` holds each
chain's last sequence number and hash; its row is locked by every append, so the
appends of one municipality queue (PostgreSQL: the row lock; SQLite: the write lock).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

PLATFORM_CHAIN = "*"
"""The chain of events that belong to no municipality (platform administration,
a sign-in with an unknown user name)."""


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("municipality", "seq"),
        Index("ix_audit_records_municipality_at", "municipality", "at"),
        Index("ix_audit_records_person_hash", "person_hash"),
        Index("ix_audit_records_subject", "subject_kind", "subject_id"),
        UniqueConstraint("municipality", "system", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    """The chain (a municipality's code, or ``*`` for the platform's own)."""
    seq: Mapped[int]
    """1, 2, 3, … within the chain, without gaps."""
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject_kind: Mapped[str] = mapped_column(String(30), default="")
    subject_id: Mapped[str] = mapped_column(String(100), default="")
    person_hash: Mapped[str | None] = mapped_column(String(64))
    """The look-up hash of the person the event is about (core/pii.py), never
    the code."""
    system: Mapped[str] = mapped_column(String(60), default="pkip")
    """Which system the event happened in: ``pkip``, a connector's system, or the
    ingesting municipal system."""
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    """The key an ingested event came with (unique per chain and system)."""
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Anything else, with personal codes masked."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_heads"

    municipality: Mapped[str] = mapped_column(String(20), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
