# SPDX-License-Identifier: EUPL-1.2
"""Latvian identifiers: python-stdnum's published vectors plus our own rules."""

from __future__ import annotations

import pytest

from forms.identifiers import (
    ATVK_NOT_IN_CLASSIFIER,
    PERSONAS_KODS_WARNING,
    atvk_message,
    is_atvk,
    is_atvk_shape,
    is_iban,
    is_lv_iban,
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
    personas_kods_warning,
)

# The rule as DOMAIN.md states it, written out independently of stdnum's weights so
# the tests also show that the two formulations agree.
_DOMAIN_WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_digit(first_ten: str) -> str:
    total = sum(w * int(d) for w, d in zip(_DOMAIN_WEIGHTS, first_ten, strict=True))
    return first_ten + str((1101 - total) % 11 % 10)


# -- personal codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "161175-19997",  # stdnum vector, old format
        "16117519997",  # the same without the dash
        " 161175-19997 ",  # surrounding whitespace from a copy-paste
        "328673-00679",  # stdnum vector, new format
        "32867300679",
        "328673-00677",  # new format, check digit fails: valid with a warning
    ],
)
def test_valid_personal_codes(value: str) -> None:
    assert is_personas_kods(value)


@pytest.mark.parametrize(
    "value",
    [
        "161175-19998",  # wrong check digit
        "161375-19997",  # stdnum vector: month 13
        "161175-1999",  # too short
        "161175-199970",  # too long
        "1611-7519997",  # dash in the wrong place
        "161175 19997",  # space is not a separator
        "161175--19997",
        "LV16117519997",  # the VAT prefix belongs to VAT numbers, not to people
        "abcdef-ghijk",
        "",
        "١٦١١٧٥-١٩٩٩٧",  # Arabic-Indic digits are not digits here
    ],
)
def test_invalid_personal_codes(value: str) -> None:
    assert not is_personas_kods(value)


def test_domain_formula_agrees_with_the_published_vector() -> None:
    assert with_check_digit("1611751999") == "16117519997"
    assert with_check_digit("3286730067") == "32867300679"


@pytest.mark.parametrize(
    ("first_ten", "valid"),
    [
        ("3102991000", False),  # 31.02.1999 does not exist
        ("3104991000", False),  # 31.04.1999 neither
        ("2902002000", True),  # 29.02.2000: leap year
        ("2902001000", False),  # 29.02.1900: not a leap year
        ("0101000000", True),  # 01.01.1800: century digit 0
        ("0101003000", False),  # century digit 3 is never issued
        ("0001901000", False),  # day 00
    ],
)
def test_birth_date_and_century_are_checked(first_ten: str, valid: bool) -> None:
    # A correct check digit, so only the date or the century can fail.
    assert is_personas_kods(with_check_digit(first_ten)) is valid


def test_new_format_needs_only_the_format() -> None:
    assert is_personas_kods("320000-00000")
    assert is_personas_kods("329999-99999")
    assert not is_personas_kods("32000000000X")


def test_warning_only_for_new_codes_with_a_failing_check_digit() -> None:
    assert personas_kods_warning("328673-00677") == PERSONAS_KODS_WARNING
    assert personas_kods_warning("32867300677") == PERSONAS_KODS_WARNING
    assert personas_kods_warning("328673-00679") is None
    assert personas_kods_warning("161175-19997") is None
    # An invalid old code is an error, not a warning.
    assert personas_kods_warning("161175-19998") is None
    assert personas_kods_warning("nonsense") is None


def test_warning_text_is_latvian() -> None:
    assert "kontrolcipars" in PERSONAS_KODS_WARNING


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("16117519997", "161175-19997"),
        ("161175-19997", "161175-19997"),
        (" 32867300677 ", "328673-00677"),
    ],
)
def test_normalize_personas_kods(value: str, expected: str) -> None:
    assert normalize_personas_kods(value) == expected


@pytest.mark.parametrize("value", ["161175-19998", "161375-19997", "", "12345"])
def test_normalize_refuses_invalid_codes(value: str) -> None:
    with pytest.raises(ValueError, match="personas kods"):
        normalize_personas_kods(value)


@pytest.mark.parametrize("value", [None, 16117519997, ["161175-19997"]])
def test_non_strings_are_not_identifiers(value: object) -> None:
    assert not is_personas_kods(value)  # type: ignore[arg-type]
    assert not is_registracijas_numurs(value)  # type: ignore[arg-type]
    assert not is_iban(value)  # type: ignore[arg-type]
    assert not is_atvk(value)  # type: ignore[arg-type]
    assert personas_kods_warning(value) is None  # type: ignore[arg-type]


# -- registration numbers ---------------------------------------------------------


def test_registration_number_vectors() -> None:
    assert is_registracijas_numurs("40003521600")
    assert not is_registracijas_numurs("40003521601")


@pytest.mark.parametrize(
    "value",
    [
        "4000352160",  # ten digits
        "400035216000",  # twelve
        "LV40003521600",  # a VAT number, not a registration number
        "4000 3521 600",
        "4000352160O",  # letter O
    ],
)
def test_malformed_registration_numbers(value: str) -> None:
    assert not is_registracijas_numurs(value)


def test_registration_number_may_be_padded_with_whitespace() -> None:
    assert is_registracijas_numurs(" 40003521600\n")


def test_numbers_starting_0_to_3_are_personal_codes_not_companies() -> None:
    weights = (9, 1, 4, 8, 3, 10, 2, 5, 7, 6)
    first_ten = "1611751999"
    last = (3 - sum(w * int(d) for w, d in zip(weights, first_ten, strict=True))) % 11
    assert last < 10, "pick another prefix: no single check digit fits"
    number = first_ten + str(last)
    # The checksum alone would pass; the leading digit rules it out.
    assert sum(w * int(d) for w, d in zip((*weights, 1), number, strict=True)) % 11 == 3
    assert not is_registracijas_numurs(number)


# -- IBAN ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "LV80BANK0000435195001",
        "LV80 BANK 0000 4351 9500 1",
        "lv80bank0000435195001",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
    ],
)
def test_valid_ibans(value: str) -> None:
    assert is_iban(value)


@pytest.mark.parametrize(
    "value",
    [
        "LV81BANK0000435195001",  # check digits off by one
        "LV80BANK000043519500",  # one character short
        "LV80-BANK-0000-4351-9500-1",  # only spaces may separate groups
        "LV80  BANK0000435195001",  # two spaces
        "XX80BANK0000435195001",  # no such country
        "",
    ],
)
def test_invalid_ibans(value: str) -> None:
    assert not is_iban(value)


def test_lv_iban() -> None:
    assert is_lv_iban("LV80 BANK 0000 4351 9500 1")
    assert not is_lv_iban("DE89 3704 0044 0532 0130 00")
    assert not is_lv_iban("LV81BANK0000435195001")


# -- ATVK ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0001000", True),  # Rīga, a state city
        ("0023000", True),  # Ādažu novads
        ("0031010", True),  # Jēkabpils, a state city inside Jēkabpils novads
        ("0023200", True),  # Ādaži, a city
        ("0023410", True),  # Carnikavas pagasts
        ("0038001", True),  # Madonas novads since 30 June 2024
        ("0100000", False),  # seven digits, but no such unit
        ("0099000", False),
        ("0038000", False),  # Madonas novads' code until 30 June 2024
        ("0055000", False),  # Varakļānu novads, merged into Madonas novads
        ("001000", False),
        ("00010000", False),
        ("000100A", False),
        (" 0001000", False),
        ("٠٠٠١٠٠٠", False),  # Arabic-Indic digits are digits to str.isdigit
        ("", False),
    ],
)
def test_atvk_must_be_in_the_classifier(value: str, valid: bool) -> None:
    assert is_atvk(value) is valid


@pytest.mark.parametrize("value", [None, 1000, 1.0, ["0001000"]])
def test_atvk_rejects_non_strings(value: object) -> None:
    assert not is_atvk(value)  # type: ignore[arg-type]
    assert not is_atvk_shape(value)  # type: ignore[arg-type]
    assert atvk_message(value) is None  # type: ignore[arg-type]


def test_atvk_shape_is_the_first_step() -> None:
    assert is_atvk_shape("0100000") and not is_atvk("0100000")
    assert not is_atvk_shape("00010")


def test_atvk_message_only_for_well_formed_unknown_codes() -> None:
    assert atvk_message("0001000") is None  # valid
    assert atvk_message("00010") is None  # the shape check's own error
    lv, en = atvk_message("0100000") or ("", "")
    assert lv == ATVK_NOT_IN_CLASSIFIER == "ATVK kods nav ATVK 2021 klasifikatorā"
    assert "ATVK 2021" in en and "0100000" not in lv + en


def test_atvk_message_names_the_code_that_replaced_a_retired_one() -> None:
    lv, en = atvk_message("0038000") or ("", "")
    assert "vairs nav spēkā" in lv and "0038001" in lv and "0038001" in en
    assert "0038000" not in lv + en
