# SPDX-License-Identifier: EUPL-1.2
"""Key rotation: every sealed value re-encrypted under the newest key of
``PKIP_PII_KEYS`` (docs/personal-data.md).

A sealed column says so in its ``info`` (``{"pii_context": …}``, and
``"pii_seal_plain": True`` where plain values written before sealing are sealed
too), so every room's columns are found by walking the metadata — no import of
theirs here. Each value is replaced with a compare-and-set on the old value: a
writer that changed the row meanwhile wins, and what it wrote is sealed under the
newest key already. Outbox parameters waiting to be sent are rotated on their own
(a JSON object, see ``core.pii.seal_json``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, MetaData, Table, Text, cast, select, update
from sqlalchemy.orm import Session

from core.pii import PREFIX, SEALED_KEY, PiiVault, open_json, seal_json
from domain.cases.models import ServiceCase
from engine.models import DELIVERED, OutboxMessage
from engine.outbox import PARAMS_CONTEXT


@dataclass
class RotationStats:
    counts: dict[str, int] = field(default_factory=dict)
    """``table.column`` → values re-encrypted (or sealed, or re-hashed)."""
    skipped: int = 0
    """Values changed by someone else meanwhile (sealed under the newest key by it)."""

    @property
    def cases(self) -> int:
        return self.counts.get("service_cases.client_identifier_sealed", 0)

    @property
    def states(self) -> int:
        return self.counts.get("process_instances.state", 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def sealed_columns(metadata: MetaData) -> Iterator[tuple[Table, Column[Any]]]:
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.info.get("pii_context"):
                yield table, column


def rotate(
    session: Session,
    vault: PiiVault,
    metadata: MetaData,
    *,
    rehash: bool = False,
    batch: int = 500,
) -> RotationStats:
    """Re-encrypt every sealed column of ``metadata`` (load every room's models
    first: ``pkip.schema.load_models``) and the waiting outbox parameters; with
    ``rehash`` also recompute the cases' look-up hashes (after
    ``PKIP_PII_HASH_KEY`` changed)."""
    stats = RotationStats()
    if rehash:
        stats.counts["service_cases.client_identifier_hash"] = _rehash_cases(
            session, vault, batch
        )
    for table, column in sealed_columns(metadata):
        _rotate_column(session, vault, table, column, stats, batch)
    stats.counts["outbox_messages.params"] = _rotate_params(session, vault, batch)
    session.flush()
    return stats


def _rotate_column(
    session: Session,
    vault: PiiVault,
    table: Table,
    column: Column[Any],
    stats: RotationStats,
    batch: int,
) -> None:
    context = str(column.info["pii_context"])
    [key] = table.primary_key.columns
    current = f"{PREFIX}{vault.current_key_id}:".replace("_", r"\_")
    cond = [column.is_not(None), column != "", ~column.like(f"{current}%", escape="\\")]
    if not column.info.get("pii_seal_plain"):
        cond.append(column.like(f"{PREFIX}%"))
    done = 0
    last: Any = None
    while True:
        page = select(key, column).where(*cond).order_by(key).limit(batch)
        if last is not None:
            page = page.where(key > last)
        rows = session.execute(page).all()
        if not rows:
            break
        for row_id, value in rows:
            result = session.execute(
                update(table)
                .where(key == row_id, column == value)
                .values({column.name: vault.rotate(value, context)})
            )
            if result.rowcount:  # type: ignore[attr-defined]
                done += 1
            else:
                stats.skipped += 1
        last = rows[-1][0]
    stats.counts[f"{table.name}.{column.name}"] = done


def _rehash_cases(session: Session, vault: PiiVault, batch: int) -> int:
    done, last = 0, 0
    while True:
        rows = session.scalars(
            select(ServiceCase)
            .where(ServiceCase.id > last, ServiceCase.client_identifier_sealed != "")
            .order_by(ServiceCase.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        for case in rows:
            case.set_client_identifier(vault, case.client_identifier(vault))
            done += 1
        last = rows[-1].id
        session.flush()


def _rotate_params(session: Session, vault: PiiVault, batch: int) -> int:
    """Sealed parameters of commands not yet delivered (delivered ones are masked);
    the attempt count guards against a delivery running meanwhile."""
    table = OutboxMessage.__table__
    done, last = 0, 0
    while True:
        rows = session.execute(
            select(table.c.id, table.c.attempts, table.c.params)
            .where(
                table.c.id > last,
                table.c.status != DELIVERED,
                cast(table.c.params, Text).like('%"\\_sealed"%', escape="\\"),
            )
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        for row_id, attempts, params in rows:
            if str(params.get(SEALED_KEY, "")).startswith(
                f"{PREFIX}{vault.current_key_id}:"
            ):
                continue
            opened = open_json(params, vault, PARAMS_CONTEXT)
            result = session.execute(
                update(table)
                .where(
                    table.c.id == row_id,
                    table.c.attempts == attempts,
                    table.c.status != DELIVERED,
                )
                .values(params=seal_json(opened, vault, PARAMS_CONTEXT))
            )
            done += result.rowcount  # type: ignore[attr-defined]
        last = rows[-1][0]
