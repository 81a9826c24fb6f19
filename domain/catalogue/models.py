# SPDX-License-Identifier: EUPL-1.2
"""Tables of the service catalogue: a card per municipality and service code, its
versions, each version's price list, and the card's history of events.

A card's content lives in its versions. One version at a time is *in force*
(``approved``, then ``published`` once PSPP confirmed it); a new version is drafted,
reviewed and approved beside it, and only its approval retires (``superseded``) the
one in force. Amounts are stored in euro cents (an integer is exact on SQLite and
PostgreSQL alike) and read as ``Decimal``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow

# version states
DRAFT = "draft"
REVIEW = "review"
RETURNED = "returned"
APPROVED = "approved"
PUBLISHED = "published"
SUPERSEDED = "superseded"
STATES = (DRAFT, REVIEW, RETURNED, APPROVED, PUBLISHED, SUPERSEDED)
EDITABLE = (DRAFT, RETURNED)
"""States whose content the analyst may still change."""
OPEN = (DRAFT, REVIEW, RETURNED)
"""A card has at most one open version: the change being prepared."""
IN_FORCE = (APPROVED, PUBLISHED)

WORKING = "working"
CALENDAR = "calendar"
DEADLINE_KINDS = (WORKING, CALENDAR)

PERSON = "person"
COMPANY = "company"
APPLICANTS = (PERSON, COMPANY)

CHANNELS = ("online", "in_person", "e_address", "post", "vpvkac", "phone", "email")
"""The PSPP contract's channels (connectors/systems/pspp/openapi.yaml)."""

EVENT_KINDS = (
    "created",
    "edited",
    "submitted",
    "returned",
    "resubmitted",
    "approved",
    "published",
    "superseded",
)


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ServiceCard(Base):
    """A service of one municipality (pakalpojuma kartīte), known by its code."""

    __tablename__ = "service_cards"
    __table_args__ = (UniqueConstraint("municipality", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code")
    )
    code: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[CardVersion]] = relationship(
        back_populates="card",
        order_by="CardVersion.number",
        cascade="all, delete-orphan",
    )

    def in_force(self) -> CardVersion | None:
        return next((v for v in reversed(self.versions) if v.state in IN_FORCE), None)

    def open_version(self) -> CardVersion | None:
        return next((v for v in reversed(self.versions) if v.state in OPEN), None)

    def __repr__(self) -> str:
        return f"<ServiceCard {self.municipality}/{self.code}>"


class CardVersion(Base):
    """One version of a card's content, with its state in the approval."""

    __tablename__ = "service_card_versions"
    __table_args__ = (
        UniqueConstraint("card_id", "number"),
        Index("ix_service_card_versions_instance", "instance_id"),
        Index("ix_service_card_versions_muni_state", "municipality", "state"),
        CheckConstraint(f"state IN ({_listed(STATES)})", name="known_state"),
        CheckConstraint(
            f"deadline_kind IN ({_listed(DEADLINE_KINDS)})", name="known_deadline"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("service_cards.id", ondelete="CASCADE")
    )
    municipality: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    name_lv: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description_lv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """[{title, url?}] — laws and binding rules the service rests on."""
    applicants: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Who may apply: ``person``, ``company``."""
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    deadline_kind: Mapped[str] = mapped_column(String(10), default=WORKING)
    department: Mapped[str] = mapped_column(String(100), default="")
    """The responsible department's key (a BPMN candidate group)."""
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """[{name, mandatory}] — documents the applicant submits."""
    result_lv: Mapped[str] = mapped_column(Text, default="")
    result_en: Mapped[str] = mapped_column(Text, default="")
    process_key: Mapped[str] = mapped_column(String(100), default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    """The procedure for staff, Markdown (shown beside the tasks)."""
    instance_id: Mapped[str | None] = mapped_column(String(32))
    """The catalogue_change instance approving this version."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column()
    pspp_version: Mapped[int | None] = mapped_column(Integer)
    superseded_at: Mapped[datetime | None] = mapped_column()

    card: Mapped[ServiceCard] = relationship(back_populates="versions")
    prices: Mapped[list[PriceEntry]] = relationship(
        back_populates="version",
        order_by="PriceEntry.position",
        cascade="all, delete-orphan",
    )

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE

    def prices_on(self, day: date) -> list[PriceEntry]:
        return [p for p in self.prices if p.valid_on(day)]

    def __repr__(self) -> str:
        return f"<CardVersion {self.card_id} v{self.number} {self.state}>"


class PriceEntry(Base):
    """One line of a version's price list (cenrādis), valid between two dates."""

    __tablename__ = "service_card_prices"
    # No unique (version_id, position): saving a draft replaces its lines, and
    # the flush inserts the new ones before it deletes the old.
    __table_args__ = (
        Index("ix_service_card_prices_version", "version_id", "position"),
        CheckConstraint("amount_cents >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("service_card_versions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name_lv: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    amount_cents: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    version: Mapped[CardVersion] = relationship(back_populates="prices")

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )


class CardEvent(Base):
    """A step in a card's life: created, submitted, returned (with the owner's
    comment), approved, published … — the card page's history."""

    __tablename__ = "service_card_events"
    __table_args__ = (
        Index("ix_service_card_events_card", "card_id", "id"),
        CheckConstraint(f"kind IN ({_listed(EVENT_KINDS)})", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("service_cards.id", ondelete="CASCADE")
    )
    version_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
