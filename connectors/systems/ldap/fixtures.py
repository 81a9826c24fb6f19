# SPDX-License-Identifier: EUPL-1.2
"""The simulator's demo directory: a few people of the demo municipality under
``ou=people,dc=pkip,dc=demo`` and two groups, one of them the disabled people's.
The passwords are the demo ones (docs/directory.md)."""

from __future__ import annotations

from typing import Any

BASE = "dc=pkip,dc=demo"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
DEMO_PASSWORD = "katalogs-123"  # noqa: S105 - the simulator's demo password


def _person(uid: str, name: str) -> tuple[str, dict[str, Any]]:
    return (
        f"uid={uid},{PEOPLE}",
        {
            "objectClass": ["top", "person", "organizationalPerson", "inetOrgPerson"],
            "uid": uid,
            "cn": name,
            "sn": name.split()[-1],
            "mail": f"{uid}@pkip.demo",
            "userPassword": DEMO_PASSWORD,
        },
    )


DEMO_ENTRIES: list[tuple[str, dict[str, Any]]] = [
    _person("liga.ozola", "Līga Ozola"),
    _person("karlis.berzins", "Kārlis Bērziņš"),
    (
        f"cn=specialisti,{GROUPS}",
        {
            "objectClass": ["top", "groupOfNames"],
            "cn": "specialisti",
            "member": [f"uid=liga.ozola,{PEOPLE}", f"uid=karlis.berzins,{PEOPLE}"],
        },
    ),
    (
        f"cn=atspejoti,{GROUPS}",
        {
            "objectClass": ["top", "groupOfNames"],
            "cn": "atspejoti",
            "member": [f"uid=karlis.berzins,{PEOPLE}"],
        },
    ),
]
