# SPDX-License-Identifier: EUPL-1.2
"""A form version: one saved JSON schema of a form, for the base or one municipality.

Versions are never changed once saved; a process definition records the versions it
was deployed with (``ProcessDefinition.forms``: key -> {variant, version}).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base, utcnow


class FormVersion(Base):
    """One version of form ``key`` for ``variant`` ('' = the base, else an ATVK-like
    municipality code, as ``ProcessDefinition.municipality``)."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("key", "variant", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = deferred(mapped_column(JSON, nullable=False))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
