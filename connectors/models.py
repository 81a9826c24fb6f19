# SPDX-License-Identifier: EUPL-1.2
"""The audit of connector calls: one row per call, signed so that changes show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class ConnectorCall(Base):
    """Who called which operator of which system for which instance, about whom (a
    keyed hash), when, how it went and how long it took — never the parameters or
    the result."""

    __tablename__ = "connector_calls"
    __table_args__ = (
        Index("ix_connector_calls_instance", "instance_id"),
        Index("ix_connector_calls_muni_at", "municipality", "at"),
        Index("ix_connector_calls_subject", "subject_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    operator: Mapped[str] = mapped_column(String(100))
    system: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[str | None] = mapped_column(String(32))
    municipality: Mapped[str | None] = mapped_column(String(20))
    element_id: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    duration_ms: Mapped[float] = mapped_column(Float)
    attempt: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(64))
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    """The look-up hash (core/pii.py) of the personal code the call was about, when
    its parameters held one: whose data was fetched or sent, without the code."""
