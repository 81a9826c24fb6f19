# SPDX-License-Identifier: EUPL-1.2
"""The central audit chain: appends, verification, and every kind of tampering
(altered, removed, inserted, reordered, rewritten after a signed checkpoint)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from domain.audit import checkpoints
from domain.audit.chain import GENESIS, Event, append, append_many, digest, verify
from domain.audit.models import AuditHead, AuditRecord
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0

CODE = "161175-19997"


def _fill(session: Session, platform: Platform, n: int = 5) -> list[AuditRecord]:
    return append_many(
        session,
        [
            Event(
                action="case.opened",
                actor=f"user{i}",
                municipality=MUNI,
                subject_kind="case",
                subject_id=f"RIGA/2026/{i}",
                person=CODE if i == 2 else None,
                details={"note": f"opened {i}", "code": CODE},
                at=T0 + timedelta(minutes=i),
            )
            for i in range(1, n + 1)
        ],
        platform.pii,
    )


def test_records_link_per_municipality_and_keep_no_personal_code(
    db_session: Session, platform: Platform
) -> None:
    records = _fill(db_session, platform, 3)
    other = append(
        db_session,
        Event(action="signin.success", actor="anna", municipality=OTHER_MUNI),
    )
    platform_wide = append(db_session, Event(action="signin.failure", actor="x"))
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS
    assert records[1].prev_hash == records[0].hash
    assert records[2].prev_hash == records[1].hash
    assert (other.seq, other.prev_hash) == (1, GENESIS)
    assert (platform_wide.municipality, platform_wide.seq) == ("*", 1)
    assert records[1].person_hash == platform.pii.lookup_hash("16117519997")
    stored = json.dumps([r.details for r in records]) + str(records[1].person_hash)
    assert "19997" not in stored and "161175" not in stored
    head = db_session.get(AuditHead, MUNI)
    assert head is not None and (head.seq, head.hash) == (3, records[2].hash)
    db_session.expire_all()
    for record in db_session.scalars(select(AuditRecord)):
        assert digest(record) == record.hash  # what was stored is what was hashed
    report = verify(db_session)
    assert report.ok, report.findings
    assert report.chains == {MUNI: 3, OTHER_MUNI: 1, "*": 1}


def _problems(
    session: Session, points: Sequence[dict[str, object]] = ()
) -> set[tuple[str, int | None]]:
    session.expire_all()
    return {(f.problem, f.seq) for f in verify(session, points, MUNI).findings}


def test_an_altered_record_is_found(db_session: Session, platform: Platform) -> None:
    _fill(db_session, platform)
    db_session.execute(
        update(AuditRecord)
        .where(AuditRecord.municipality == MUNI, AuditRecord.seq == 3)
        .values(actor="someone-else")
    )
    assert _problems(db_session) == {("altered", 3)}


def test_an_altered_and_rehashed_record_breaks_the_next_link(
    db_session: Session, platform: Platform
) -> None:
    records = _fill(db_session, platform)
    target = records[2]
    target.actor = "someone-else"
    target.hash = digest(target)
    db_session.flush()
    assert _problems(db_session) == {("broken_link", 4)}


def test_a_removed_record_is_found(db_session: Session, platform: Platform) -> None:
    _fill(db_session, platform)
    db_session.execute(
        delete(AuditRecord).where(
            AuditRecord.municipality == MUNI, AuditRecord.seq == 2
        )
    )
    assert _problems(db_session) == {("missing", 2)}


def test_a_removed_last_record_is_found_by_the_head(
    db_session: Session, platform: Platform
) -> None:
    _fill(db_session, platform)
    db_session.execute(
        delete(AuditRecord).where(
            AuditRecord.municipality == MUNI, AuditRecord.seq == 5
        )
    )
    assert _problems(db_session) == {("head_mismatch", 5)}


def test_reordered_records_are_found(db_session: Session, platform: Platform) -> None:
    _fill(db_session, platform)
    # Swap the sequence numbers of records 2 and 3 (through a free number).
    for old, new in ((2, 99), (3, 2), (99, 3)):
        db_session.execute(
            update(AuditRecord)
            .where(AuditRecord.municipality == MUNI, AuditRecord.seq == old)
            .values(seq=new)
        )
    problems = _problems(db_session)
    assert ("altered", 2) in problems and ("altered", 3) in problems
    assert ("broken_link", 2) in problems


def test_an_inserted_record_is_found(db_session: Session, platform: Platform) -> None:
    records = _fill(db_session, platform)
    # Shift 4 and 5 up and slip a forged record in as 4, correctly linked and hashed.
    for old in (5, 4):
        db_session.execute(
            update(AuditRecord)
            .where(AuditRecord.municipality == MUNI, AuditRecord.seq == old)
            .values(seq=old + 1)
        )
    forged = AuditRecord(
        municipality=MUNI,
        seq=4,
        at=T0,
        actor="forger",
        action="case.opened",
        subject_kind="case",
        subject_id="X",
        person_hash=None,
        system="pkip",
        idempotency_key=None,
        details={},
        prev_hash=records[2].hash,
    )
    forged.hash = digest(forged)
    db_session.add(forged)
    db_session.flush()
    problems = _problems(db_session)
    assert ("altered", 5) in problems or ("broken_link", 5) in problems
    assert ("head_mismatch", 5) in problems


def test_a_chain_rewritten_after_a_checkpoint_is_found(
    db_session: Session, platform: Platform, tmp_path: Path
) -> None:
    records = _fill(db_session, platform)
    checkpoints.checkpoint(db_session, platform.audit_key, tmp_path)
    points, bad = checkpoints.read(tmp_path, platform.audit_key)
    assert not bad and {(p["municipality"], p["seq"]) for p in points} == {(MUNI, 5)}
    assert _problems(db_session, points) == set()
    # Rewrite record 2 and re-hash the whole chain after it, head included: the
    # chain is consistent again, only the signed checkpoint knows better.
    records[1].actor = "someone-else"
    prev = records[0].hash
    for record in records[1:]:
        record.prev_hash = prev
        record.hash = prev = digest(record)
    head = db_session.get(AuditHead, MUNI)
    assert head is not None
    head.hash = prev
    db_session.flush()
    assert _problems(db_session) == set()
    assert _problems(db_session, points) == {("checkpoint_mismatch", 5)}
    # Truncating the chain below a checkpoint is found too.
    db_session.execute(
        delete(AuditRecord).where(
            AuditRecord.municipality == MUNI, AuditRecord.seq >= 4
        )
    )
    head.seq, head.hash = 3, records[2].hash
    db_session.flush()
    assert _problems(db_session, points) == {("checkpoint_beyond_head", 5)}


def test_checkpoint_lines_are_signed_and_forged_ones_refused(
    db_session: Session, platform: Platform, tmp_path: Path
) -> None:
    _fill(db_session, platform, 2)
    checkpoints.checkpoint(db_session, platform.audit_key, tmp_path)
    # Unchanged chains are not signed again.
    assert checkpoints.checkpoint(db_session, platform.audit_key, tmp_path) == []
    path = tmp_path / checkpoints.FILE_NAME
    line = json.loads(path.read_text().splitlines()[0])
    line["hash"] = "f" * 64
    with path.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    good, bad = checkpoints.read(tmp_path, platform.audit_key)
    assert len(good) == 1
    assert [(b.line, b.reason) for b in bad] == [(2, "the signature does not match")]
    other_key = checkpoints.parse_key(checkpoints.new_key(), env="test")
    assert checkpoints.read(tmp_path, other_key)[0] == []


def test_the_audit_key_is_required_in_production() -> None:
    with pytest.raises(checkpoints.AuditKeyError, match="PKIP_AUDIT_KEY"):
        checkpoints.parse_key("", env="production")
    with pytest.raises(checkpoints.AuditKeyError, match="needs 32 bytes"):
        checkpoints.parse_key("c2hvcnQ", env="test")
    assert len(checkpoints.parse_key("", env="development", warn=False)) == 32


def test_concurrent_appends_queue_without_gaps(committed: Platform) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                with committed.transaction() as session:
                    append(
                        session,
                        Event(action="t", actor=f"w{n}-{i}", municipality=MUNI),
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with committed.transaction() as session:
        seqs = list(
            session.scalars(
                select(AuditRecord.seq)
                .where(AuditRecord.municipality == MUNI)
                .order_by(AuditRecord.seq)
            )
        )
        assert seqs == list(range(1, 21))
        assert verify(session).ok
