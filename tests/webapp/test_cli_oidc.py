# SPDX-License-Identifier: EUPL-1.2
"""``pkip oidc``: a signing key, registering a system and listing them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from domain.models import Municipality
from domain.oidc.keys import load_signing_key
from pkip.platform import Platform
from tests.conftest import MUNI
from webapp.cli import main


@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    with committed.transaction() as db:
        db.add(Municipality(code=MUNI, name="Rīga", atvk=None))
    return CliRunner()


def test_new_key_prints_a_key_production_accepts(cli: CliRunner) -> None:
    pem = cli.invoke(main, ["oidc", "new-key"]).output
    assert load_signing_key(pem, env="production").kid


def test_register_prints_the_secret_once_and_lists_the_system(cli: CliRunner) -> None:
    done = cli.invoke(
        main,
        [
            "oidc",
            "register",
            "--name",
            "Sēžu sistēma",
            "--municipality",
            MUNI,
            "--redirect-uri",
            "https://sedes.riga.lv/cb",
            "--backchannel-uri",
            "https://sedes.riga.lv/logout",
        ],
    )
    assert done.exit_code == 0, done.output
    client_id = done.output.splitlines()[0].removeprefix("client_id: ")
    assert done.output.splitlines()[1].startswith("client_secret: ")
    listed = cli.invoke(main, ["oidc", "clients"]).output
    assert client_id in listed and "confidential\tactive\tSēžu sistēma" in listed
    assert "client_secret" not in listed


def test_register_names_the_wrong_option(cli: CliRunner) -> None:
    bad = cli.invoke(
        main,
        [
            "oidc",
            "register",
            "--name",
            "X",
            "--municipality",
            MUNI,
            "--redirect-uri",
            "sedes.riga.lv/cb",
        ],
    )
    assert (
        bad.exit_code != 0
        and "--redirect-uri" in bad.output
        and "not_absolute" in bad.output
    )
