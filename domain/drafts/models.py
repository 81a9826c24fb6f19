# SPDX-License-Identifier: EUPL-1.2
"""Draft models: diagrams an analyst imported or is fixing, not yet deployable.

A draft belongs to one municipality and keeps every save as a revision (the newest
is what the modeler opens), so a diagram imported from another tool is kept even
when it cannot be deployed, and a bad edit can be looked back on. Deploying a
draft makes an ordinary process definition (engine/models.py); the draft
remembers which.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base, utcnow


class ModelDraft(Base):
    """A diagram being prepared for deploy in one municipality."""

    __tablename__ = "model_drafts"
    __table_args__ = (Index("ix_model_drafts_list", "municipality", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The file came without diagram interchange: revision 2 has a generated one.
    layout_generated: Mapped[bool] = mapped_column(default=False)
    deployed_definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_definitions.id")
    )


class ModelDraftRevision(Base):
    """One save of a draft: the whole diagram as it was saved."""

    __tablename__ = "model_draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("model_drafts.id", ondelete="CASCADE")
    )
    revision: Mapped[int] = mapped_column(Integer)
    xml: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
