# SPDX-License-Identifier: EUPL-1.2
"""The format checks registered for PKIP forms."""

from __future__ import annotations

import pytest

from forms.formats import FORMAT_CHECKER, is_date, is_date_time, is_email


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2024-02-29", True),
        ("2023-02-29", False),  # not a leap year
        ("2024-13-01", False),
        ("20240131", False),  # Python 3.11 fromisoformat would accept this
        ("2024-W05-3", False),  # and this
        ("31.01.2024", False),  # the Latvian display format is not the wire format
        ("2024-01-31T00:00:00", False),
        ("", False),
    ],
)
def test_date(value: str, valid: bool) -> None:
    assert is_date(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2025-03-30T10:00:00+03:00", True),
        ("2025-03-30T10:00:00Z", True),
        ("2025-03-30t10:00:00z", True),
        ("2025-03-30T10:00:00.123456+02:00", True),
        ("2025-03-30T10:00:00", False),  # no offset: which time zone?
        ("2025-03-30 10:00:00Z", False),
        ("2025-02-30T10:00:00Z", False),
        ("2025-03-30T25:00:00Z", False),
        ("2025-03-30", False),
    ],
)
def test_date_time(value: str, valid: bool) -> None:
    assert is_date_time(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("janis.berzins@example.lv", True),
        ("info@riga.lv", True),
        ("jānis@piemērs.lv", True),  # internationalised addresses exist
        ("janis@", False),
        ("janis@example", False),
        ("janis berzins@example.lv", False),
        ("<janis@example.lv>", False),
        ("a@@example.lv", False),
        ("a" * 250 + "@x.lv", False),
    ],
)
def test_email(value: str, valid: bool) -> None:
    assert is_email(value) is valid


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("personas-kods", "161175-19997", "161175-19998"),
        ("registracijas-numurs", "40003521600", "40003521601"),
        ("iban", "LV80 BANK 0000 4351 9500 1", "LV81BANK0000435195001"),
        ("atvk", "0001000", "1000"),
        ("atvk", "0023000", "0099000"),
        ("date", "2025-04-18", "2025-04-31"),
        ("date-time", "2025-04-18T12:00:00Z", "2025-04-18T12:00"),
        ("email", "a@b.lv", "a@b"),
    ],
)
def test_checker_knows_the_format(fmt: str, good: str, bad: str) -> None:
    assert FORMAT_CHECKER.conforms(good, fmt)
    assert not FORMAT_CHECKER.conforms(bad, fmt)


def test_formats_ignore_non_strings() -> None:
    # A number in a personal-code field is a "type" error, not a second format error.
    assert FORMAT_CHECKER.conforms(12345, "personas-kods")
    assert FORMAT_CHECKER.conforms(None, "date")
