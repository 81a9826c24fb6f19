# SPDX-License-Identifier: EUPL-1.2
"""The JSON-schema ``format`` checks that PKIP forms may use.

Beside the Latvian identifiers this module defines its own ``date``, ``date-time``
and ``email`` checks instead of jsonschema's defaults, because those defaults are
too lenient for a form: on Python 3.11 ``date.fromisoformat`` also accepts
``20240131`` and week dates (``2024-W05-3``), jsonschema's ``email`` only looks for
an ``@``, and its ``date-time`` silently passes everything unless an optional
package is installed.

Format checks apply to strings only; a number where a string is expected is the
``type`` keyword's business, so every check lets non-strings through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Final

from jsonschema import FormatChecker

from forms.identifiers import (
    atvk_message,
    is_atvk,
    is_iban,
    is_personas_kods,
    is_registracijas_numurs,
)

__all__ = [
    "FORMAT_CHECKER",
    "FORMAT_MESSAGES",
    "format_message",
    "is_date",
    "is_date_time",
    "is_email",
    "is_kadastra_numurs",
    "is_phone",
]

_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 "date-time": a "T", seconds, optional fraction, and a mandatory offset.
_DATE_TIME_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# Deliberately loose: one "@", a dot in the domain, no spaces or angle brackets.
# Whether an address works is proven by a confirmation mail, not by a regex.
_EMAIL_RE: Final = re.compile(r"[^@\s<>]+@[^@\s<>.]+(?:\.[^@\s<>.]+)+")
_EMAIL_MAX: Final = 254
# A cadastre number (kadastra numurs) and a land unit's cadastral designation are
# 11 digits; a building's designation has 14, a premises group's 17 (VZD).
_KADASTRS_RE: Final = re.compile(r"[0-9]{11}(?:[0-9]{3}(?:[0-9]{3})?)?")
# A Latvian number has 8 digits (mobile 2…, fixed 6…, service 8…/9…), optionally
# after +371; other countries' numbers in international form (E.164: up to 15
# digits). Spaces between digit groups are allowed, nothing else.
_PHONE_LV_RE: Final = re.compile(r"(?:\+371)?[26-9][0-9]{7}")
_PHONE_INTL_RE: Final = re.compile(r"\+[1-9][0-9]{7,14}")


def is_date(value: str) -> bool:
    """True for a real calendar date written ``YYYY-MM-DD``."""
    if not _DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_date_time(value: str) -> bool:
    """True for an RFC 3339 date-time with an offset (``2025-03-30T10:00:00+03:00``)."""
    if not _DATE_TIME_RE.fullmatch(value):
        return False
    try:
        # fromisoformat rejects impossible dates and times the regex lets through.
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def is_email(value: str) -> bool:
    """True for something shaped like an e-mail address (``vards@example.lv``)."""
    return len(value) <= _EMAIL_MAX and _EMAIL_RE.fullmatch(value) is not None


def is_kadastra_numurs(value: str) -> bool:
    """True for a cadastre number or designation: 11, 14 or 17 digits."""
    return _KADASTRS_RE.fullmatch(value) is not None


def is_phone(value: str) -> bool:
    """True for a Latvian phone number (``+371 26123456``, ``67012345``) or another
    country's in international form (``+37060012345``)."""
    compact = value.replace(" ", "")
    if value != value.strip() or "  " in value:
        return False
    return bool(_PHONE_LV_RE.fullmatch(compact) or _PHONE_INTL_RE.fullmatch(compact))


_CHECKS: Final[dict[str, Callable[[str], bool]]] = {
    "personas-kods": is_personas_kods,
    "registracijas-numurs": is_registracijas_numurs,
    "iban": is_iban,
    "atvk": is_atvk,
    "date": is_date,
    "date-time": is_date_time,
    "email": is_email,
    "kadastra-numurs": is_kadastra_numurs,
    "talrunis": is_phone,
}

FORMAT_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "personas-kods": ("Nederīgs personas kods", "Invalid personal code"),
    "registracijas-numurs": (
        "Nederīgs reģistrācijas numurs",
        "Invalid registration number",
    ),
    "iban": ("Nederīgs IBAN konts", "Invalid IBAN account number"),
    "atvk": ("Nederīgs ATVK kods", "Invalid ATVK code"),
    "date": ("Nederīgs datums", "Invalid date (expected YYYY-MM-DD)"),
    "date-time": ("Nederīgs datums un laiks", "Invalid date and time"),
    "email": ("Nederīga e-pasta adrese", "Invalid e-mail address"),
    "kadastra-numurs": (
        "Nederīgs kadastra numurs (11, 14 vai 17 cipari)",
        "Invalid cadastre number (11, 14 or 17 digits)",
    ),
    "talrunis": ("Nederīgs tālruņa numurs", "Invalid phone number"),
}
"""Latvian and English message for each format this module checks."""

_UNKNOWN_FORMAT: Final = ("Nederīgs formāts", "Invalid format")


def format_message(name: str, instance: object) -> tuple[str, str]:
    """Latvian and English message for ``instance`` failing format ``name``.

    Usually the format's fixed message. A well-formed ATVK code that is not in the
    ATVK 2021 classifier gets its own ("… nav ATVK 2021 klasifikatorā"), so that a
    person who typed seven digits learns the code is unknown, not misshapen.
    """
    if name == "atvk" and isinstance(instance, str):
        reason = atvk_message(instance)
        if reason is not None:
            return reason
    return FORMAT_MESSAGES.get(name, _UNKNOWN_FORMAT)


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    def checker(instance: object) -> bool:
        return not isinstance(instance, str) or check(instance)

    return checker


def _build_checker() -> FormatChecker:
    # A fresh instance: FormatChecker() copies the class-level registry, so these
    # registrations never leak into other users of jsonschema in the process.
    checker = FormatChecker()
    for name, check in _CHECKS.items():
        checker.checks(name)(_strings_only(check))
    return checker


FORMAT_CHECKER: Final = _build_checker()
"""The format checker every PKIP form validator uses."""
