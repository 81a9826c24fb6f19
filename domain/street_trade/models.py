# SPDX-License-Identifier: EUPL-1.2
"""Tables of street trade: the places, the bookings and their days.

A booking covers the days ``starts_on`` … ``ends_on`` (both included); each day is a
row of ``trade_booking_days`` with a unique (place, day): the database refuses a
second booking of a place on a day it is already booked for, on SQLite and on
PostgreSQL alike, however two applications race. Releasing a booking deletes its
days (the booking row stays, ``released``, for the case's history).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

HELD = "held"
"""Taken at the application; the checks and the clerk's decision follow."""
GRANTED = "granted"
"""The clerk granted the permit (the fee may still be unpaid)."""
PAID = "paid"
"""The fee is paid: the permit is issued."""
RELEASED = "released"
"""Refused, or unpaid: the days are free again."""
STATES = (HELD, GRANTED, PAID, RELEASED)
_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)


class TradePlace(Base):
    """A permanent street trade place of a municipality."""

    __tablename__ = "trade_places"
    __table_args__ = (
        UniqueConstraint("municipality", "code", name="uq_trade_places_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(
        String(20), ForeignKey("municipalities.code")
    )
    code: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(1000), default="")
    kind: Mapped[str] = mapped_column(String(20))
    """The rate class for the fee table (``centrs``, ``apkaime``, ``tirgus``)."""
    goods: Mapped[str] = mapped_column(String(20))
    """The kind of goods allowed (``GOODS_KINDS``)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)


class TradeBooking(Base):
    """A place booked for a period by one case."""

    __tablename__ = "trade_bookings"
    __table_args__ = (
        UniqueConstraint("municipality", "case_number", name="uq_trade_bookings_case"),
        CheckConstraint(f"state IN ({_STATE_LIST})", name="known_state"),
        CheckConstraint("ends_on >= starts_on", name="period_order"),
        Index("ix_trade_bookings_place", "place_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    place_id: Mapped[int] = mapped_column(ForeignKey("trade_places.id"))
    case_number: Mapped[str] = mapped_column(String(40))
    company_reg_number: Mapped[str] = mapped_column(String(11))
    goods: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default=HELD)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class TradeBookingDay(Base):
    """One day of a live booking: unique per place, the double-booking guard."""

    __tablename__ = "trade_booking_days"
    __table_args__ = (
        UniqueConstraint("place_id", "day", name="uq_trade_booking_days_place_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("trade_bookings.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("trade_places.id"))
    day: Mapped[date] = mapped_column(Date)
