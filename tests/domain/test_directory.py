# SPDX-License-Identifier: EUPL-1.2
"""The directory sync against a real OpenLDAP (tests/ldap_server.py): users made,
mapped, disabled and enabled again; Active Directory's attribute names through the
``ad`` preset; a second sync changes nothing; a bad read changes nothing; the
settings refuse what is wrong, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.errors import Unavailable
from connectors.systems.ldap import LdapClient
from domain.accounts import admin as administration
from domain.accounts import directory
from domain.accounts import services as accounts
from domain.accounts.admin import Admin
from domain.accounts.models import AdminLogEntry, User
from pkip.directory import settings_of
from tests.conftest import MUNI, OTHER_MUNI
from tests.ldap_server import (
    JELGAVA,
    PASSWORDS,
    RIGA,
    SERVICE_DN,
    SERVICE_PASSWORD,
    free_port,
)

ADMIN = Admin("andris", MUNI)
JELGAVA_ADMIN = Admin("juris", OTHER_MUNI)
PASSWORD_ENV = "PKIP_TEST_LDAP_PASSWORD"


@pytest.fixture
def riga(
    db_session: Session,
    municipalities: tuple[str, str],
    slapd: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """Riga's directory (OpenLDAP's names) with its groups mapped, and a local
    user ``ilze`` whose username the directory has too."""
    monkeypatch.setenv(PASSWORD_ENV, SERVICE_PASSWORD)
    config = directory.save_config(
        db_session,
        ADMIN,
        url=slapd.url,
        user_base=f"ou=people,{RIGA}",
        group_base=f"ou=groups,{RIGA}",
        bind_dn=SERVICE_DN,
        password_env=PASSWORD_ENV,
        disabled_group=f"cn=atspejoti,ou=groups,{RIGA}",
    )
    groups = f"ou=groups,{RIGA}"
    for group, kind, value in (
        ("specialisti", "role", "specialist"),
        ("lietvedis", "department", "lietvedis"),
        ("vaditaji", "role", "supervisor"),
        ("vaditaji", "department", "vaditajs"),
    ):
        directory.add_mapping(db_session, ADMIN, f"cn={group},{groups}", kind, value)
    accounts.create_user(
        db_session,
        username="ilze",
        full_name="Ilze Vietējā",
        municipality=MUNI,
        password="vietejais-1",
    )
    return config


def _sync(db: Session, municipality: str = MUNI) -> directory.SyncReport:
    config = directory.config_of(db, municipality)
    assert config is not None
    people = LdapClient(settings_of(config)).people()
    return directory.sync(db, municipality, people)


def _user(db: Session, username: str) -> User:
    user = accounts.find_user(db, username)
    assert user is not None, username
    db.refresh(user)
    return user


def _directory_entries(db: Session) -> list[AdminLogEntry]:
    return list(
        db.scalars(
            select(AdminLogEntry)
            .where(AdminLogEntry.actor == directory.ACTOR)
            .order_by(AdminLogEntry.id)
        )
    )


def test_sync_creates_maps_and_skips_the_disabled_and_the_local(
    db_session: Session, riga: Any
) -> None:
    report = _sync(db_session)
    assert sorted(report.created) == ["anna.liepa", "janis.koks"]
    assert report.conflicts == ["ilze: username_taken"]
    assert report.disabled == [] and report.updated == []

    anna = _user(db_session, "anna.liepa")
    assert (anna.full_name, anna.email) == ("Anna Liepa", "anna.liepa@pkip.test")
    assert anna.roles == {"specialist"} and anna.department_keys == {"lietvedis"}
    assert anna.source == "directory" and anna.active
    assert anna.directory_dn == f"uid=anna.liepa,ou=people,{RIGA}"
    assert not anna.must_change_password
    # No password works here: the directory's is checked by a bind.
    assert (
        accounts.check_password(db_session, "anna.liepa", PASSWORDS["anna.liepa"])
        is None
    )
    janis = _user(db_session, "janis.koks")
    assert janis.full_name == "Jānis Koks"
    assert janis.roles == {"supervisor"} and janis.department_keys == {"vaditajs"}
    # Disabled in the directory (the "atspejoti" group): no account made.
    assert accounts.find_user(db_session, "peteris.zars") is None
    # The local account is not taken over.
    ilze = _user(db_session, "ilze")
    assert ilze.source == "local" and ilze.full_name == "Ilze Vietējā"

    entries = _directory_entries(db_session)
    assert [(e.action, e.target_label) for e in entries] == [
        ("user.create", "Anna Liepa (anna.liepa)"),
        ("user.create", "Jānis Koks (janis.koks)"),
    ]
    assert entries[0].after["roles"] == ["specialist"]
    assert directory.config_of(db_session, OTHER_MUNI) is None
    assert accounts.find_user(db_session, "maris.ozols") is None  # Jelgava's


def test_second_sync_changes_nothing(db_session: Session, riga: Any) -> None:
    _sync(db_session)
    logged = len(_directory_entries(db_session))
    again = _sync(db_session)
    assert not again.changed and again.unchanged == 2
    assert again.created == again.updated == again.disabled == again.enabled == []
    assert len(_directory_entries(db_session)) == logged


def test_directory_changes_reach_users_at_the_next_sync(
    db_session: Session, riga: Any, slapd: Any
) -> None:
    _sync(db_session)
    people, groups = f"ou=people,{RIGA}", f"ou=groups,{RIGA}"
    anna_dn, janis_dn = f"uid=anna.liepa,{people}", f"uid=janis.koks,{people}"
    stamp = _user(db_session, "anna.liepa").auth_stamp
    # Anna moves from the registry to the management; her name changes.
    slapd.modify(anna_dn, {"cn": "Anna Liepa-Koka"})
    slapd.modify(f"cn=lietvedis,{groups}", {"member": [janis_dn]})
    slapd.modify(f"cn=vaditaji,{groups}", {"member": [janis_dn, anna_dn]})
    # Jānis is disabled in the directory; Pēteris is enabled there.
    slapd.modify(f"cn=atspejoti,{groups}", {"member": [janis_dn]})
    report = _sync(db_session)
    assert sorted(report.updated) == ["anna.liepa", "janis.koks"]
    assert report.disabled == ["janis.koks"] and report.created == ["peteris.zars"]
    anna = _user(db_session, "anna.liepa")
    assert anna.full_name == "Anna Liepa-Koka"
    assert anna.roles == {"specialist", "supervisor"}
    assert anna.department_keys == {"vaditajs"}
    assert anna.auth_stamp == stamp  # a change of rights, not a sign-out
    janis = _user(db_session, "janis.koks")
    assert not janis.active and janis.directory_disabled
    assert janis.department_keys == {"lietvedis", "vaditajs"}

    # Enabled in the directory again: enabled here at the next sync.
    slapd.modify(f"cn=atspejoti,{groups}", {"member": [f"uid=nobody,{people}"]})
    report = _sync(db_session)
    assert report.enabled == ["janis.koks"] and _user(db_session, "janis.koks").active

    # Gone from the directory: disabled here, never deleted.
    slapd.delete(anna_dn)
    report = _sync(db_session)
    assert report.disabled == ["anna.liepa"]
    anna = _user(db_session, "anna.liepa")
    assert not anna.active and anna.full_name == "Anna Liepa-Koka"
    actions = [(e.action, e.target_label) for e in _directory_entries(db_session)]
    assert ("user.disable", "Anna Liepa-Koka (anna.liepa)") in actions
    assert ("user.enable", "Jānis Koks (janis.koks)") in actions


def test_a_user_an_administrator_disabled_stays_disabled(
    db_session: Session, riga: Any
) -> None:
    _sync(db_session)
    anna = _user(db_session, "anna.liepa")
    administration.disable_user(db_session, ADMIN, anna)
    report = _sync(db_session)
    assert report.enabled == [] and not _user(db_session, "anna.liepa").active


def test_active_directory_names_through_the_ad_preset(
    db_session: Session, municipalities: tuple[str, str], slapd: Any
) -> None:
    directory.save_config(
        db_session,
        JELGAVA_ADMIN,
        url=slapd.url,
        user_base=f"ou=people,{JELGAVA}",
        preset="ad",
        # slapd has no objectCategory: the filter is the municipality's to set.
        user_filter="(objectClass=pkipAdUser)",
        attributes={"email": "mail"},
    )
    directory.add_mapping(
        db_session,
        JELGAVA_ADMIN,
        f"CN=Specialisti,OU=Groups,{JELGAVA}",  # DNs compare without case
        "role",
        "specialist",
    )
    config = directory.config_of(db_session, OTHER_MUNI)
    assert config is not None
    # An anonymous bind reads the tree too (the test server allows it).
    report = _sync(db_session, OTHER_MUNI)
    assert report.created == ["maris.ozols"]  # sAMAccountName, lower-cased
    maris = _user(db_session, "maris.ozols")
    assert maris.full_name == "Māris Ozols"  # displayName
    assert maris.roles == {"specialist"} and maris.municipality == OTHER_MUNI
    assert accounts.find_user(db_session, "zane.egle") is None  # userAccountControl 514

    slapd.modify(f"uid=maris.ozols,ou=people,{JELGAVA}", {"userAccountControl": "514"})
    assert _sync(db_session, OTHER_MUNI).disabled == ["maris.ozols"]
    assert not _user(db_session, "maris.ozols").active


def test_no_people_read_changes_nothing(db_session: Session, riga: Any) -> None:
    _sync(db_session)
    with pytest.raises(directory.DirectoryRefused):
        directory.sync(db_session, MUNI, [])
    assert _user(db_session, "anna.liepa").active


def test_an_unreachable_directory_is_unavailable(
    db_session: Session, riga: Any
) -> None:
    riga.url = f"ldap://127.0.0.1:{free_port()}"
    with pytest.raises(Unavailable):
        LdapClient(settings_of(riga)).people()
    with pytest.raises(Unavailable):
        LdapClient(settings_of(riga)).authenticate(
            f"uid=anna.liepa,ou=people,{RIGA}", "x"
        )


def test_bind_checks_the_directory_password(riga: Any) -> None:
    client = LdapClient(settings_of(riga))
    dn = f"uid=anna.liepa,ou=people,{RIGA}"
    assert client.authenticate(dn, PASSWORDS["anna.liepa"])
    assert not client.authenticate(dn, "nepareiza-parole")
    assert not client.authenticate(dn, "")  # never an anonymous bind
    assert not client.authenticate(f"uid=nav,ou=people,{RIGA}", "kaut-kas")


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"url": "http://ldap.example.lv"}, "url", "url_invalid"),
        ({"url": "ldap://x.lv/<script>"}, "url", "url_invalid"),
        ({"user_base": "people"}, "user_base", "dn_invalid"),
        ({"password_env": "lower case"}, "password_env", "env_invalid"),
        ({"preset": "novell"}, "preset", "preset_invalid"),
        ({"user_filter": "objectClass=person"}, "user_filter", "filter_invalid"),
        (
            {"attributes": {"username": "uid;x"}},
            "attributes.username",
            "attribute_invalid",
        ),
        (
            {"attributes": {"shoe_size": "x"}},
            "attributes.shoe_size",
            "attribute_invalid",
        ),
        ({"timeout": 0}, "timeout", "timeout_invalid"),
    ],
)
def test_settings_refuse_naming_the_field(
    db_session: Session,
    municipalities: tuple[str, str],
    values: dict[str, Any],
    field: str,
    code: str,
) -> None:
    given: dict[str, Any] = {
        "url": "ldap://ldap.riga.lv",
        "user_base": "ou=people,dc=riga",
    }
    given.update(values)
    with pytest.raises(directory.DirectoryError) as refused:
        directory.save_config(db_session, ADMIN, **given)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert code in directory.MESSAGES_LV
    assert directory.config_of(db_session, MUNI) is None


def test_mapping_rules(db_session: Session, municipalities: tuple[str, str]) -> None:
    group = "cn=x,ou=groups,dc=riga"
    with pytest.raises(directory.DirectoryError, match="platform_role"):
        directory.add_mapping(db_session, ADMIN, group, "role", "platform_admin")
    with pytest.raises(directory.DirectoryError, match="unknown_role"):
        directory.add_mapping(db_session, ADMIN, group, "role", "wizard")
    with pytest.raises(directory.DirectoryError, match="unknown_department"):
        directory.add_mapping(db_session, ADMIN, group, "department", "nav")
    row = directory.add_mapping(db_session, ADMIN, group.upper(), "role", "analyst")
    assert row.group_dn == group
    with pytest.raises(directory.DirectoryError, match="mapping_exists"):
        directory.add_mapping(db_session, ADMIN, group, "role", "analyst")
    # Another municipality's mapping is not there for Jelgava's administrator.
    with pytest.raises(directory.DirectoryError, match="unknown_mapping"):
        directory.remove_mapping(db_session, JELGAVA_ADMIN, row.id)
    directory.remove_mapping(db_session, ADMIN, row.id)
    assert directory.mappings(db_session, MUNI) == []
    actions = [
        e.action
        for e in db_session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.id))
    ]
    assert actions[-2:] == ["directory.map", "directory.unmap"]


def test_directory_users_get_no_one_time_password(
    db_session: Session, riga: Any
) -> None:
    _sync(db_session)
    anna = _user(db_session, "anna.liepa")
    with pytest.raises(administration.AdminError, match="directory_user"):
        administration.reset_password(db_session, ADMIN, anna)
