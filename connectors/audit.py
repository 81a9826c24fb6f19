# SPDX-License-Identifier: EUPL-1.2
"""The audit trail of connector calls.

The registry reports every call to :class:`AuditTrail`, which keeps the records of the
current thread until the surrounding transaction ends: they are written in that
transaction (so an SQLite writer never waits on itself) or, when it rolls back, in a
transaction of their own — the calls happened either way. Each row carries an
HMAC-SHA256 over its fields with the platform secret: a changed row no longer
verifies (``AuditTrail.verify``); ids are sequential, so a removed row leaves a gap.
A call whose parameters held a personal code keeps that code's look-up hash
(core/pii.py), never the code: :meth:`AuditTrail.calls_about` finds them.

Every row whose outcome is final (written with it, completed, or withdrawn) is
also handed to :attr:`AuditTrail.on_final` in the same transaction: the platform
appends it to the central, hash-chained audit log there (pkip/audit.py,
docs/audit.md) — one call per written batch, not per row.

Code that calls outside systems between its transactions (the e-delivery polling)
ends with :meth:`AuditTrail.write_pending`, so that the calls after its last
transaction are written too.

Commands (calls that may change the outside world) are not left to a later commit:
the outbox writes the rows of a batch with its lease (``prepare``), and any other
command made outside a transaction gets its row in a short transaction of its own,
*before* the call (outcome ``attempting``); the call completes it, re-signed, with
the outcome in the thread's next transaction. A worker killed during a send batch
thus leaves a row for every call that may have reached the other side. A command
made inside a transaction of the same thread (an operator calling another) is
recorded with that transaction, as queries are: SQLite has one writer, which that
thread already holds.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.models import ConnectorCall
from connectors.registry import ATTEMPTING, CallRecord
from core.pii import PiiVault


@dataclass(frozen=True)
class Completion:
    """The outcome of a call whose row was written before it (``AuditTrail.end``)."""

    row_id: int
    record: CallRecord


NOT_SENT = "not_sent"
"""The outcome of a record prepared with a batch for a call the batch did not make."""

Pending = CallRecord | Completion
"""What a thread's buffer holds until its transaction ends."""


class AuditTrail:
    def __init__(
        self,
        secret: str,
        sessions: sessionmaker[Session] | None = None,
        vault: PiiVault | None = None,
    ) -> None:
        self._key = hashlib.sha256(f"pkip-audit:{secret}".encode()).digest()
        self._local = threading.local()
        self.sessions = sessions
        """Where :meth:`begin` and :meth:`end` write at once (None: buffered)."""
        self.vault = vault
        """Hashes the subject of a call (core/pii.py); None: no subject recorded."""
        self._prepared: dict[str, int] = {}
        self._prepared_lock = threading.Lock()
        self.on_final: Callable[[Session, list[ConnectorCall]], None] | None = None
        """Called with the rows whose outcome became final, in their transaction
        (flushed: they have their ids)."""
        self.in_transaction: Callable[[], bool] = lambda: False
        """Whether the caller's thread is inside a transaction of its own (set by
        the platform). A command called there is recorded in that transaction,
        or apart if it rolls back, not beforehand: on SQLite a second writer would
        wait for the first one, held by this very thread."""

    def __call__(self, record: CallRecord) -> None:
        self._buffer().append(record)

    def _buffer(self) -> list[Pending]:
        buffer: list[Pending] | None = getattr(self._local, "records", None)
        if buffer is None:
            buffer = []
            self._local.records = buffer
        return buffer

    def drain(self) -> list[Pending]:
        """Take this thread's pending records."""
        records = self._buffer()
        self._local.records = []
        return records

    def write_pending(self, sessions: sessionmaker[Session]) -> int:
        """Write this thread's pending records in a transaction of their own; returns
        how many. Not for use inside a transaction, which writes them itself."""
        records = self.drain()
        if records:
            try:
                with sessions.begin() as session:
                    self.write(session, records)
            except BaseException:
                self._buffer()[:0] = records  # the next transaction writes them
                raise
        return len(records)

    def write(self, session: Session, records: Sequence[Pending]) -> None:
        final: list[ConnectorCall] = []
        for rec in records:
            if isinstance(rec, Completion):
                row = self._complete(session, rec)
            else:
                row = self._row(rec)
                session.add(row)
            if row is not None:
                final.append(row)
        self._final(session, final)

    def _final(self, session: Session, rows: list[ConnectorCall]) -> None:
        if rows and self.on_final is not None:
            session.flush()
            self.on_final(session, rows)

    def _complete(self, session: Session, done: Completion) -> ConnectorCall | None:
        row = session.get(ConnectorCall, done.row_id)
        if row is None:  # removed meanwhile: the gap in the ids shows it
            return None
        row.outcome = done.record.outcome
        row.duration_ms = done.record.duration_ms
        row.signature = self.sign(row)
        return row

    def prepare(
        self, session: Session, records: Sequence[CallRecord]
    ) -> dict[str, int]:
        """Write the records of calls about to be made in ``session`` (the sender's
        own transaction, e.g. the outbox's lease of a batch): one commit for a whole
        batch instead of one per call. Returns their ids by idempotency key; hand
        them to :meth:`expect` once that transaction has committed."""
        rows = {
            rec.idempotency_key: self._row(rec)
            for rec in records
            if rec.idempotency_key is not None
        }
        session.add_all(rows.values())
        session.flush()
        return {key: row.id for key, row in rows.items()}

    def expect(self, prepared: dict[str, int]) -> None:
        """The calls with these keys already have their committed records: their
        :meth:`begin` returns that record instead of writing one."""
        with self._prepared_lock:
            self._prepared.update(prepared)

    def forget(self, keys: Sequence[str]) -> list[int]:
        """Drop what :meth:`expect` kept for calls that were not made after all;
        the ids of their records (for :meth:`withdraw`)."""
        with self._prepared_lock:
            found = [self._prepared.pop(key, None) for key in keys]
        return [row_id for row_id in found if row_id is not None]

    def withdraw(self, session: Session, row_ids: Sequence[int]) -> None:
        """Prepared records of calls that were not made: outcome ``not_sent``,
        re-signed. (A sender that dies first leaves them ``attempting``, which
        is what a record of a call that may have been made says.)"""
        final = []
        for row_id in row_ids:
            row = session.get(ConnectorCall, row_id)
            if row is not None and row.outcome == ATTEMPTING:
                row.outcome = NOT_SENT
                row.signature = self.sign(row)
                final.append(row)
        self._final(session, final)

    def begin(self, record: CallRecord) -> int | None:
        """Write ``record`` (a call about to be made) and commit it now; its id.

        A call whose record was prepared with its batch gets that record's id
        without a write. Without sessions the record waits for :meth:`end` (and is
        buffered then). An error here propagates: a call that cannot be recorded is
        not made.
        """
        if record.idempotency_key is not None:
            with self._prepared_lock:
                prepared = self._prepared.pop(record.idempotency_key, None)
            if prepared is not None:
                return prepared
        if self.sessions is None or self.in_transaction():
            return None
        with self.sessions.begin() as session:
            row = self._row(record)
            session.add(row)
            session.flush()
            return row.id

    def end(self, handle: object, record: CallRecord) -> None:
        """Complete the row :meth:`begin` wrote with the call's outcome — in the
        thread's next transaction, like any other record (the outbox's, which
        records the delivery): one commit fewer per call. Until then, and for good
        if the process dies first, the row says ``attempting``, which is true: the
        call may have reached the other side."""
        if isinstance(handle, int):
            self._buffer().append(Completion(handle, record))
        else:
            self(record)

    def _row(self, rec: CallRecord) -> ConnectorCall:
        row = ConnectorCall(
            at=rec.at,
            operator=rec.operator,
            system=rec.system,
            mode=rec.mode,
            instance_id=rec.instance_id,
            municipality=rec.municipality,
            element_id=rec.element_id,
            actor=rec.actor,
            outcome=rec.outcome,
            duration_ms=rec.duration_ms,
            attempt=rec.attempt,
            signature="",
            subject_hash=self._subject(rec),
        )
        row.signature = self.sign(row)
        return row

    def _subject(self, rec: CallRecord) -> str | None:
        if self.vault is None or not rec.subjects:
            return None
        return self.vault.lookup_hash(rec.subjects[0])

    def sign(self, row: ConnectorCall) -> str:
        fields: tuple[str, ...] = (
            row.at.isoformat(),
            row.operator,
            row.system,
            row.mode,
            row.instance_id or "",
            row.municipality or "",
            row.element_id or "",
            row.actor or "",
            row.outcome,
            f"{row.duration_ms:.1f}",
            str(row.attempt),
        )
        if row.subject_hash:  # rows without a subject sign as they did before
            fields = (*fields, row.subject_hash)
        return hmac.new(self._key, "\x1f".join(fields).encode(), "sha256").hexdigest()

    def calls_about(
        self, session: Session, identifier: str, municipality: str
    ) -> list[ConnectorCall]:
        """The municipality's calls about the person (or company) ``identifier``,
        newest first — found by its look-up hash: "who fetched or sent my data" is
        answered without the code being stored."""
        if self.vault is None:
            return []
        return list(
            session.scalars(
                select(ConnectorCall)
                .where(
                    ConnectorCall.subject_hash == self.vault.lookup_hash(identifier),
                    ConnectorCall.municipality == municipality,
                )
                .order_by(ConnectorCall.at.desc(), ConnectorCall.id.desc())
            )
        )

    def verify(self, session: Session) -> list[int]:
        """Ids of the rows whose signature no longer matches (empty: intact)."""
        bad = []
        for row in session.scalars(select(ConnectorCall).order_by(ConnectorCall.id)):
            if not hmac.compare_digest(row.signature, self.sign(row)):
                bad.append(row.id)
        return bad
