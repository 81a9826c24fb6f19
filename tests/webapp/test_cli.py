# SPDX-License-Identifier: EUPL-1.2
"""The pkip command line against the test database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine import bpmn_snippets as b
from tests.engine.factories import TREE_REGISTRATION, ready_task
from webapp.cli import main


@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    return CliRunner()


def test_db_upgrade_deploy_and_redeploy(cli: CliRunner) -> None:
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = cli.invoke(main, ["deploy", str(PROCESS_DIR), "--by", "analitike"])
    assert first.exit_code == 0, first.output
    assert "deployed: dog_fee v1 (base)" in first.output
    again = cli.invoke(main, ["deploy", str(PROCESS_DIR)])
    assert "unchanged: dog_fee v1 (base)" in again.output
    variant = cli.invoke(main, ["deploy", str(PROCESS_DIR), "--municipality", MUNI])
    assert f"deployed: tree_felling v1 ({MUNI})" in variant.output


def test_deploy_errors_name_file_and_element(cli: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(b.linear("bad", b.user_task("no_such_form")))
    result = cli.invoke(main, ["deploy", str(bad)])
    assert result.exit_code == 1
    # Latvian first, English second, both naming the file and the element.
    assert (
        "bad.bpmn [work]: nezināma formas atslēga 'no_such_form'"
        " (unknown form key 'no_such_form')" in result.stderr
    )


def test_tasks_list_complete_and_instances_show(
    cli: CliRunner, committed: Platform
) -> None:
    committed.deploy([PROCESS_DIR])
    with committed.transaction() as s:
        inst_id = committed.engine(s).start("tree_felling", municipality=MUNI).id
        task_id = ready_task(s, inst_id, "register_application").id

    listing = cli.invoke(main, ["tasks", "list", "--group", "lietvedis"])
    assert task_id in listing.output and "Reģistrēt iesniegumu" in listing.output

    invalid = cli.invoke(
        main,
        ["tasks", "complete", task_id, "--user", "anna", "--data", '{"tree_count": 0}'],
    )
    assert invalid.exit_code == 1 and "tree_count:" in invalid.stderr

    done = cli.invoke(
        main,
        [
            "tasks",
            "complete",
            task_id,
            "--user",
            "anna",
            "--data",
            json.dumps(TREE_REGISTRATION),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "instance is running" in done.output

    listed = cli.invoke(main, ["instances", "list", "--municipality", MUNI])
    assert inst_id in listed.output and "tree_felling v1" in listed.output
    shown = json.loads(cli.invoke(main, ["instances", "show", inst_id]).output)
    assert shown["status"] == "running"
    assert ("task_completed", "register_application", "anna") in [
        (h["kind"], h["element"], h["actor"]) for h in shown["history"]
    ]
    assert cli.invoke(main, ["instances", "show", "nav-tada"]).exit_code == 1


def test_connectors_and_config(cli: CliRunner) -> None:
    ops = cli.invoke(main, ["connectors", "list"])
    assert "ldc.dogs" in ops.output and "simulated" in ops.output
    assert "PKIP_DATABASE_URL" in cli.invoke(main, ["config"]).output


def test_production_refuses_to_start_with_default_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PKIP_ENV", "production")
    monkeypatch.delenv("PKIP_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code != 0 and "PKIP_SECRET_KEY" in result.output


def test_setup_seeds_and_serve_ends_with_the_demo_users_and_the_address(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` is setup, then serve: the demo users, their password and the
    address are the last lines before the server's own."""
    from flask import Flask

    monkeypatch.setenv("PKIP_PROCESS_DIR", str(PROCESS_DIR))
    first = cli.invoke(main, ["setup"])
    assert first.exit_code == 0, first.output
    again = cli.invoke(main, ["setup"])
    assert again.exit_code == 0 and "unchanged: dog_fee v1 (base)" in again.output
    monkeypatch.setattr(Flask, "run", lambda *a, **k: None)  # the server's own
    served = cli.invoke(main, ["serve", "--no-jobs"])
    assert served.exit_code == 0, served.output
    lines = served.output.rstrip("\n").splitlines()
    assert lines[-1] == "PKIP: http://127.0.0.1:5000/"
    from domain.accounts.services import DEMO_USERS

    users = lines[-len(DEMO_USERS) - 2 : -1]
    assert users[0] == "demo users (password for all: demo-parole):"
    for username in ("lietvede", "vaditaja", "analitike", "admins", "vpvkac"):
        assert any(line.startswith(f"  {username} ") for line in users[1:])
    assert "platform_admin" in users[-1]
