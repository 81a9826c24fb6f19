# SPDX-License-Identifier: EUPL-1.2
"""Convert between what a browser sends or shows and the JSON values forms store.

Dates are stored ISO (``2025-03-31``); people may also type ``31.03.2025`` where a
browser has no date picker. Date-times are stored RFC 3339 with an offset and shown
in ``<input type="datetime-local">`` as Latvian wall-clock time (Europe/Riga).

Every ``parse_*`` returns None for text it cannot convert; the caller keeps the raw
text so the form can show it again.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from core.calendar import RIGA
from forms.formats import is_date, is_date_time

__all__ = [
    "RIGA",
    "display_date",
    "display_date_time",
    "local_input_value",
    "nonexistent_local_time",
    "parse_date",
    "parse_date_time",
    "parse_number",
]

_NUMBER_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SPACES_RE: Final = re.compile(r"[\s\u00a0\u202f']")
_LV_DATE_RE: Final = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_LOCAL_RE: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?"
)
_LV_LOCAL_RE: Final = re.compile(
    r"([0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4})\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
)


def parse_number(raw: str, *, integer: bool) -> int | float | None:
    """``"1 234,5"`` -> 1234.5; an integer field takes ``"12"`` and ``"12,0"`` only.

    A comma or a dot is the decimal separator; spaces (also non-breaking) and
    apostrophes may group thousands. Both a comma and a dot (``1.234,5``) are
    refused rather than guessed at.
    """
    text = _SPACES_RE.sub("", raw)
    if "," in text and "." in text:
        return None
    text = text.replace(",", ".")
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = Decimal(text)
    if value == value.to_integral_value():
        return int(value)
    return None if integer else float(value)


def parse_date(raw: str) -> str | None:
    """ISO ``2025-03-31`` from ``2025-03-31`` or ``31.03.2025``; None if not a date."""
    match = _LV_DATE_RE.fullmatch(raw)
    if match:
        day, month, year = match.groups()
        raw = f"{year}-{int(month):02d}-{int(day):02d}"
    return raw if is_date(raw) else None


def _local(raw: str) -> datetime | None:
    match = _LOCAL_RE.fullmatch(raw) or _LV_LOCAL_RE.fullmatch(raw)
    if match is None:
        return None
    day_text, hour, minute, second = match.groups()
    if "." in day_text:
        day_text = parse_date(day_text) or ""
    try:
        day_value = date.fromisoformat(day_text)
        return datetime(
            day_value.year,
            day_value.month,
            day_value.day,
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=RIGA,
        )
    except ValueError:
        return None


def nonexistent_local_time(raw: str) -> bool:
    """True for a Riga wall-clock time skipped by the spring clock change."""
    local = _local(raw)
    if local is None:
        return False
    round_trip = local.astimezone(UTC).astimezone(RIGA)
    return round_trip.replace(tzinfo=None) != local.replace(tzinfo=None)


def parse_date_time(raw: str) -> str | None:
    """RFC 3339 with the Riga offset from a ``datetime-local`` value (or dd.mm.yyyy
    hh:mm); an ISO value with its own offset passes unchanged.

    An hour that occurs twice in autumn is taken as the first (summer-time) one; an
    hour skipped in spring is refused (see :func:`nonexistent_local_time`).
    """
    if is_date_time(raw):
        return raw
    local = _local(raw)
    if local is None or nonexistent_local_time(raw):
        return None
    return local.isoformat(timespec="seconds")


def _aware(value: str) -> datetime | None:
    if not is_date_time(value):
        return None
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(RIGA)


def local_input_value(value: str) -> str | None:
    """A stored date-time as ``datetime-local`` wants it (Riga time), or None."""
    moment = _aware(value)
    if moment is None:
        return None
    shown = moment.strftime("%Y-%m-%dT%H:%M")
    return shown + moment.strftime(":%S") if moment.second else shown


def display_date(value: str) -> str:
    """``2025-03-31`` -> ``31.03.2025``; anything else unchanged."""
    return date.fromisoformat(value).strftime("%d.%m.%Y") if is_date(value) else value


def display_date_time(value: str) -> str:
    """A stored date-time as ``31.03.2025 14:05`` in Riga time; else unchanged."""
    moment = _aware(value)
    return moment.strftime("%d.%m.%Y %H:%M") if moment else value
