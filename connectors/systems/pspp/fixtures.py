# SPDX-License-Identifier: EUPL-1.2
"""The PSPP simulator's catalogue at start: PKIP's own e-services, already published.

Deterministic, so a case status for ``PKIP-012`` (the dog-keeping fee) is accepted in
a fresh demo without publishing its card first.
"""

from __future__ import annotations

from typing import Any, Final

RIGA_ATVK: Final = "0001000"
RIGA_COUNCIL: Final = {
    "name": "Rīgas valstspilsētas pašvaldība",
    "registration_number": "90011524360",
}

_SERVICES: Final = (
    ("PKIP-009", "Piegādātāju e-rēķinu iesniegšana", "0.00"),
    ("PKIP-010", "Ielu tirdzniecības atļauja", "15.00"),
    ("PKIP-011", "Koku ciršanas atļauja ārpus meža zemes", "0.00"),
    ("PKIP-012", "Suņu turēšanas nodeva", "60.00"),
    ("PKIP-013", "Reģistrācija rindā uz pirmsskolas izglītības iestādi", "0.00"),
)


def service_card(code: str, name: str, fee: str) -> dict[str, Any]:
    """A complete, valid card for one of PKIP's e-services."""
    return {
        "code": code,
        "name": name,
        "description": f"{name}: pakalpojums e-vidē un klātienē.",
        "territory": [RIGA_ATVK],
        "provider": dict(RIGA_COUNCIL),
        "steps": [
            {"order": 1, "title": "Iesniegt iesniegumu"},
            {"order": 2, "title": "Iestāde izskata iesniegumu"},
            {"order": 3, "title": "Saņemt rezultātu"},
        ],
        "required_documents": [{"name": "Iesniegums", "mandatory": True}],
        "fees": (
            [{"name": "Nodeva", "amount": fee, "currency": "EUR"}]
            if fee != "0.00"
            else []
        ),
        "legal_acts": [{"title": "Valsts pārvaldes iekārtas likums, 13. nodaļa"}],
        "channels": ["online", "in_person", "vpvkac"],
        "result_term_working_days": 20,
    }


def catalogue() -> dict[str, dict[str, Any]]:
    return {code: service_card(code, name, fee) for code, name, fee in _SERVICES}
