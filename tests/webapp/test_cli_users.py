# SPDX-License-Identifier: EUPL-1.2
"""``pkip users …`` and ``pkip departments …``: the same rules and log as the
pages, Latvian messages, exit code 1 on a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from domain.accounts import services as accounts
from domain.accounts.models import AdminLogEntry
from domain.models import Municipality
from pkip.platform import Platform
from tests.conftest import MUNI
from webapp.cli import main


@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    with committed.transaction() as db:
        db.add(Municipality(code=MUNI, name="Rīga"))
        db.flush()
        accounts.ensure_department(db, MUNI, "lietvedis", "Lietvedība")
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, [*args[:2], "-m", MUNI, *args[2:]])
    return result.exit_code, result.output


def test_users_create_roles_disable_enable_list(
    cli: CliRunner, committed: Platform
) -> None:
    code, out = _run(
        cli,
        "users",
        "create",
        "jberzins",
        "--name",
        "Jānis Bērziņš",
        "-r",
        "specialist",
        "-d",
        "lietvedis",
    )
    assert code == 0, out
    assert "izveidots: jberzins" in out and "vienreizējā parole: " in out
    password = out.split("vienreizējā parole: ")[1].split()[0]
    with committed.transaction() as db:
        assert accounts.check_password(db, "jberzins", password) is not None

    code, out = _run(cli, "users", "roles", "jberzins", "--add", "analyst,finance")
    assert (code, out.strip()) == (0, "jberzins: analyst, finance, specialist")
    code, out = _run(cli, "users", "roles", "jberzins", "--add", "burvis")
    assert code == 1 and "roles: nezināma loma (burvis)" in out
    code, out = _run(cli, "users", "disable", "jberzins")
    assert code == 0 and "atspējots: jberzins" in out
    code, out = _run(cli, "users", "list")
    assert "jberzins" in out and "atspējots" in out and "lietotāji: 1" in out
    code, out = _run(cli, "users", "list", "--active-only")
    assert "lietotāji: 0" in out
    assert _run(cli, "users", "enable", "jberzins")[0] == 0
    code, out = _run(cli, "users", "disable", "nav-tada")
    assert code == 1 and "pašvaldībā nav tāda lietotāja" in out
    with committed.transaction() as db:
        log = db.scalars(select(AdminLogEntry.action).order_by(AdminLogEntry.id)).all()
        actors = set(db.scalars(select(AdminLogEntry.actor)).all())
    assert log == ["user.create", "user.update", "user.disable", "user.enable"]
    assert all(a.startswith("cli:") for a in actors)


def test_users_import(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("lietotājvārds;vārds_uzvārds;lomas\na1;A;burvis\n", "utf-8")
    code, out = _run(cli, "users", "import", str(bad))
    assert code == 1
    assert "2. rinda, kolonna “lomas”: nezināma loma: burvis" in out
    assert "nekas nav importēts: 1 kļūda(s)" in out
    good = tmp_path / "good.csv"
    good.write_text("lietotājvārds;vārds_uzvārds\na1;Anna\nb2;Berta\n", "utf-8")
    code, out = _run(cli, "users", "import", str(good))
    assert code == 0 and "importēti: 2" in out


def test_departments_create_members_head_list(cli: CliRunner) -> None:
    _run(cli, "users", "create", "ilze", "--name", "Ilze")
    code, out = _run(
        cli, "departments", "create", "buvvalde", "Būvvalde", "--head", "ilze"
    )
    assert (code, out.strip()) == (0, "izveidota: buvvalde")
    code, out = _run(cli, "departments", "members", "buvvalde", "--add", "ilze")
    assert (code, out.strip()) == (0, "buvvalde: ilze")
    code, out = _run(cli, "departments", "head", "buvvalde", "--none")
    assert (code, out.strip()) == (0, "buvvalde: -")
    code, out = _run(cli, "departments", "list")
    assert "buvvalde" in out and "Būvvalde" in out and "lietvedis" in out
    code, out = _run(cli, "departments", "create", "buvvalde", "Cita")
    assert code == 1 and "nodaļa ar šādu atslēgu jau ir" in out
    code, out = _run(cli, "departments", "members", "nav", "--add", "ilze")
    assert code == 1 and "pašvaldībā nav tādas nodaļas" in out


def test_an_unknown_municipality_is_refused(cli: CliRunner) -> None:
    result = cli.invoke(main, ["users", "list", "-m", "NAV"])
    assert result.exit_code == 1 and "nav pašvaldības 'NAV'" in result.output
