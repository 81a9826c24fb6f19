# SPDX-License-Identifier: EUPL-1.2
"""Numbers that run per municipality and year (case numbers, registration numbers).

One atomic upsert with RETURNING takes the next value: on PostgreSQL the counter row
stays locked until the transaction ends, on SQLite the write lock does the same, so
concurrent transactions queue and never share a number, and one that rolls back gives
its number back. Call it before the transaction reads much else: on SQLite a
transaction that read first cannot wait for the write lock, it fails at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.calendar import RIGA


def next_in_year(
    session: Session, counters: Table, municipality: str, now: datetime
) -> tuple[int, int]:
    """The Riga year of ``now`` and the next value of ``municipality``'s counter in
    ``counters`` (a table keyed by municipality and year, with ``last_value``)."""
    year = now.astimezone(RIGA).year
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(counters)
        .values(municipality=municipality, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[counters.c.municipality, counters.c.year],
            set_={"last_value": counters.c.last_value + 1},
        )
        .returning(counters.c.last_value)
    )
    return year, int(session.execute(stmt).scalar_one())
