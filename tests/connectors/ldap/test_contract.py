# SPDX-License-Identifier: EUPL-1.2
"""The LDAP client's contract, the same against the in-process simulator
(``mock://``) and a real OpenLDAP (tests/ldap_server.py): people with their groups
and whether they are disabled, a bind per person, failures as connector errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.errors import Rejected, Unavailable
from connectors.systems.ldap import LdapClient, LdapSettings, default_simulator
from connectors.systems.ldap import fixtures as demo
from tests import ldap_server


@pytest.fixture
def simulator() -> Iterator[Any]:
    sim = default_simulator()
    yield sim
    sim.faults.clear()


@pytest.fixture(params=["simulator", "slapd"])
def directory(request: pytest.FixtureRequest) -> tuple[LdapClient, str, str, str]:
    """(client, a person's DN, their password, a disabled group's DN)."""
    if request.param == "simulator":
        request.getfixturevalue("simulator")
        settings = LdapSettings(
            url="mock://", user_base=demo.PEOPLE, group_base=demo.GROUPS
        )
        return (
            LdapClient(settings),
            f"uid=liga.ozola,{demo.PEOPLE}",
            demo.DEMO_PASSWORD,
            f"cn=atspejoti,{demo.GROUPS}",
        )
    server = request.getfixturevalue("slapd")
    base = ldap_server.RIGA
    settings = LdapSettings(
        url=server.url,
        user_base=f"ou=people,{base}",
        group_base=f"ou=groups,{base}",
        bind_dn=ldap_server.SERVICE_DN,
        password=ldap_server.SERVICE_PASSWORD,
    )
    return (
        LdapClient(settings),
        f"uid=anna.liepa,ou=people,{base}",
        ldap_server.PASSWORDS["anna.liepa"],
        f"cn=atspejoti,ou=groups,{base}",
    )


def test_people_come_with_their_groups(
    directory: tuple[LdapClient, str, str, str],
) -> None:
    client, dn, _password, disabled_group = directory
    people = {p.dn.lower(): p for p in client.people()}
    person = people[dn.lower()]
    assert person.username and person.full_name and "@" in person.email
    assert all(g == g.lower() for g in person.groups)
    assert any(disabled_group.lower() in p.groups for p in people.values())
    assert not person.disabled


def test_bind_as_the_person(directory: tuple[LdapClient, str, str, str]) -> None:
    client, dn, password, _group = directory
    assert client.authenticate(dn, password)
    assert not client.authenticate(dn, password + "x")
    assert not client.authenticate(dn, "")


def test_simulator_down_is_unavailable(simulator: Any) -> None:
    client = LdapClient(LdapSettings(url="mock://", user_base=demo.PEOPLE))
    simulator.faults.inject("*", "timeout")
    with pytest.raises(Unavailable):
        client.people()
    assert client.people()  # the next call works again


def test_a_refused_service_bind_is_rejected(slapd: Any) -> None:
    settings = LdapSettings(
        url=slapd.url,
        user_base=f"ou=people,{ldap_server.RIGA}",
        bind_dn=ldap_server.SERVICE_DN,
        password="nepareiza",
    )
    with pytest.raises(Rejected):
        LdapClient(settings).people()
    no_password = LdapSettings(
        url=slapd.url, user_base="ou=people,dc=x", bind_dn=ldap_server.SERVICE_DN
    )
    with pytest.raises(Rejected, match="environment variable"):
        LdapClient(no_password).people()


def test_presets_and_overrides() -> None:
    ad = LdapSettings(url="ldap://x", user_base="dc=x", preset="ad")
    assert ad.attribute("username") == "sAMAccountName"
    assert ad.attribute("uac") == "userAccountControl"
    assert "objectCategory=person" in ad.filter()
    custom = LdapSettings(
        url="ldap://x", user_base="dc=x", attributes={"username": "employeeID"}
    )
    assert custom.attribute("username") == "employeeID"
    assert custom.attribute("full_name") == "cn"
