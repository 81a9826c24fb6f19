# SPDX-License-Identifier: EUPL-1.2
"""``pkip pii``: new keys, rotation and the retention purge from the command line."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from core.pii import development_keys, new_key, parse_keys
from domain import cases
from engine.clock import ManualClock
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, T0
from webapp.cli import main

CODE = "161175-19997"


@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    monkeypatch.delenv("PKIP_PII_KEYS", raising=False)
    monkeypatch.delenv("PKIP_PII_HASH_KEY", raising=False)
    return CliRunner()


def _start_case(platform: Platform) -> str:
    with platform.transaction() as s:
        case = cases.start_case(
            platform.engine(s),
            s,
            "dog_fee",
            municipality=MUNI,
            data={"is_pensioner": False, "has_disability": False},
            actor="tests",
            client=cases.Client("Jānis Bērziņš", CODE),
            channel=cases.OFFICE,
        )
        return case.number


def test_new_key_prints_a_usable_key(cli: CliRunner) -> None:
    key = cli.invoke(main, ["pii", "new-key"]).output.strip()
    assert parse_keys(f"k9:{key}")[0][0] == "k9"
    assert key != cli.invoke(main, ["pii", "new-key"]).output.strip()


def test_rotate_re_encrypts_under_the_newest_key(
    cli: CliRunner, committed: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed.deploy([PROCESS_DIR])
    _start_case(committed)
    _start_case(committed)
    _, [(dev_id, dev_key)] = development_keys()
    dev = base64.urlsafe_b64encode(dev_key).decode()
    monkeypatch.setenv("PKIP_PII_KEYS", f"k2:{new_key()},{dev_id}:{dev}")
    result = cli.invoke(main, ["pii", "rotate"])
    assert result.exit_code == 0, result.output
    assert "service_cases.client_identifier_sealed: 2" in result.output
    assert "process_instances.state: 2" in result.output
    with committed.transaction() as s:
        sealed = s.scalars(select(cases.ServiceCase.client_identifier_sealed)).all()
        states = s.execute(text("SELECT state FROM process_instances")).scalars()
        assert all(v.startswith("pii1:k2:") for v in [*sealed, *states])
    again = cli.invoke(main, ["pii", "rotate"])
    assert "key k2: 0 value(s) renewed" in again.output


def test_purge_dry_run_then_erase(
    cli: CliRunner, committed: Platform, clock: ManualClock
) -> None:
    committed.deploy([PROCESS_DIR])
    clock.now = T0 - timedelta(days=3 * 366)
    number = _start_case(committed)
    with committed.transaction() as s:
        case = cases.get_case(s, number, MUNI)
        engine = committed.engine(s)
        engine.cancel(case.instance_id, actor="tests", municipality=MUNI)
        cases.refresh_status(s, case, now=engine.now())
    clock.now = T0
    kept = _start_case(committed)

    dry = cli.invoke(main, ["pii", "purge", "--dry-run", "--years", "2"])
    assert dry.exit_code == 0, dry.output
    assert "would erase 1 case(s)" in dry.output and number in dry.output
    with committed.transaction() as s:
        assert cases.get_case(s, number, MUNI).purged_at is None

    done = cli.invoke(main, ["pii", "purge", "--years", "2"])
    assert "erased 1 case(s)" in done.output
    with committed.transaction() as s:
        purged = cases.get_case(s, number, MUNI)
        assert purged.purged_at is not None and purged.client_name == ""
        assert cases.get_case(s, kept, MUNI).purged_at is None
    bad = cli.invoke(main, ["pii", "purge", "--years", "0"])
    assert bad.exit_code == 2 and "--years" in bad.output
