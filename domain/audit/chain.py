# SPDX-License-Identifier: EUPL-1.2
"""Appending to the chain and verifying it.

Each record carries the hash of the one before it in its municipality's chain and
its own hash, SHA-256 over a canonical serialisation of every field (``digest``).
An append locks the chain's head row first, so the appends of one municipality
queue and the sequence has no gaps (call it early in a transaction: on SQLite a
transaction that read first cannot wait for the write lock).

:func:`verify` walks every chain: an altered record no longer matches its hash, a
removed one leaves a gap in the sequence, an inserted or reordered one breaks the
links, and a chain rewritten with fresh hashes no longer matches the signed
checkpoints kept outside the database (domain/audit/checkpoints.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.db import utcnow
from core.pii import PiiVault, scrub_personal_codes
from domain.audit.models import PLATFORM_CHAIN, AuditHead, AuditRecord

GENESIS = "0" * 64
"""The ``prev_hash`` of every chain's first record."""


@dataclass(frozen=True)
class Event:
    """What happened, before it is chained."""

    action: str
    actor: str
    municipality: str | None = None
    subject_kind: str = ""
    subject_id: str = ""
    person: str | None = None
    """A personal code (or registration number) the event is about: only its
    look-up hash is stored."""
    person_hash: str | None = None
    """The look-up hash, when the caller has it already (never a code)."""
    system: str = "pkip"
    details: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    idempotency_key: str | None = None


def canonical(values: Mapping[str, Any]) -> bytes:
    return json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def _at(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def digest(record: AuditRecord) -> str:
    """SHA-256 of the record's fields (every one but ``id`` and ``hash``)."""
    return hashlib.sha256(
        canonical(
            {
                "municipality": record.municipality,
                "seq": record.seq,
                "at": _at(record.at),
                "actor": record.actor,
                "action": record.action,
                "subject_kind": record.subject_kind,
                "subject_id": record.subject_id,
                "person_hash": record.person_hash,
                "system": record.system,
                "idempotency_key": record.idempotency_key,
                "details": record.details,
                "prev_hash": record.prev_hash,
            }
        )
    ).hexdigest()


def chain_of(municipality: str | None) -> str:
    return municipality or PLATFORM_CHAIN


def lock_head(session: Session, municipality: str) -> AuditHead:
    """The chain's head row, locked until the transaction ends (created if new)."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    session.execute(
        module.insert(AuditHead)
        .values(municipality=municipality, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=[AuditHead.municipality])
    )
    head = session.scalars(
        select(AuditHead)
        .where(AuditHead.municipality == municipality)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return head


def append_many(
    session: Session, events: Sequence[Event], vault: PiiVault | None = None
) -> list[AuditRecord]:
    """Chain ``events`` in this order (one head lock per municipality); flushed
    with the caller's transaction, so an event whose change rolls back is not kept."""
    out: list[AuditRecord] = []
    by_chain: dict[str, list[Event]] = {}
    for event in events:
        by_chain.setdefault(chain_of(event.municipality), []).append(event)
    for chain in sorted(by_chain):  # a fixed order: no deadlock between two appenders
        head = lock_head(session, chain)
        for event in by_chain[chain]:
            person_hash = event.person_hash
            if event.person and vault is not None:
                person_hash = vault.lookup_hash(event.person)
            record = AuditRecord(
                municipality=chain,
                seq=head.seq + 1,
                at=event.at or utcnow(),
                actor=event.actor[:100],
                action=event.action[:60],
                subject_kind=event.subject_kind[:30],
                subject_id=str(event.subject_id)[:100],
                person_hash=person_hash,
                system=event.system[:60],
                idempotency_key=event.idempotency_key,
                details=scrub_personal_codes(dict(event.details)),
                prev_hash=head.hash,
            )
            # The stored value is what gets hashed: the JSON round trip and the
            # column's UTC conversion must not change it.
            record.details = json.loads(canonical(record.details))
            record.hash = digest(record)
            head.seq, head.hash = record.seq, record.hash
            session.add(record)
            out.append(record)
    session.flush()
    return out


def append(
    session: Session, event: Event, vault: PiiVault | None = None
) -> AuditRecord:
    return append_many(session, [event], vault)[0]


# -- verification ---------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    municipality: str
    seq: int | None
    problem: str
    """``altered``, ``missing``, ``inserted``, ``broken_link``, ``head_mismatch``,
    ``checkpoint_mismatch``, ``checkpoint_beyond_head``, ``bad_signature``."""
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.municipality} #{self.seq}" if self.seq else self.municipality
        return f"{where}: {self.problem}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Report:
    chains: dict[str, int] = field(default_factory=dict)
    """Each chain's verified length."""
    findings: list[Finding] = field(default_factory=list)
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(
    session: Session,
    checkpoints: Iterable[Mapping[str, Any]] = (),
    municipality: str | None = None,
) -> Report:
    """Recompute every chain (or one) and hold it against ``checkpoints`` (dicts
    with ``municipality``, ``seq`` and ``hash``, whose signatures the caller has
    checked)."""
    report = Report()
    stmt = select(AuditRecord).order_by(
        AuditRecord.municipality, AuditRecord.seq, AuditRecord.id
    )
    if municipality is not None:
        stmt = stmt.where(AuditRecord.municipality == municipality)
    hashes: dict[str, dict[int, str]] = {}
    state: dict[str, tuple[int, str]] = {}
    for record in session.scalars(stmt).yield_per(1000):
        chain = record.municipality
        last_seq, last_hash = state.get(chain, (0, GENESIS))
        if record.seq == last_seq:
            report.findings.append(
                Finding(chain, record.seq, "inserted", "a second record with this seq")
            )
            continue
        if record.seq != last_seq + 1:
            report.findings.append(
                Finding(
                    chain,
                    last_seq + 1,
                    "missing",
                    f"records {last_seq + 1}..{record.seq - 1} are gone",
                )
            )
        if digest(record) != record.hash:
            report.findings.append(
                Finding(chain, record.seq, "altered", "its fields no longer match")
            )
        if record.prev_hash != last_hash and record.seq == last_seq + 1:
            report.findings.append(
                Finding(
                    chain,
                    record.seq,
                    "broken_link",
                    "does not follow the record before it (reordered or inserted)",
                )
            )
        # The next record links to the stored hash: an altered record is reported
        # once, a re-hashed one breaks the link after it.
        state[chain] = (record.seq, record.hash)
        hashes.setdefault(chain, {})[record.seq] = record.hash
    heads = select(AuditHead)
    if municipality is not None:
        heads = heads.where(AuditHead.municipality == municipality)
    for head in session.scalars(heads):
        last_seq, _ = state.get(head.municipality, (0, GENESIS))
        if head.seq != last_seq:
            report.findings.append(
                Finding(
                    head.municipality,
                    head.seq,
                    "head_mismatch",
                    f"the head says {head.seq} records, the chain has {last_seq}",
                )
            )
    for chain, (seq, _) in state.items():
        report.chains[chain] = seq
    for point in checkpoints:
        chain = str(point["municipality"])
        if municipality is not None and chain != municipality:
            continue
        report.checkpoints += 1
        seq = int(point["seq"])
        found = hashes.get(chain, {}).get(seq)
        if found is None:
            report.findings.append(
                Finding(
                    chain,
                    seq,
                    "checkpoint_beyond_head",
                    "a signed checkpoint names a record the chain no longer has",
                )
            )
        elif found != point["hash"]:
            report.findings.append(
                Finding(
                    chain,
                    seq,
                    "checkpoint_mismatch",
                    "the chain was rewritten after this signed checkpoint",
                )
            )
    return report
