# SPDX-License-Identifier: EUPL-1.2
"""Where in the database a personal code is stored in clear (docs/personal-data.md):
a scan of every text and JSON column of every table."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text, cast, or_, select, text
from sqlalchemy.orm import Session

from core.db import Base


def clear_copies(session: Session, code: str) -> list[str]:
    """``table.column`` of every text or JSON column holding ``code`` in clear (with
    or without its hyphen)."""
    session.flush()
    forms = (code, code.replace("-", ""))
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text, JSON)):
                continue
            value = cast(column, Text)
            hit = session.execute(
                select(text("1"))
                .select_from(table)
                .where(or_(*(value.like(f"%{form}%") for form in forms)))
                .limit(1)
            ).first()
            if hit is not None:
                found.append(f"{table.name}.{column.name}")
    return found
