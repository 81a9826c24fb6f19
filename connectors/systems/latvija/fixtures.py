# SPDX-License-Identifier: EUPL-1.2
"""The simulator's test persons and companies, and who may act for which company.

The persons and the first company are the VISS simulator's (connectors/systems/
viss/fixtures.py), so a representative's company is found in the registers too.
Every code passes its check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class TestPerson:
    personal_code: str
    given_name: str
    surname: str
    companies: tuple[str, ...] = ()
    """Registration numbers of the companies the person is authorised to act for."""

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surname}"


COMPANIES: Final[dict[str, str]] = {
    "40003521600": 'SIA "Parauga Būvnieks"',
    "40003000002": 'SIA "Zaļā Mežsaimniecība"',
    "50103000000": "Biedrība “Suņu draugi”",
}

PERSONS: Final[tuple[TestPerson, ...]] = (
    TestPerson("161175-19997", "Jānis", "Bērziņš", ("40003521600",)),
    TestPerson("328673-00679", "Līga", "Ozola", ("40003521600", "40003000002")),
    TestPerson("020385-12343", "Pēteris", "Kalniņš", ("50103000000",)),
    TestPerson("150890-12341", "Ērika", "Šteina"),
)


def person(code: str) -> TestPerson | None:
    return next((p for p in PERSONS if p.personal_code == code), None)
