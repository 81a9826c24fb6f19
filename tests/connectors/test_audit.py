# SPDX-License-Identifier: EUPL-1.2
"""Every connector call is audited — without personal data, and signed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from connectors.errors import NotFound
from connectors.models import ConnectorCall
from connectors.registry import CallRecord, audited_call
from core.contracts import CallContext
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine.factories import DOG_OWNER, dog_fee_start


@pytest.fixture(autouse=True)
def _no_pending_records(platform: Platform) -> Iterator[None]:
    """A call outside any transaction stays pending in the thread: start clean and
    leave nothing for the next test."""
    platform.audit.drain()
    yield
    platform.audit.drain()


def _rows(platform: Platform) -> list[ConnectorCall]:
    with platform.transaction() as s:
        return list(s.scalars(select(ConnectorCall).order_by(ConnectorCall.id)))


def test_a_service_task_call_is_audited_with_ids_only(committed: Platform) -> None:
    committed.deploy([PROCESS_DIR])
    with committed.transaction() as s:
        inst_id = (
            committed.engine(s)
            .start(
                "dog_fee", municipality=MUNI, data=dog_fee_start(), actor="iedzivotajs"
            )
            .id
        )
    [row] = [r for r in _rows(committed) if r.operator == "ldc.dogs"]
    assert (row.instance_id, row.municipality, row.element_id, row.actor) == (
        inst_id,
        MUNI,
        "check_ldc_dogs",
        "iedzivotajs",
    )
    assert row.outcome == "ok" and row.duration_ms >= 0 and row.attempt == 1
    values = " ".join(str(v) for v in vars(row).values())
    assert DOG_OWNER not in values and DOG_OWNER.replace("-", "") not in values
    with committed.transaction() as s:
        assert committed.audit.verify(s) == []


def test_the_audit_finds_calls_about_a_person_by_hash_only(committed: Platform) -> None:
    with committed.transaction():
        committed.connectors.call(
            "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
        committed.connectors.call(
            "ldc.dogs", {"owner_code": "010101-10006"}, CallContext(municipality=MUNI)
        )
    with committed.transaction() as s:
        [row] = committed.audit.calls_about(s, DOG_OWNER.replace("-", ""), MUNI)
        assert row.subject_hash == committed.pii.lookup_hash(DOG_OWNER)
        assert committed.audit.calls_about(s, DOG_OWNER, "CITA") == []
        assert committed.audit.verify(s) == []
        s.execute(  # the subject is signed too
            update(ConnectorCall)
            .where(ConnectorCall.id == row.id)
            .values(subject_hash=None)
        )
        assert committed.audit.verify(s) == [row.id]


def test_calls_in_a_rolled_back_transaction_are_still_audited(
    committed: Platform,
) -> None:
    with pytest.raises(RuntimeError), committed.transaction():
        committed.connectors.call(
            "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
        raise RuntimeError("the step failed after the call")
    assert [r.operator for r in _rows(committed)] == ["ldc.dogs"]


def test_a_changed_row_no_longer_verifies(committed: Platform) -> None:
    with committed.transaction():
        for _ in range(2):
            committed.connectors.call(
                "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
            )
    rows = _rows(committed)
    with committed.transaction() as s:
        s.execute(
            update(ConnectorCall)
            .where(ConnectorCall.id == rows[1].id)
            .values(outcome="not_found")
        )
    with committed.transaction() as s:
        assert committed.audit.verify(s) == [rows[1].id]


def test_soap_envelopes_stay_out_of_debug_logs(
    committed: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        committed.connectors.call(
            "pmlp.person", {"personal_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
    assert (
        DOG_OWNER not in caplog.text and DOG_OWNER.replace("-", "") not in caplog.text
    )


def test_audited_call_records_the_outcome_and_lets_the_error_through() -> None:
    records: list[CallRecord] = []
    context = CallContext(instance_id="i-1", municipality=MUNI, actor="depp-poll")

    def call(error: BaseException | None) -> None:
        with audited_call(
            records.append,
            "depp.get_message",
            system="DEPP",
            mode="simulated",
            context=context,
        ):
            if error is not None:
                raise error

    call(None)
    with pytest.raises(NotFound):
        call(NotFound("gone"))
    with pytest.raises(ValueError):
        call(ValueError("a bug"))
    assert [r.outcome for r in records] == ["ok", "not_found", "error"]
    assert {(r.operator, r.system, r.instance_id, r.actor) for r in records} == {
        ("depp.get_message", "DEPP", "i-1", "depp-poll")
    }


def test_calls_outside_a_transaction_wait_for_write_pending(
    committed: Platform,
) -> None:
    for _ in range(2):
        committed.connectors.call(
            "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
    with committed.sessions() as session:
        assert session.scalars(select(ConnectorCall)).all() == []
    assert committed.audit.write_pending(committed.sessions) == 2
    assert [r.operator for r in _rows(committed)] == ["ldc.dogs", "ldc.dogs"]
    assert committed.audit.write_pending(committed.sessions) == 0


def test_records_that_could_not_be_written_stay_pending(
    committed: Platform, tmp_path: Path
) -> None:
    committed.connectors.call(
        "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
    )
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    with pytest.raises(OperationalError):
        committed.audit.write_pending(sessionmaker(bind=broken))
    broken.dispose()
    assert committed.audit.write_pending(committed.sessions) == 1
    assert [r.operator for r in _rows(committed)] == ["ldc.dogs"]


def test_records_prepared_with_a_batch_are_completed_by_their_calls(
    committed: Platform,
) -> None:
    """The outbox writes a batch's records with its lease (one commit); each call
    then completes its own record instead of writing one, and a record whose call
    was not made is withdrawn as ``not_sent``."""
    from connectors.audit import NOT_SENT
    from connectors.registry import ATTEMPTING, Operator, Registry

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
    assert [r.outcome for r in _rows(committed)] == [ATTEMPTING, ATTEMPTING]
    with committed.transaction():
        registry.call("t.send", {}, contexts[0])  # completes key-a's record
    unsent = trail.forget(["key-a", "key-b"])
    assert unsent == [prepared["key-b"]]
    with committed.transaction() as s:
        trail.withdraw(s, unsent)
    rows = _rows(committed)
    assert [(r.instance_id, r.outcome) for r in rows] == [
        ("inst-0", "ok"),
        ("inst-1", NOT_SENT),
    ]
    with committed.transaction() as s:
        assert trail.verify(s) == []
