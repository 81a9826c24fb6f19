# SPDX-License-Identifier: EUPL-1.2
"""Deterministic demo data of the DVS simulator: who may use which systems, and how
much unfinished work each person has.

Two known people (161175-19997: a clerk with work; 328673-00679: nobody in this
municipality's systems); any other valid personal code gets data derived from the code
itself, so the same code always gives the same answer.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

SYSTEMS: Final = {
    "NAMEJS": ("Namejs — dokumentu vadības sistēma", "https://namejs.example.invalid/"),
    "LIETVARIS": (
        "Lietvaris — lietvedības sistēma",
        "https://lietvaris.example.invalid/",
    ),
    "HORIZON": (
        "Horizon — finanšu vadības sistēma",
        "https://horizon.example.invalid/",
    ),
    "SOPA": ("SOPA — sociālās palīdzības sistēma", "https://sopa.example.invalid/"),
    "PKIP": ("PKIP darba vieta", "/"),
}
ROLES: Final = ("lietotājs", "lietvedis", "speciālists", "vadītājs")

KNOWN: Final[dict[str, dict[str, Any]]] = {
    "161175-19997": {
        "systems": {
            "NAMEJS": ["lietvedis"],
            "HORIZON": ["lietotājs"],
            "PKIP": ["lietvedis"],
        },
        "unfinished": (7, 2),
    },
    "328673-00679": {"systems": {}, "unfinished": None},
}


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.encode("utf-8")).digest()


def systems_of(code: str, home: str) -> dict[str, list[str]]:
    """System code → roles for a (normalised) personal code; ``home`` is the DVS
    being simulated, which every derived person uses."""
    if code in KNOWN:
        return {k: list(v) for k, v in KNOWN[code]["systems"].items()}
    digest = _digest(code)
    found = {home: [ROLES[digest[0] % len(ROLES)]], "PKIP": ["lietotājs"]}
    for i, other in enumerate(sorted(SYSTEMS)):
        if other not in found and digest[1 + i] % 3 == 0:
            found[other] = [ROLES[digest[10 + i] % len(ROLES)]]
    return found


def unfinished_of(code: str, home: str) -> tuple[int, int] | None:
    """(unfinished, of them overdue), or None when the person is not a user here."""
    if code in KNOWN:
        known: tuple[int, int] | None = KNOWN[code]["unfinished"]
        return known
    if home not in systems_of(code, home):
        return None
    digest = _digest(code)
    count = digest[20] % 15
    return count, min(count, digest[21] % 4)
