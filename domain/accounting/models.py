# SPDX-License-Identifier: EUPL-1.2
"""The case accounting table: every status change of a service case, append-only.

One row per change, never updated nor deleted by PKIP (the ORM refuses an update):
the case's history as the service register keeps it and as PSPP receives it. A row
that PSPP must know carries its PSPP status, its place in the case's PSPP sequence
and the outbox message that delivers it (idempotency key = the event id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from domain.accounting.status import STATUSES

_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)


class CaseStatusEvent(Base):
    """One status change of a service case: when it happened (``at``, the actual
    date) and by when it should have (``planned_at``, working days from
    core/calendar.py; None where the model sets no deadline)."""

    __tablename__ = "case_status_events"
    __table_args__ = (
        UniqueConstraint("case_id", "sequence"),
        UniqueConstraint("case_id", "pspp_sequence"),
        Index("ix_case_status_events_municipality", "municipality", "case_number"),
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE")
    )
    case_number: Mapped[str] = mapped_column(String(50))
    municipality: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer)
    """1, 2, 3 … per case: the order of our history."""
    status: Mapped[str] = mapped_column(String(30))
    pspp_status: Mapped[str | None] = mapped_column(String(30))
    """The PSPP contract's status (None: PSPP is not told, see status.py)."""
    pspp_sequence: Mapped[int | None] = mapped_column(Integer)
    """1, 2, 3 … per case among the events PSPP is told: the order PSPP checks."""
    at: Mapped[datetime] = mapped_column()
    planned_at: Mapped[datetime | None] = mapped_column()
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def late(self) -> bool:
        """Reached after its planned date."""
        return self.planned_at is not None and self.at > self.planned_at

    def pspp_event(self, service_code: str, channel: str) -> dict[str, Any]:
        """The event as the PSPP contract's ``CaseEvent`` (no personal data)."""
        body: dict[str, Any] = {
            "event_id": self.event_id,
            "case_id": self.case_number,
            "sequence": self.pspp_sequence,
            "service_code": service_code,
            "channel": channel,
            "status": self.pspp_status,
            "time": self.at.isoformat(),
        }
        if self.planned_at is not None:
            body["planned_deadline"] = self.planned_at.isoformat()
        return body

    def __repr__(self) -> str:
        return f"<CaseStatusEvent {self.case_number}#{self.sequence} {self.status}>"


@event.listens_for(CaseStatusEvent, "before_update")
def _append_only(*_: Any) -> None:
    # The history is evidence: a change is a new row, never an edit of an old one.
    raise ValueError("case_status_events is append-only")
