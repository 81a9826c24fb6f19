# SPDX-License-Identifier: EUPL-1.2
"""The set-up of one service (by its catalogue code) in one municipality."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

DRAFT = "draft"
"""Being prepared by an analyst; the service cannot be started."""
REVIEW = "review"
"""Prepared; waiting for the service owner's approval."""
READY = "ready"
"""Approved and in force: the service can be started."""
STAGES = (DRAFT, REVIEW, READY)


class ServiceSetup(Base):
    """What a service runs with in one municipality: its process, its forms and the
    procedure page staff see beside its tasks (Markdown)."""

    __tablename__ = "service_setups"
    __table_args__ = (
        UniqueConstraint("municipality", "service_code"),
        CheckConstraint("stage IN ('draft', 'review', 'ready')", name="known_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(40))
    process_key: Mapped[str] = mapped_column(String(100))
    forms: Mapped[list[str]] = mapped_column(JSON, default=list)
    procedure: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(10), default=DRAFT)
    setup_instance_id: Mapped[str | None] = mapped_column(String(32))
    """The service_setup.bpmn instance of the current round, if one runs."""
    prepared_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
