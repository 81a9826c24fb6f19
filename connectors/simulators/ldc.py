# SPDX-License-Identifier: EUPL-1.2
"""Simulator of the Agricultural Data Centre (LDC) animal registry: dogs by owner.

Deterministic fixture data: a few known demo owners, and for any other valid personal
code a number of dogs derived from the code itself, so the same code always gives the
same answer. The live SOAP client (through VISS) replaces this in issue #4.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from connectors.registry import InvalidParameters, Operator, Registry
from engine.interfaces import CallContext
from forms.identifiers import is_personas_kods, normalize_personas_kods

BREEDS = (
    "Labradora retrīvers",
    "Vācu aitu suns",
    "Jorkšīras terjers",
    "Jaukteņa",
    "Bīgls",
)

FIXTURES: dict[str, list[dict[str, Any]]] = {
    "161175-19997": [
        {
            "chip": "985112004412345",
            "name": "Reksis",
            "breed": "Vācu aitu suns",
            "born": "2019-04-12",
        },
        {
            "chip": "985112004412346",
            "name": "Muris",
            "breed": "Jaukteņa",
            "born": "2021-08-30",
        },
    ],
    "328673-00679": [],
}


def _chip_serial(digest: bytes, i: int) -> int:
    # The last eight digits of dog i's 15-digit chip number, from the owner's digest.
    return int.from_bytes(digest[i * 4 : (i + 1) * 4], "big") % 10**8


def dogs_by_owner(
    params: Mapping[str, Any], context: CallContext
) -> list[dict[str, Any]]:
    code = str(params.get("owner_code") or "")
    if not is_personas_kods(code):
        raise InvalidParameters("ldc.dogs: owner_code is not a valid personal code")
    code = normalize_personas_kods(code)
    if code in FIXTURES:
        return [dict(d) for d in FIXTURES[code]]
    digest = hashlib.sha256(code.encode()).digest()
    count = digest[0] % 3
    return [
        {
            "chip": f"9851120{_chip_serial(digest, i):08d}",
            "name": f"Suns {i + 1}",
            "breed": BREEDS[digest[10 + i] % len(BREEDS)],
            "born": f"20{15 + digest[20 + i] % 10}-0{1 + digest[25 + i] % 9}-15",
        }
        for i in range(count)
    ]


def register(registry: Registry) -> None:
    registry.register(
        Operator(
            name="ldc.dogs",
            system="LDC",
            description=(
                "Suņi, kas reģistrēti uz īpašnieka personas kodu"
                " (LDC dzīvnieku reģistrs)"
            ),
            mode="simulated",
            func=dogs_by_owner,
            params=("owner_code",),
        )
    )
