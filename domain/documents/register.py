# SPDX-License-Identifier: EUPL-1.2
"""The municipality's own document register: numbers gap-free per year.

One atomic upsert with RETURNING takes the next number: on PostgreSQL the counter row
stays locked until the transaction ends, on SQLite the write lock does the same, so
concurrent transactions queue and never share a number; one that rolls back gives
its number back (no gap), since the document that carries it rolls back with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.calendar import RIGA
from domain.documents.models import RegisterCounter

DIGITS = 5


def next_registration_number(session: Session, municipality: str, now: datetime) -> str:
    """``RIGA-2026-D-00042``: the next number of the Riga year of ``now``.

    Call it before the transaction reads much else: on SQLite a transaction that read
    first cannot wait for the write lock.
    """
    year = now.astimezone(RIGA).year
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    table = RegisterCounter.__table__
    stmt = (
        module.insert(table)
        .values(municipality=municipality, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.municipality, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    value = int(session.execute(stmt).scalar_one())
    return f"{municipality}-{year}-D-{value:0{DIGITS}d}"
