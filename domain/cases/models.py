# SPDX-License-Identifier: EUPL-1.2
"""Tables of service cases: the case register and its per-year number counters.

A service case (*pakalpojuma gadījums*) is one client's request for one service: the
process instance that handles it plus what the service register must know about it
(number, service code, client, channel, status). Its status is the engine's: it is
recorded here after every operation the case services perform, for lists, reports and
the PSPP status feed; the case page reads it live from the engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.pii import PiiVault

CLIENT_CONTEXT = "service_cases.client_identifier"
"""What a sealed client identifier is bound to (core/pii.py: the AEAD context)."""

# How the application reached the municipality (PSPP's channels).
E_SERVICE = "e_service"
OFFICE = "office"
VPVKAC = "vpvkac"
E_ADDRESS = "e_address"
CHANNELS = (E_SERVICE, OFFICE, VPVKAC, E_ADDRESS)

# Case statuses (derived from the process instance, see services.case_status).
IN_PROGRESS = "in_progress"
"""Someone has to act: a user task is open."""
WAITING = "waiting"
"""Waiting for something outside: a payment, a reply, a timer, a delivery."""
SUSPENDED = "suspended"
COMPLETED = "completed"
CANCELLED = "cancelled"
FAILED = "failed"
"""Ended in error: an error end event at the top level, which nothing caught."""
STATUSES = (IN_PROGRESS, WAITING, SUSPENDED, COMPLETED, CANCELLED, FAILED)
CLOSED_STATUSES = (COMPLETED, CANCELLED, FAILED)

_CHANNEL_LIST = ", ".join(f"'{c}'" for c in CHANNELS)
_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)


class ServiceCase(Base):
    """One service case: its number, service, client and channel, and its status.

    The client's identifier (a personal code, or a company's registration number) is
    never stored in clear (docs/personal-data.md): ``client_identifier_hash`` finds
    cases by it (``PiiVault.lookup_hash``), ``client_identifier_sealed`` holds it
    encrypted for the few who may see it whole, ``client_masked`` (``16****-****7``)
    is what lists show. It never goes into URLs or logs. ``purged_at``: when the
    retention rule erased the client's personal data.
    """

    __tablename__ = "service_cases"
    __table_args__ = (
        UniqueConstraint("municipality", "number"),
        Index("ix_service_cases_list", "municipality", "created_at"),
        Index("ix_service_cases_status", "municipality", "status", "created_at"),
        Index("ix_service_cases_client", "municipality", "client_identifier_hash"),
        Index("ix_service_cases_retention", "purged_at", "closed_at"),
        CheckConstraint(f"channel IN ({_CHANNEL_LIST})", name="known_channel"),
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50))
    municipality: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    process_key: Mapped[str] = mapped_column(String(100))
    process_name: Mapped[str] = mapped_column(String(255))
    service_code: Mapped[str | None] = mapped_column(String(50))
    client_name: Mapped[str] = mapped_column(String(255))
    client_identifier_hash: Mapped[str] = mapped_column(String(64))
    client_identifier_sealed: Mapped[str] = mapped_column(
        Text, info={"pii_context": CLIENT_CONTEXT}
    )
    client_masked: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    status_label: Mapped[str] = mapped_column(String(500), default="")
    """What the case is at, in words: the open steps, or the end event reached."""
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    purged_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def set_client_identifier(self, vault: PiiVault, identifier: str) -> None:
        """Store ``identifier`` as its look-up hash, sealed and masked."""
        self.client_identifier_hash = vault.lookup_hash(identifier)
        self.client_identifier_sealed = vault.encrypt(identifier, CLIENT_CONTEXT)
        self.client_masked = mask_identifier(identifier)

    def client_identifier(self, vault: PiiVault) -> str:
        """The identifier in clear ("" once purged): for showing it to someone who
        may see it, never for logs or URLs."""
        if not self.client_identifier_sealed:
            return ""
        return vault.decrypt(self.client_identifier_sealed, CLIENT_CONTEXT)

    def __repr__(self) -> str:
        return f"<ServiceCase {self.number}>"


def mask_identifier(identifier: str | None) -> str:
    """``16****-****7``: the first two and the last character stay, separators too."""
    if not identifier:
        return ""
    positions = [i for i, ch in enumerate(identifier) if ch.isalnum()]
    keep = set(positions[:2] + positions[-1:])
    return "".join(
        ch if (i in keep or not ch.isalnum()) else "*"
        for i, ch in enumerate(identifier)
    )


class CaseNumberCounter(Base):
    """The last case number given out per municipality and year.

    Taken with one atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``)
    that locks the row until the transaction ends, so concurrent starts queue on it
    and never share a number; a start that rolls back gives its number back.
    """

    __tablename__ = "case_number_counters"

    municipality: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
