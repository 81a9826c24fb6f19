# SPDX-License-Identifier: EUPL-1.2
"""Connector calls go into the central audit chain with their final outcome, in
the transaction that records them: the outbox's batches and the calls made inside
a transaction alike; found by case and person."""

from __future__ import annotations

from sqlalchemy import select

from connectors.models import ConnectorCall
from domain.audit.chain import verify
from domain.audit.models import AuditRecord
from pkip.audit import ACTION
from pkip.platform import Platform
from tests.conftest import MUNI


def test_every_final_call_record_is_chained(committed: Platform) -> None:
    from core.contracts import CallContext

    context = CallContext(instance_id=None, municipality=MUNI, element_id="lookup")
    with committed.transaction() as session:
        committed.connectors.call("ldc.dogs", {"owner_code": "161175-19997"}, context)
    with committed.transaction(readonly=True) as session:
        calls = session.scalars(select(ConnectorCall)).all()
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.action == ACTION)
        ).all()
        assert len(calls) == 1 and len(records) == 1
        record = records[0]
        assert record.municipality == MUNI and record.system == calls[0].system
        assert record.details["call_id"] == calls[0].id
        assert record.details["outcome"] == calls[0].outcome
        assert record.person_hash == committed.pii.lookup_hash("16117519997")
        assert verify(session).ok


def test_prepared_batch_records_are_chained_when_completed_or_withdrawn(
    committed: Platform,
) -> None:
    """The outbox's "attempting" rows (written with its lease) are chained once, when
    their outcome is final: the call's, or ``not_sent``."""
    from connectors.audit import NOT_SENT
    from connectors.registry import Operator, Registry
    from core.contracts import CallContext

    trail = committed.audit
    registry = Registry(audit=trail)
    registry.register(
        Operator(
            name="t.send",
            system="t",
            description="a test send",
            mode="simulated",
            func=lambda params, context: "ok",
            kind="command",
        )
    )
    contexts = [
        CallContext(instance_id=f"inst-{n}", municipality=MUNI, idempotency_key=k)
        for n, k in enumerate(("key-a", "key-b"))
    ]
    with committed.transaction() as s:
        prepared = trail.prepare(
            s, [registry.attempt_record("t.send", {}, c) for c in contexts]
        )
        trail.expect(prepared)
    with committed.transaction(readonly=True) as s:
        assert s.scalars(select(AuditRecord)).all() == []  # nothing final yet
    with committed.transaction():
        registry.call("t.send", {}, contexts[0])
    with committed.transaction() as s:
        trail.withdraw(s, trail.forget(["key-a", "key-b"]))
    with committed.transaction(readonly=True) as s:
        records = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [(r.subject_id, r.details["outcome"]) for r in records] == [
            ("inst-0", "ok"),
            ("inst-1", NOT_SENT),
        ]
        assert {r.subject_kind for r in records} == {"instance"}
        assert verify(s).ok
