# SPDX-License-Identifier: EUPL-1.2
"""The simulated provider's employees: the demo municipality's staff (their
e-mail addresses and usernames are those of the demo users) and one person PKIP
does not know."""

from __future__ import annotations

from typing import Any

DEMO_DOMAIN = "demo.pkip.example"


def _employee(username: str, name: str, department: str) -> dict[str, Any]:
    return {
        "sub": f"emp-{username}",
        "name": name,
        "email": f"{username}@{DEMO_DOMAIN}",
        "preferred_username": username,
        "department": department,
    }


EMPLOYEES: tuple[dict[str, Any], ...] = (
    _employee("lietvede", "Līga Lietvede", "Lietvedība"),
    _employee("specialists", "Jānis Speciālists", "Speciālisti"),
    _employee("vaditaja", "Inese Vadītāja", "Vadība"),
    _employee("analitike", "Anna Analītiķe", "Attīstības nodaļa"),
    _employee("admins", "Andris Administrators", "IT nodaļa"),
    _employee("nezinamais", "Kārlis Nezināmais", "Saimniecības nodaļa"),
)
