# SPDX-License-Identifier: EUPL-1.2
"""The ATVK 2021 classifier: Latvia's administrative territories and their units.

"Administratīvo teritoriju un teritoriālā iedalījuma vienību klasifikators" (ATVK
2021, Cabinet Regulation No. 379 of 15 June 2021, kept by the Central Statistical
Bureau) gives every state city, municipality (novads), city and parish (pagasts) a
seven-digit code. The table ships with the package (``forms/data/atvk_2021.csv``;
where it comes from is in ``forms/data/README.md``), so a code is checked against
the classifier without a network call.

The code's structure (Regulation No. 379): digits 1-2 are reserved for regions,
3-4 name the administrative territory (01-19 a state city with its own
municipality, 20-99 a municipality), 5-6 a unit inside a municipality (00 the
territory itself, 01-19 a state city, 20-39 a city, 40-99 a parish) and digit 7
counts how often the code was modified. A merger or split gives the changed units
new codes: since 30 June 2024 Madonas novads is ``0038001`` (it took in Varakļānu
novads), and the old codes are no longer in force. :func:`replaced_by` knows which
code took over from an old one, where the classifier says so.

``forms.identifiers.is_atvk`` is the check forms and connectors use; this module
holds the table and the look-up behind it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

__all__ = [
    "ATVK_NOT_IN_CLASSIFIER",
    "ATVK_NOT_IN_CLASSIFIER_EN",
    "AtvkKind",
    "AtvkUnit",
    "atvk_units",
    "classifier_message",
    "lookup",
    "replaced_by",
]

_DATA_FILE: Final = "atvk_2021.csv"

ATVK_NOT_IN_CLASSIFIER: Final = "ATVK kods nav ATVK 2021 klasifikatorā"
ATVK_NOT_IN_CLASSIFIER_EN: Final = "The ATVK code is not in the ATVK 2021 classifier"


class AtvkKind(StrEnum):
    """What a unit of the classifier is; the value is the token in the data file."""

    STATE_CITY = "state_city"
    """A state city with its own municipality (valstspilsētas pašvaldība): Rīga."""
    MUNICIPALITY = "municipality"
    """A municipality (novads): Ādažu novads."""
    STATE_CITY_IN_MUNICIPALITY = "state_city_in_municipality"
    """A state city inside a municipality (valstspilsēta): Jēkabpils, Ogre."""
    CITY = "city"
    """A city of a municipality (pilsēta): Ādaži."""
    PARISH = "parish"
    """A parish of a municipality (pagasts): Carnikavas pagasts."""

    @property
    def label(self) -> str:
        """The Latvian name of the kind, as the classifier uses it."""
        return _LABELS[self]

    @property
    def is_territory(self) -> bool:
        """True for the top level: a state city's or a municipality's territory."""
        return self in (AtvkKind.STATE_CITY, AtvkKind.MUNICIPALITY)


_LABELS: Final = {
    AtvkKind.STATE_CITY: "valstspilsētas pašvaldība",
    AtvkKind.MUNICIPALITY: "novads",
    AtvkKind.STATE_CITY_IN_MUNICIPALITY: "valstspilsēta",
    AtvkKind.CITY: "pilsēta",
    AtvkKind.PARISH: "pagasts",
}


@dataclass(frozen=True, slots=True)
class AtvkUnit:
    """One unit of the classifier in force."""

    code: str
    name: str
    """The official name with its diacritics (``Ādažu novads``, ``Rīga``)."""
    kind: AtvkKind
    parent: str | None
    """The code of the territory the unit belongs to; None for a territory."""
    valid_from: date
    replaces: tuple[str, ...] = ()
    """Codes no longer in force that this unit took over from (often none)."""

    @property
    def level(self) -> int:
        """The classifier's level: 1 a territory, 2 a unit inside a municipality."""
        return 1 if self.parent is None else 2


def _kind_from_code(code: str) -> AtvkKind:
    territory, unit = int(code[2:4]), int(code[4:6])
    if unit == 0:
        return AtvkKind.STATE_CITY if territory < 20 else AtvkKind.MUNICIPALITY
    if unit < 20:
        return AtvkKind.STATE_CITY_IN_MUNICIPALITY
    if unit < 40:
        return AtvkKind.CITY
    return AtvkKind.PARISH


def _unit(row: dict[str, str]) -> AtvkUnit:
    code = row["code"]
    kind = AtvkKind(row["kind"])
    # The file is data someone may edit by hand: a row that contradicts the code's
    # own structure is a broken table, not a unit to serve.
    if len(code) != 7 or not code.isdigit() or _kind_from_code(code) is not kind:
        raise ValueError(f"{_DATA_FILE}: row {code!r} does not match its kind")
    return AtvkUnit(
        code=code,
        name=row["name"],
        kind=kind,
        parent=row["parent"] or None,
        valid_from=date.fromisoformat(row["valid_from"]),
        replaces=tuple(row["replaces"].split()),
    )


@cache
def _table() -> dict[str, AtvkUnit]:
    text = (resources.files("forms") / "data" / _DATA_FILE).read_text("utf-8")
    units = {row["code"]: _unit(row) for row in csv.DictReader(io.StringIO(text))}
    for unit in units.values():
        parent = units.get(unit.parent) if unit.parent else None
        if unit.kind.is_territory != (unit.parent is None) or (
            unit.parent is not None and (parent is None or not parent.kind.is_territory)
        ):
            raise ValueError(f"{_DATA_FILE}: {unit.code} has a wrong parent")
    return units


@cache
def _replacements() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for unit in _table().values():
        for old in unit.replaces:
            found.setdefault(old, []).append(unit.code)
    return {old: tuple(new) for old, new in found.items()}


def lookup(code: object) -> AtvkUnit | None:
    """The unit with this code in force, or None (also for anything not a string)."""
    if not isinstance(code, str):
        return None
    return _table().get(code)


def atvk_units() -> tuple[AtvkUnit, ...]:
    """Every unit in force, in code order (each territory followed by its units)."""
    return tuple(_table().values())


def replaced_by(code: object) -> tuple[str, ...]:
    """The codes in force that took over from a former code (empty if none known).

    ``replaced_by("0038000")`` is ``("0038001",)``: Madonas novads got a new code
    when Varakļānu novads joined it on 30 June 2024. A split gives more than one
    code (``0023400``, the old Ādažu pagasts, became Ādaži and the new pagasts).
    """
    if not isinstance(code, str):
        return ()
    return _replacements().get(code, ())


def classifier_message(code: str) -> tuple[str, str]:
    """Latvian and English message for a code that is not in the classifier.

    The message names the codes that replaced a former one, never the submitted
    value itself (form errors end up in logs).
    """
    successors = replaced_by(code)
    if not successors:
        return ATVK_NOT_IN_CLASSIFIER, ATVK_NOT_IN_CLASSIFIER_EN
    codes = ", ".join(successors)
    return (
        f"ATVK kods vairs nav spēkā ATVK 2021 klasifikatorā; tagad: {codes}",
        f"The ATVK code is no longer in force in the ATVK 2021 classifier; "
        f"now: {codes}",
    )
