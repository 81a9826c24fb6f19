# SPDX-License-Identifier: EUPL-1.2
"""Municipal records shared by every room: the municipalities themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Municipality(Base):
    """A municipality (pašvaldība) using the platform; every record is scoped to one."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    atvk: Mapped[str | None] = mapped_column(String(7))
    e_address: Mapped[str | None] = mapped_column(String(64))
    """The municipality's official e-address (``_DEFAULT@<registration number>``)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
