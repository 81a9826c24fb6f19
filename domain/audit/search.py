# SPDX-License-Identifier: EUPL-1.2
"""The auditor's search over one municipality's chain: by person (the look-up hash
of a personal code, never the code), case, system, action, actor and period —
and the CSV export of what was found."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.pii import PiiVault
from domain.audit.models import AuditRecord

PAGE = 100
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    person_hash: str | None = None
    case_number: str = ""
    system: str = ""
    action: str = ""
    """An action, or its beginning followed by ``.`` (``signin.`` finds every
    sign-in)."""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None
    """Exclusive."""

    @classmethod
    def of(
        cls,
        *,
        vault: PiiVault,
        person_code: str = "",
        case_number: str = "",
        system: str = "",
        action: str = "",
        actor: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AuditFilter:
        """A filter from what a person typed: the personal code becomes its hash."""
        code = person_code.strip()
        return cls(
            person_hash=vault.lookup_hash(code) if code else None,
            case_number=case_number.strip(),
            system=system.strip(),
            action=action.strip(),
            actor=actor.strip(),
            since=since,
            until=until,
        )


def _statement(municipality: str, flt: AuditFilter):  # type: ignore[no-untyped-def]
    stmt = select(AuditRecord).where(AuditRecord.municipality == municipality)
    if flt.person_hash:
        stmt = stmt.where(AuditRecord.person_hash == flt.person_hash)
    if flt.case_number:
        stmt = stmt.where(
            AuditRecord.subject_kind == "case",
            AuditRecord.subject_id == flt.case_number,
        )
    if flt.system:
        stmt = stmt.where(AuditRecord.system == flt.system)
    if flt.action:
        if flt.action.endswith("."):
            stmt = stmt.where(
                AuditRecord.action.startswith(flt.action, autoescape=True)
            )
        else:
            stmt = stmt.where(AuditRecord.action == flt.action)
    if flt.actor:
        stmt = stmt.where(AuditRecord.actor == flt.actor)
    if flt.since is not None:
        stmt = stmt.where(AuditRecord.at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(AuditRecord.at < flt.until)
    return stmt


@dataclass(frozen=True)
class Page:
    records: Sequence[AuditRecord]
    total: int
    page: int
    pages: int


def search(
    session: Session,
    municipality: str,
    flt: AuditFilter,
    page: int = 1,
    per_page: int = PAGE,
) -> Page:
    """The municipality's matching records, newest first."""
    stmt = _statement(municipality, flt)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    records = session.scalars(
        stmt.order_by(AuditRecord.seq.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(records, total, page, pages)


def systems(session: Session, municipality: str) -> list[str]:
    return list(
        session.scalars(
            select(AuditRecord.system)
            .where(AuditRecord.municipality == municipality)
            .distinct()
            .order_by(AuditRecord.system)
        )
    )


CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject_kind",
    "subject_id",
    "person_hash",
    "system",
    "idempotency_key",
    "details",
    "prev_hash",
    "hash",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must not run what someone typed into an event as a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def export_csv(session: Session, municipality: str, flt: AuditFilter) -> Iterable[str]:
    """The matching records, oldest first, as CSV text in chunks (header first):
    every field the hash covers, so an auditor can recompute it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    stmt = _statement(municipality, flt).order_by(AuditRecord.seq).limit(EXPORT_LIMIT)
    for n, record in enumerate(session.scalars(stmt).yield_per(1000), 1):
        writer.writerow(
            [
                record.seq,
                record.at.isoformat(),
                _cell(record.actor),
                _cell(record.action),
                _cell(record.subject_kind),
                _cell(record.subject_id),
                record.person_hash or "",
                _cell(record.system),
                _cell(record.idempotency_key),
                _cell(json.dumps(record.details, ensure_ascii=False, sort_keys=True)),
                record.prev_hash,
                record.hash,
            ]
        )
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
