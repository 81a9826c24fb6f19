# SPDX-License-Identifier: EUPL-1.2
"""Directory users sign in with the directory's password (a bind against a real
OpenLDAP); the directory being down stops only them, with a Latvian message;
``pkip directory`` configures, maps and syncs, and a failed sync changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.systems.ldap import LdapClient
from domain.accounts import directory
from domain.accounts import services as accounts
from domain.accounts.admin import Admin
from domain.accounts.models import AdminLogEntry, User
from domain.models import Municipality
from pkip.directory import settings_of
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.ldap_server import PASSWORDS, RIGA, SERVICE_DN, SERVICE_PASSWORD, free_port
from tests.webapp.conftest import PASSWORD, WebClient
from webapp.cli import main

PASSWORD_ENV = "PKIP_TEST_LDAP_PASSWORD"
DOWN_MESSAGE = "Pašvaldības lietotāju katalogs nav sasniedzams"


@pytest.fixture
def synced(
    db_session: Session,
    municipalities: tuple[str, str],
    slapd: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    monkeypatch.setenv(PASSWORD_ENV, SERVICE_PASSWORD)
    admin = Admin("andris", MUNI)
    config = directory.save_config(
        db_session,
        admin,
        url=slapd.url,
        user_base=f"ou=people,{RIGA}",
        group_base=f"ou=groups,{RIGA}",
        bind_dn=SERVICE_DN,
        password_env=PASSWORD_ENV,
    )
    directory.add_mapping(
        db_session, admin, f"cn=specialisti,ou=groups,{RIGA}", "role", "specialist"
    )
    people = LdapClient(settings_of(config)).people()
    directory.sync(db_session, MUNI, people)
    return config


def _login(client: WebClient, username: str, password: str) -> Any:
    return client.submit("/login", {"username": username, "password": password})


def test_directory_user_signs_in_with_the_directory_password(
    client: WebClient, synced: Any, db_session: Session
) -> None:
    page = _login(client, "anna.liepa", PASSWORDS["anna.liepa"])
    assert page.status_code == 302 and page.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Anna Liepa" in home
    user = accounts.find_user(db_session, "anna.liepa")
    assert user is not None
    db_session.refresh(user)
    assert user.last_login_at is not None
    # The password lives in the directory: the password page says so.
    moved = client.get("/password")
    assert moved.status_code == 302
    landed = client.get(moved.headers["Location"], follow_redirects=True)
    assert "lietotāju katalogā" in landed.get_data(as_text=True)


def test_wrong_directory_password_is_refused(client: WebClient, synced: Any) -> None:
    page = _login(client, "anna.liepa", "nepareiza-parole")
    assert page.status_code == 200
    assert "Nepareizs lietotājvārds vai parole" in page.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_directory_down_local_accounts_still_sign_in(
    client: WebClient,
    app: Any,
    synced: Any,
    db_session: Session,
    make_user: Callable[..., User],
) -> None:
    make_user("vietejais")
    synced.url = f"ldap://127.0.0.1:{free_port()}"  # nobody listens there
    db_session.flush()
    page = _login(client, "anna.liepa", PASSWORDS["anna.liepa"])
    assert page.status_code == 503
    assert DOWN_MESSAGE in page.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    local = app.test_client()
    assert _login(local, "vietejais", PASSWORD).status_code == 302
    assert local.get("/profile").status_code == 200


# -- the CLI ---------------------------------------------------------------------------
@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch, slapd: Any) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    monkeypatch.setenv(PASSWORD_ENV, SERVICE_PASSWORD)
    with committed.transaction() as db:
        db.add(Municipality(code=MUNI, name="Rīga"))
        db.flush()
        accounts.ensure_department(db, MUNI, "lietvedis", "Lietvedība")
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, ["directory", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_cli_configures_maps_and_syncs(
    cli: CliRunner, committed: Platform, slapd: Any
) -> None:
    code, out = _run(
        cli,
        "configure",
        "-m",
        MUNI,
        "--url",
        slapd.url,
        "--user-base",
        f"ou=people,{RIGA}",
        "--group-base",
        f"ou=groups,{RIGA}",
        "--bind-dn",
        SERVICE_DN,
        "--password-env",
        PASSWORD_ENV,
        "--disabled-group",
        f"cn=atspejoti,ou=groups,{RIGA}",
    )
    assert code == 0, out
    code, out = _run(
        cli,
        "map",
        "-m",
        MUNI,
        f"cn=lietvedis,ou=groups,{RIGA}",
        "--department",
        "lietvedis",
    )
    assert code == 0, out
    code, out = _run(cli, "map", "-m", MUNI, "cn=x,dc=y", "--role", "platform_admin")
    assert code == 1 and "platformas administratora lomu no kataloga nepiešķir" in out
    code, out = _run(
        cli, "configure", "-m", MUNI, "--url", "http://x", "--user-base", "ou=p,dc=x"
    )
    assert code == 1 and "url: jābūt ldap://" in out

    code, out = _run(cli, "sync", "-m", MUNI)
    assert code == 0, out
    assert "izveidoti 3" in out and "izveidots: anna.liepa" in out
    code, out = _run(cli, "sync")
    assert code == 0 and "izveidoti 0" in out and "bez izmaiņām 3" in out
    with committed.transaction() as db:
        anna = accounts.find_user(db, "anna.liepa")
        assert anna is not None and anna.department_keys == {"lietvedis"}
        actors = set(db.scalars(select(AdminLogEntry.actor)))
        assert "directory" in actors and any(a.startswith("cli:") for a in actors)
    code, out = _run(cli, "show", "-m", MUNI)
    assert code == 0 and "lietvedis" in out

    # The directory down: exit code 1, the reason recorded, nobody disabled.
    with committed.transaction() as db:
        config = directory.config_of(db, MUNI)
        assert config is not None
        config.url = f"ldap://127.0.0.1:{free_port()}"
    code, out = _run(cli, "sync", "-m", MUNI)
    assert code == 1 and "nekas netika mainīts" in out
    with committed.transaction() as db:
        active = db.scalars(
            select(User.username).where(
                User.source == "directory", User.active.is_(True)
            )
        ).all()
        assert sorted(active) == ["anna.liepa", "ilze", "janis.koks"]
        config = directory.config_of(db, MUNI)
        assert config is not None and "Unavailable" in config.last_error


# -- the administration page ---------------------------------------------------------
def test_admin_page_sets_maps_and_syncs(
    as_role: Callable[..., WebClient],
    db_session: Session,
    slapd: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SERVICE_PASSWORD)
    admin = as_role("municipality_admin")
    page = admin.get("/admin/directory/")
    assert page.status_code == 200 and "Katalogs (LDAP)" in page.get_data(as_text=True)
    settings = {
        "cfg-url": "http://nav-ldap",
        "cfg-preset": "openldap",
        "cfg-user_base": f"ou=people,{RIGA}",
        "cfg-group_base": f"ou=groups,{RIGA}",
        "cfg-bind_dn": SERVICE_DN,
        "cfg-password_env": PASSWORD_ENV,
        "cfg-timeout": "5",
        "cfg-enabled": "y",
    }
    refused = admin.submit("/admin/directory/", settings)
    assert refused.status_code == 422
    assert "ldap://resursdators:ports" in refused.get_data(as_text=True)
    assert directory.config_of(db_session, MUNI) is None
    settings["cfg-url"] = slapd.url
    assert admin.submit("/admin/directory/", settings).status_code == 302
    group = f"cn=specialisti,ou=groups,{RIGA}"
    done = admin.submit(
        "/admin/directory/maps",
        {"map-group_dn": group, "map-target": "role:specialist"},
    )
    assert done.status_code == 302
    hostile = admin.submit(
        "/admin/directory/maps",
        {"map-group_dn": group, "map-target": "role:platform_admin"},
    )
    assert hostile.status_code == 422
    synced = admin.submit("/admin/directory/sync", {}, follow_redirects=True)
    text = synced.get_data(as_text=True)
    assert "4 izveidoti" in text, text
    anna = accounts.find_user(db_session, "anna.liepa")
    assert anna is not None and anna.roles == {"specialist"}
    # Another municipality's administrator sees none of it.
    row = directory.mappings(db_session, MUNI)[0]
    other = as_role("municipality_admin", municipality="JELGAVA")
    assert other.submit(f"/admin/directory/maps/{row.id}/delete", {}).status_code == 404
    assert admin.submit(f"/admin/directory/maps/{row.id}/delete", {}).status_code == 302
    assert directory.mappings(db_session, MUNI) == []
