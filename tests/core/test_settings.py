# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import pytest

from core.pii import new_key
from core.settings import DEFAULT_SECRET, Settings, SettingsError, settings_table
from domain.oidc.keys import new_pem


def test_defaults_are_the_embedded_mode() -> None:
    s = Settings.from_env({})
    assert s.is_sqlite and s.broker_url == "" and s.env == "development"


def test_reads_and_converts_environment() -> None:
    s = Settings.from_env(
        {"PKIP_PORT": "8080", "PKIP_TIMER_INTERVAL": "1.5", "PKIP_ENV": "test"}
    )
    assert (s.port, s.timer_interval, s.env) == (8080, 1.5, "test")


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="PKIP_PORT"):
        Settings.from_env({"PKIP_PORT": "piecdesmit"})


@pytest.mark.parametrize(
    "env",
    [
        {"PKIP_ENV": "production", "PKIP_DATABASE_URL": "postgresql+psycopg://db/pkip"},
        {
            "PKIP_ENV": "production",
            "PKIP_SECRET_KEY": DEFAULT_SECRET,
            "PKIP_DATABASE_URL": "postgresql+psycopg://db/pkip",
        },
        {"PKIP_ENV": "production", "PKIP_SECRET_KEY": "x" * 40},
    ],
)
def test_production_refuses_unsafe_defaults(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


PRODUCTION = {
    "PKIP_ENV": "production",
    "PKIP_SECRET_KEY": "k" * 40,
    "PKIP_DATABASE_URL": "postgresql+psycopg://db/pkip",
    "PKIP_PII_HASH_KEY": new_key(),
    "PKIP_PII_KEYS": f"k1:{new_key()}",
    "PKIP_OIDC_SIGNING_KEY": new_pem(),
    "PKIP_AUDIT_KEY": new_key(),
}


def test_production_starts_with_a_real_secret_postgresql_and_pii_keys() -> None:
    s = Settings.from_env(PRODUCTION)
    assert not s.is_sqlite
    assert not s.pii_vault().uses_dev_keys


@pytest.mark.parametrize("missing", ["PKIP_PII_HASH_KEY", "PKIP_PII_KEYS"])
def test_production_refuses_to_start_without_pii_keys(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match="PKIP_PII_HASH_KEY and PKIP_PII_KEYS"):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("var", "value", "reason"),
    [
        ("PKIP_PII_HASH_KEY", "c2hvcnQ", "needs 32 bytes, got 5"),
        ("PKIP_PII_HASH_KEY", "***", "not base64"),
        ("PKIP_PII_KEYS", "no-id-here", "must be id:base64key"),
        ("PKIP_PII_KEYS", "a:" + "QQ" * 10, "needs 32 bytes"),
    ],
)
def test_malformed_pii_keys_are_refused_in_every_mode(
    var: str, value: str, reason: str
) -> None:
    with pytest.raises(SettingsError, match=f"{var}.*{reason}"):
        Settings.from_env({var: value})


def test_development_runs_on_public_dev_keys_with_a_loud_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="core.pii"):
        vault = Settings.from_env({}).pii_vault()
    assert vault.uses_dev_keys
    assert "PUBLIC DEVELOPMENT KEYS" in caplog.text


def test_the_command_line_refuses_production_without_pii_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from webapp.cli import main

    for var in ("PKIP_PII_HASH_KEY", "PKIP_PII_KEYS"):
        monkeypatch.delenv(var, raising=False)
    env = {k: v for k, v in PRODUCTION.items() if k != "PKIP_PII_KEYS"}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code != 0
    assert "PKIP_PII_HASH_KEY and PKIP_PII_KEYS: production needs both" in result.output


def test_configuration_table_lists_every_setting_with_help() -> None:
    table = settings_table()
    assert "`PKIP_DATABASE_URL`" in table and "`PKIP_SECRET_KEY`" in table
    assert all(line.count("|") == 4 for line in table.splitlines())


def test_readme_configuration_table_is_generated_from_the_declarations() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert settings_table() in readme, "run: pkip config, and paste it into README.md"


def test_script_memory_limit_is_megabytes_and_positive() -> None:
    assert Settings.from_env({}).script_memory_limit == 64
    s = Settings.from_env({"PKIP_SCRIPT_MEMORY_LIMIT": "16"})
    assert s.script_memory_limit == 16
    for bad in ("0", "-1", "šešpadsmit"):
        with pytest.raises(SettingsError, match="PKIP_SCRIPT_MEMORY_LIMIT"):
            Settings.from_env({"PKIP_SCRIPT_MEMORY_LIMIT": bad})
