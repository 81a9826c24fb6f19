# SPDX-License-Identifier: EUPL-1.2
"""The keys VISS look-ups take, checked before any call, and masked for logs.

Personal codes and registration numbers follow ``forms.identifiers`` (the same rules
a form applies); cadastre numbers and designations are checked for shape only (the
State Land Service publishes no check digit). Each function returns the canonical
form the registry expects, or raises ``InvalidRequest`` with a message that does not
repeat the value.
"""

from __future__ import annotations

import re
from typing import Any, Final

from connectors.errors import InvalidRequest
from forms.identifiers import (
    atvk_message,
    is_atvk_shape,
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
)

# Personal codes start with a day (01-31) or 32; registration numbers with 4-9.
_PERSONAL_CODE_SHAPE: Final = re.compile(r"([0-3][0-9]{5})-?[0-9]{5}")
_SEPARATORS: Final = re.compile(r"[\s-]+")
MAX_QUERY: Final = 200
MIN_QUERY: Final = 3


def mask(value: object) -> str:
    """A key as it may appear in a log or on a page: personal codes lose their
    last five digits (``161175-*****``); other keys are shown as they are."""
    text = str(value or "").strip()
    match = _PERSONAL_CODE_SHAPE.fullmatch(text)
    if match is not None:
        return f"{match.group(1)}-*****"
    return text[:60]


def _text(value: Any, what: str, *, allow_int: bool = False) -> str:
    if isinstance(value, bool) or value is None:
        raise InvalidRequest(f"{what}: nav norādīts")
    # A number is taken only where no leading zero can have been lost.
    if allow_int and isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidRequest(f"{what}: jābūt tekstam")
    return value.strip()


def personal_code(value: Any, what: str = "personas kods") -> str:
    text = _text(value, what)
    if not is_personas_kods(text):
        raise InvalidRequest(f"{what}: nav derīgs personas kods")
    return normalize_personas_kods(text)


def registration_number(value: Any, what: str = "reģistrācijas numurs") -> str:
    text = _text(value, what, allow_int=True)
    if not is_registracijas_numurs(text):
        raise InvalidRequest(f"{what}: nav derīgs reģistrācijas numurs")
    return text


def taxpayer_code(value: Any) -> str:
    """A personal code (normalised) or a registration number."""
    text = _text(value, "nodokļu maksātāja kods")
    if is_registracijas_numurs(text):
        return text
    if is_personas_kods(text):
        return normalize_personas_kods(text)
    raise InvalidRequest(
        "nodokļu maksātāja kods: nav ne personas kods, ne reģistrācijas numurs"
    )


def _digits(value: Any, what: str, length: int) -> str:
    # People write cadastre numbers in groups ("0100 012 0345"); the registry
    # wants the digits only.
    text = _SEPARATORS.sub("", _text(value, what))
    if len(text) != length or not text.isascii() or not text.isdigit():
        raise InvalidRequest(f"{what}: jābūt {length} cipariem")
    return text


def cadastre_number(value: Any) -> str:
    """A land unit's cadastre number: 11 digits."""
    return _digits(value, "kadastra numurs", 11)


def cadastre_designation(value: Any) -> str:
    """A building's cadastre designation: the parcel's 11 digits and 3 more."""
    return _digits(value, "kadastra apzīmējums", 14)


def address_query(value: Any) -> str:
    text = " ".join(_text(value, "adreses meklējums").split())
    if not MIN_QUERY <= len(text) <= MAX_QUERY:
        raise InvalidRequest(
            f"adreses meklējums: no {MIN_QUERY} līdz {MAX_QUERY} rakstzīmēm"
        )
    return text


def atvk(value: Any) -> str | None:
    """An optional ATVK code: None or empty means every territory.

    Seven digits in force in the ATVK 2021 classifier; a well-formed code that is
    not there (invented, or retired by a merger) gets the classifier's message,
    which names a retired code's successors.
    """
    if value is None or value == "":
        return None
    text = _text(value, "ATVK kods")
    if not is_atvk_shape(text):
        raise InvalidRequest("ATVK kods: jābūt 7 cipariem")
    problem = atvk_message(text)
    if problem is not None:
        raise InvalidRequest(problem[0])
    return text
