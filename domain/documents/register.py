# SPDX-License-Identifier: EUPL-1.2
"""The municipality's own document register: numbers gap-free per year.

One atomic upsert with RETURNING takes the next number: on PostgreSQL the counter row
stays locked until the transaction ends, on SQLite the write lock does the same, so
concurrent transactions queue and never share a number; one that rolls back gives
its number back (no gap), since the document that carries it rolls back with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain.counters import next_in_year
from domain.documents.models import RegisterCounter

DIGITS = 5


def next_registration_number(session: Session, municipality: str, now: datetime) -> str:
    """``RIGA-2026-D-00042``: the next number of the Riga year of ``now``.

    Call it before the transaction reads much else: on SQLite a transaction that read
    first cannot wait for the write lock.
    """
    year, value = next_in_year(session, RegisterCounter.__table__, municipality, now)
    return f"{municipality}-{year}-D-{value:0{DIGITS}d}"
