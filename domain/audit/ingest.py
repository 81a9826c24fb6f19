# SPDX-License-Identifier: EUPL-1.2
"""Events of the municipality's other systems, written through the REST API
(``POST /api/v1/audit/events``) into the same chain.

Each event comes with an idempotency key, unique per municipality and system: a
batch sent again (a timeout, a retry) adds nothing twice and answers with the
records the first delivery made. The chain's head is locked before the keys are
looked up, so two deliveries of one batch at the same time cannot both add it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.pii import PiiVault
from domain.audit.chain import Event, append_many, chain_of, lock_head
from domain.audit.models import AuditRecord

MAX_BATCH = 100
"""Events per request."""


@dataclass(frozen=True)
class Incoming:
    idempotency_key: str
    at: datetime
    system: str
    action: str
    actor: str
    subject_kind: str = ""
    subject_id: str = ""
    person_code: str | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    idempotency_key: str
    seq: int
    hash: str
    duplicate: bool


def ingest(
    session: Session,
    municipality: str,
    events: Sequence[Incoming],
    *,
    via: str,
    vault: PiiVault,
) -> list[Outcome]:
    """Chain the events not chained before (by system and key); the outcome of each,
    in the order given. ``via`` (the token's actor) is kept in the details."""
    chain = chain_of(municipality)
    lock_head(session, chain)
    wanted = {(e.system, e.idempotency_key) for e in events}
    known: dict[tuple[str, str], AuditRecord] = {}
    keys = sorted({key for _, key in wanted})
    for start in range(0, len(keys), 500):
        for record in session.scalars(
            select(AuditRecord).where(
                AuditRecord.municipality == chain,
                AuditRecord.idempotency_key.in_(keys[start : start + 500]),
            )
        ):
            assert record.idempotency_key is not None
            known[(record.system, record.idempotency_key)] = record
    fresh: list[Incoming] = []
    seen: set[tuple[str, str]] = set()
    for event in events:
        key = (event.system, event.idempotency_key)
        if key not in known and key not in seen:
            seen.add(key)
            fresh.append(event)
    added = append_many(
        session,
        [
            Event(
                action=e.action,
                actor=e.actor,
                municipality=municipality,
                subject_kind=e.subject_kind,
                subject_id=e.subject_id,
                person=e.person_code,
                system=e.system,
                details={**(e.details or {}), "via": via},
                at=e.at,
                idempotency_key=e.idempotency_key,
            )
            for e in fresh
        ],
        vault,
    )
    new: dict[tuple[str, str], AuditRecord] = {}
    for record in added:
        assert record.idempotency_key is not None
        new[(record.system, record.idempotency_key)] = record
    outcomes = []
    for event in events:
        key = (event.system, event.idempotency_key)
        first = new.pop(key, None)
        record = first or known.get(key) or _first_of_batch(added, key)
        outcomes.append(
            Outcome(event.idempotency_key, record.seq, record.hash, first is None)
        )
    return outcomes


def _first_of_batch(added: Sequence[AuditRecord], key: tuple[str, str]) -> AuditRecord:
    return next(r for r in added if (r.system, r.idempotency_key) == key)
