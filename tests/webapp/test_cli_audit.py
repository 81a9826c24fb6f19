# SPDX-License-Identifier: EUPL-1.2
"""``pkip audit``: a key, signed checkpoints in the export directory, and verify
finding a record altered in the database and a chain rewritten after a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from domain.audit.chain import Event, append_many, digest
from domain.audit.checkpoints import FILE_NAME, parse_key
from domain.audit.models import AuditHead, AuditRecord
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from webapp.cli import main


@pytest.fixture
def cli(
    committed: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    monkeypatch.setenv("PKIP_AUDIT_EXPORT_DIR", str(tmp_path / "audit"))
    monkeypatch.delenv("PKIP_AUDIT_KEY", raising=False)
    return CliRunner()


def _fill(platform: Platform) -> None:
    with platform.transaction() as s:
        append_many(
            s,
            [
                Event(action="case.opened", actor=f"u{i}", municipality=m)
                for i in range(3)
                for m in (MUNI, OTHER_MUNI)
            ],
        )


def test_new_key_is_a_usable_key(cli: CliRunner) -> None:
    key = cli.invoke(main, ["audit", "new-key"]).output.strip()
    assert len(parse_key(key, env="production")) == 32


def test_checkpoint_then_verify_finds_tampering(
    cli: CliRunner, committed: Platform, tmp_path: Path
) -> None:
    _fill(committed)
    done = cli.invoke(main, ["audit", "checkpoint"])
    assert done.exit_code == 0, done.output
    assert "2 checkpoint(s)" in done.output
    assert (tmp_path / "audit" / FILE_NAME).exists()
    ok = cli.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output and "2 signed checkpoint(s)" in ok.output

    # Someone rewrites MUNI's record 2 and re-hashes the chain after it.
    with committed.transaction() as s:
        records = (
            s.query(AuditRecord)
            .filter(AuditRecord.municipality == MUNI)
            .order_by(AuditRecord.seq)
            .all()
        )
        records[1].actor = "someone-else"
        prev = records[0].hash
        for record in records[1:]:
            record.prev_hash = prev
            record.hash = prev = digest(record)
        s.execute(
            update(AuditHead).where(AuditHead.municipality == MUNI).values(hash=prev)
        )
    found = cli.invoke(main, ["audit", "verify"])
    assert found.exit_code == 1
    assert f"TAMPERED {MUNI} #3: checkpoint_mismatch" in found.output
    # Without the exported checkpoints the rewrite would pass: that is their point.
    empty = tmp_path / "none.jsonl"
    empty.touch()
    blind = cli.invoke(main, ["audit", "verify", "--checkpoints", str(empty)])
    assert blind.exit_code == 0, blind.output

    # A plain edit without re-hashing is found by the chain itself.
    with committed.transaction() as s:
        s.execute(
            update(AuditRecord)
            .where(AuditRecord.municipality == OTHER_MUNI, AuditRecord.seq == 1)
            .values(action="nothing")
        )
    one = cli.invoke(main, ["audit", "verify", "--municipality", OTHER_MUNI])
    assert one.exit_code == 1 and f"{OTHER_MUNI} #1: altered" in one.output
