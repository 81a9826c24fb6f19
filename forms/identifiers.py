# SPDX-License-Identifier: EUPL-1.2
"""Latvian identifiers: personal codes, registration numbers, IBANs, ATVK codes.

One place for these rules, used by the form validator and by the connectors, so a
personal code accepted on a form is the same one a registry query will accept.

The check-digit arithmetic comes from python-stdnum (``stdnum.lv.pvn``,
``stdnum.iban``); this module adds what stdnum leaves open for our use:

* stdnum rejects a ``32…`` personal code whose check digit fails. No official rule for
  the check digit of those codes has been found (DOMAIN.md), so rejecting a real
  person's code would lock them out of a service. Here such a code is *valid*, and
  :func:`personas_kods_warning` says it deserves a second look.
* stdnum accepts any digit as the century marker (``3`` would mean the 2100s); only
  0, 1 and 2 are issued.
* stdnum strips separators liberally (``LV``, spaces, dashes anywhere). A form field
  is stricter: a personal code is ``DDMMYYCNNNZ`` with at most one dash after the
  sixth digit, a registration number is eleven digits.

Every function takes untrusted input and answers False (or None) rather than raising,
except :func:`normalize_personas_kods`, whose caller asked for a value.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from stdnum import iban as _iban
from stdnum.lv import pvn as _pvn

from forms import atvk as _atvk
from forms.atvk import ATVK_NOT_IN_CLASSIFIER, ATVK_NOT_IN_CLASSIFIER_EN

__all__ = [
    "PERSONAS_KODS_WARNING",
    "PERSONAS_KODS_WARNING_EN",
    "ATVK_NOT_IN_CLASSIFIER",
    "ATVK_NOT_IN_CLASSIFIER_EN",
    "atvk_message",
    "is_atvk",
    "is_atvk_shape",
    "is_iban",
    "is_lv_iban",
    "is_personas_kods",
    "is_registracijas_numurs",
    "normalize_personas_kods",
    "personas_kods_warning",
]

# ASCII digits only: ``\d`` would also accept Arabic-Indic and other Unicode digits.
_PERSONAS_KODS_RE: Final = re.compile(r"([0-9]{6})-?([0-9]{5})")
_REG_NR_RE: Final = re.compile(r"[0-9]{11}")
_ATVK_RE: Final = re.compile(r"[0-9]{7}")
# Letters, digits and single spaces between groups, as people copy IBANs from banks.
_IBAN_RE: Final = re.compile(r"[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9])+")

# Century marker (7th digit) of a personal code with a birth date -> first year.
_CENTURY: Final = {"0": 1800, "1": 1900, "2": 2000}

PERSONAS_KODS_WARNING: Final = (
    "Personas koda kontrolcipars neatbilst parastajam aprēķinam; pārbaudiet kodu"
)
PERSONAS_KODS_WARNING_EN: Final = (
    "The personal code's check digit does not match the usual calculation; "
    "please double-check it"
)


def _compact_personas_kods(value: object) -> str | None:
    """Return the 11 digits of a well-formed personal code, or None."""
    if not isinstance(value, str):
        return None
    match = _PERSONAS_KODS_RE.fullmatch(value.strip())
    if match is None:
        return None
    return match.group(1) + match.group(2)


def _is_new_format(digits: str) -> bool:
    # Codes issued since 1 July 2017 start with 32 and carry no birth date; an old
    # code cannot start with 32 because no month has a 32nd day.
    return digits.startswith("32")


def _birth_date_is_real(digits: str) -> bool:
    century = _CENTURY.get(digits[6])
    if century is None:
        return False
    try:
        date(century + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        return False
    return True


def _check_digit_ok(digits: str) -> bool:
    return _pvn.calc_check_digit_pers(digits[:-1]) == digits[-1]


def _valid_personas_kods_digits(value: object) -> str | None:
    """The 11 digits of a valid personal code, or None."""
    digits = _compact_personas_kods(value)
    if digits is None:
        return None
    if _is_new_format(digits):
        return digits
    if _birth_date_is_real(digits) and _check_digit_ok(digits):
        return digits
    return None


def is_personas_kods(value: str) -> bool:
    """True when ``value`` is a Latvian personal code (with or without the dash).

    Old-format codes (``DDMMYY-CNNNZ``) need a real birth date, a century digit of
    0, 1 or 2 and a matching check digit. New-format codes (``32xxxx-xxxxx``) need
    only the format; see :func:`personas_kods_warning` for their check digit.
    """
    return _valid_personas_kods_digits(value) is not None


def personas_kods_warning(value: str) -> str | None:
    """A Latvian warning for a valid ``32…`` code whose check digit fails, else None.

    Returns None for codes that are fine and for values that are not personal codes
    at all (those are errors, reported by :func:`is_personas_kods`).
    """
    digits = _compact_personas_kods(value)
    if digits is None or not _is_new_format(digits) or _check_digit_ok(digits):
        return None
    return PERSONAS_KODS_WARNING


def normalize_personas_kods(s: str) -> str:
    """Return the canonical ``DDMMYY-CNNNZ`` form (with the dash) of a personal code.

    Raises ValueError when ``s`` is not a valid personal code, so that a malformed
    code is never stored or sent to a registry in a "normalised" shape.
    """
    digits = _valid_personas_kods_digits(s)
    if digits is None:
        raise ValueError("nederīgs personas kods")
    return f"{digits[:6]}-{digits[6:]}"


def is_registracijas_numurs(value: str) -> bool:
    """True for an 11-digit Latvian company registration number with a valid checksum.

    The weighted sum (9,1,4,8,3,10,2,5,7,6,1) mod 11 must be 3. Numbers starting with
    0-3 are personal codes in the same number space, never registration numbers.
    """
    if not isinstance(value, str):
        return False
    digits = value.strip()
    if not _REG_NR_RE.fullmatch(digits) or digits[0] <= "3":
        return False
    return _pvn.checksum(digits) == 3


def is_iban(value: str) -> bool:
    """True for a valid IBAN of any country; spaces between characters are allowed."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not _IBAN_RE.fullmatch(text):
        return False
    return bool(_iban.is_valid(text))


def is_lv_iban(value: str) -> bool:
    """True for a valid Latvian IBAN (``LV`` + 19 characters)."""
    return is_iban(value) and value.strip()[:2].upper() == "LV"


def is_atvk_shape(value: str) -> bool:
    """True for seven ASCII digits, the shape of every ATVK code (``0001000``).

    The first step of :func:`is_atvk`, for callers that report a malformed value
    differently from a well-formed code that is not in the classifier.
    """
    return isinstance(value, str) and _ATVK_RE.fullmatch(value) is not None


def is_atvk(value: str) -> bool:
    """True for a code in force in the ATVK 2021 classifier (Rīga is ``0001000``).

    Seven digits are not enough: the code must name a state city, municipality,
    city or parish in the classifier table shipped in ``forms/data`` (see
    :mod:`forms.atvk`, whose ``lookup`` gives the unit's name, kind and parent).
    Codes that a merger or split retired (Madonas novads' ``0038000``) are not
    valid any more.
    """
    return is_atvk_shape(value) and _atvk.lookup(value) is not None


def atvk_message(value: str) -> tuple[str, str] | None:
    """Latvian and English reason why a seven-digit value is no ATVK code in force.

    None when the value is a valid code, and also when it is not seven digits at
    all: that is the shape check's error, worded by the caller (a form says
    "Nederīgs ATVK kods", a connector "jābūt 7 cipariem"). A retired code's message
    names the codes that replaced it; the value itself is never repeated.
    """
    if not is_atvk_shape(value) or _atvk.lookup(value) is not None:
        return None
    return _atvk.classifier_message(value)
