# SPDX-License-Identifier: EUPL-1.2
"""The ATVK 2021 classifier table and its look-up."""

from __future__ import annotations

import configparser
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from forms.atvk import (
    ATVK_NOT_IN_CLASSIFIER,
    ATVK_NOT_IN_CLASSIFIER_EN,
    AtvkKind,
    AtvkUnit,
    atvk_units,
    classifier_message,
    lookup,
    replaced_by,
)
from forms.formats import format_message

REPO = Path(__file__).resolve().parents[2]

# The 7 state cities and 35 municipalities in force since Varakļānu novads joined
# Madonas novads on 30 June 2024 (there were 36 municipalities in 2021).
TERRITORIES = {
    "0001000": "Rīga",
    "0002000": "Daugavpils",
    "0003000": "Jelgava",
    "0004000": "Jūrmala",
    "0005000": "Liepāja",
    "0006000": "Rēzekne",
    "0007000": "Ventspils",
    "0020000": "Aizkraukles novads",
    "0021000": "Alūksnes novads",
    "0022000": "Augšdaugavas novads",
    "0023000": "Ādažu novads",
    "0024000": "Balvu novads",
    "0025000": "Bauskas novads",
    "0026000": "Cēsu novads",
    "0027000": "Dienvidkurzemes novads",
    "0028000": "Dobeles novads",
    "0029000": "Gulbenes novads",
    "0030000": "Jelgavas novads",
    "0031000": "Jēkabpils novads",
    "0032000": "Krāslavas novads",
    "0033000": "Kuldīgas novads",
    "0034000": "Ķekavas novads",
    "0035000": "Limbažu novads",
    "0036000": "Līvānu novads",
    "0037000": "Ludzas novads",
    "0038001": "Madonas novads",
    "0039000": "Mārupes novads",
    "0040000": "Ogres novads",
    "0041000": "Olaines novads",
    "0042000": "Preiļu novads",
    "0043000": "Rēzeknes novads",
    "0044000": "Ropažu novads",
    "0045000": "Salaspils novads",
    "0046000": "Saldus novads",
    "0047000": "Saulkrastu novads",
    "0048000": "Siguldas novads",
    "0049000": "Smiltenes novads",
    "0051000": "Talsu novads",
    "0052000": "Tukuma novads",
    "0053000": "Valkas novads",
    "0054000": "Valmieras novads",
    "0056000": "Ventspils novads",
}


# -- the table ----------------------------------------------------------------------


def test_the_territories_are_latvias_42() -> None:
    territories = {u.code: u.name for u in atvk_units() if u.kind.is_territory}
    assert territories == TERRITORIES


def test_counts_per_kind() -> None:
    counts = Counter(u.kind for u in atvk_units())
    assert counts == {
        AtvkKind.STATE_CITY: 7,
        AtvkKind.MUNICIPALITY: 35,
        AtvkKind.STATE_CITY_IN_MUNICIPALITY: 3,  # Jēkabpils, Ogre, Valmiera
        AtvkKind.CITY: 71,
        AtvkKind.PARISH: 511,
    }


def test_codes_are_unique_seven_digits_in_order() -> None:
    codes = [u.code for u in atvk_units()]
    assert len(codes) == len(set(codes)) == 627
    assert codes == sorted(codes)
    assert all(len(c) == 7 and c.isascii() and c.isdigit() for c in codes)


def test_every_unit_belongs_to_the_territory_its_code_names() -> None:
    for unit in atvk_units():
        if unit.kind.is_territory:
            assert unit.parent is None and unit.level == 1
            continue
        parent = lookup(unit.parent)
        assert parent is not None and parent.kind is AtvkKind.MUNICIPALITY
        assert unit.code[:4] == parent.code[:4] and unit.level == 2


def test_names_agree_with_kinds() -> None:
    for unit in atvk_units():
        assert unit.name == unit.name.strip() and unit.name
        assert unit.name.endswith(" pagasts") == (unit.kind is AtvkKind.PARISH)
        assert unit.name.endswith(" novads") == (unit.kind is AtvkKind.MUNICIPALITY)


def test_names_keep_their_diacritics() -> None:
    names = {u.name for u in atvk_units()}
    assert {"Ādaži", "Ķekava", "Pļaviņas", "Ērģemes pagasts", "Ņukšu pagasts"} <= names
    assert "Adazu novads" not in names


# -- look-up ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "kind", "parent"),
    [
        ("0001000", "Rīga", AtvkKind.STATE_CITY, None),
        ("0023000", "Ādažu novads", AtvkKind.MUNICIPALITY, None),
        ("0040010", "Ogre", AtvkKind.STATE_CITY_IN_MUNICIPALITY, "0040000"),
        ("0023200", "Ādaži", AtvkKind.CITY, "0023000"),
        ("0023410", "Carnikavas pagasts", AtvkKind.PARISH, "0023000"),
        ("0038231", "Varakļāni", AtvkKind.CITY, "0038001"),
    ],
)
def test_lookup_gives_name_kind_and_parent(
    code: str, name: str, kind: AtvkKind, parent: str | None
) -> None:
    unit = lookup(code)
    assert unit is not None
    assert (unit.code, unit.name, unit.kind, unit.parent) == (code, name, kind, parent)
    assert unit.level == (1 if parent is None else 2)


def test_lookup_of_a_unit() -> None:
    assert lookup("0023401") == AtvkUnit(
        code="0023401",
        name="Ādažu pagasts",
        kind=AtvkKind.PARISH,
        parent="0023000",
        valid_from=date(2022, 7, 1),
        replaces=("0023400",),
    )


@pytest.mark.parametrize("code", ["0099000", "0038000", "1000", "", None, 1000])
def test_lookup_of_an_unknown_code_is_none(code: object) -> None:
    assert lookup(code) is None


def test_kind_labels_are_latvian() -> None:
    assert AtvkKind.MUNICIPALITY.label == "novads"
    assert AtvkKind.PARISH.label == "pagasts"
    assert AtvkKind.CITY.label == "pilsēta"


# -- retired codes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0038000", ("0038001",)),  # Madonas novads took in Varakļānu novads
        ("0055200", ("0038231",)),  # Varakļāni
        ("0023400", ("0023200", "0023401")),  # Ādaži split from Ādažu pagasts
        ("0034420", ("0034220", "0034421")),
        ("0039410", ("0039200", "0039411")),
        ("0001000", ()),
        ("0099000", ()),
        (None, ()),
    ],
)
def test_replaced_by(old: object, new: tuple[str, ...]) -> None:
    assert replaced_by(old) == new
    assert all(lookup(code) is not None for code in new)


def test_classifier_message() -> None:
    assert classifier_message("0099000") == (
        ATVK_NOT_IN_CLASSIFIER,
        ATVK_NOT_IN_CLASSIFIER_EN,
    )
    lv, en = classifier_message("0023400")
    assert lv.endswith("tagad: 0023200, 0023401")
    assert en.endswith("now: 0023200, 0023401")


def test_form_message_for_atvk_depends_on_the_value() -> None:
    assert format_message("atvk", "00010") == (
        "Nederīgs ATVK kods",
        "Invalid ATVK code",
    )
    assert format_message("atvk", "0099000") == (
        ATVK_NOT_IN_CLASSIFIER,
        ATVK_NOT_IN_CLASSIFIER_EN,
    )
    assert format_message("atvk", 1234) == ("Nederīgs ATVK kods", "Invalid ATVK code")
    assert format_message("iban", "x") == (
        "Nederīgs IBAN konts",
        "Invalid IBAN account number",
    )
    assert format_message("nope", "x") == ("Nederīgs formāts", "Invalid format")


# -- packaging ----------------------------------------------------------------------


def test_the_table_is_package_data() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    patterns = config["options.package_data"]["forms"].split()
    assert "data/*.csv" in patterns and "data/*.md" in patterns
    assert (REPO / "forms" / "data" / "atvk_2021.csv").is_file()
