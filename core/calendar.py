# SPDX-License-Identifier: EUPL-1.2
"""Latvian working days and deadlines.

Holidays come from the ``holidays`` package (country LV), which knows the public
holidays, the days off that move to Monday when 4 May or 18 November fall on a
weekend ("observed"), and the Cabinet's yearly transfers of working days: a Monday
or Friday becomes a day off and a Saturday becomes a working day (e.g. Monday
23.12.2024 off, Saturday 14.12.2024 worked). We read all of that through the
package's public ``HolidayBase.is_working_day``, which accounts for those working
Saturdays, and cache the result per year.

Transfers are decided by Cabinet order each year; a year the installed package does
not know yet has no transfers. Keep the package current, or pass the missing days
as ``extra_days_off`` / ``extra_working_days``.

Counting rule (Administratīvā procesa likums, Articles 42-43, as summarised by the
Supreme Court's case-law page on procedural time limits): a period starts on the day
after the event that starts it, and a period whose last day falls on a day off ends
on the next working day. So "N working days after" never counts the start day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import holidays

__all__ = ["RIGA", "WorkingCalendar"]

RIGA: Final = ZoneInfo("Europe/Riga")
_END_OF_DAY: Final = time(23, 59, 59)
_ONE_DAY: Final = timedelta(days=1)


def _days_off_in(year: int) -> frozenset[date]:
    """Every day of ``year`` that is not a working day in Latvia, weekends included."""
    calendar = holidays.country_holidays("LV", years=year)
    day = date(year, 1, 1)
    days_off: set[date] = set()
    while day.year == year:
        if not calendar.is_working_day(day):
            days_off.add(day)
        day += _ONE_DAY
    return frozenset(days_off)


class WorkingCalendar:
    """Working days in Latvia, and deadlines counted in them (no IO, no clock)."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        """Build a calendar; the extras override the package's data for those dates.

        Use them for a transfer the installed ``holidays`` package does not know yet,
        or for a municipality's own closure day.
        """
        self._extra_off = frozenset(extra_days_off)
        self._extra_working = frozenset(extra_working_days)
        overlap = self._extra_off & self._extra_working
        if overlap:
            days = ", ".join(d.isoformat() for d in sorted(overlap))
            raise ValueError(f"dates both off and working: {days}")
        self._years: dict[int, frozenset[date]] = {}

    def is_working_day(self, d: date) -> bool:
        """True when ``d`` is a working day (a transferred working Saturday is one)."""
        if d in self._extra_working:
            return True
        if d in self._extra_off:
            return False
        days_off = self._years.get(d.year)
        if days_off is None:
            # Computing a year twice under a race is harmless; the value is the same.
            days_off = self._years[d.year] = _days_off_in(d.year)
        return d not in days_off

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, else the next working day."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``n == 0``: the first on or after).

        The start day itself never counts (the period begins the next day), so from
        Friday 20.12.2024 one working day is Friday 27.12.2024. From a non-working
        start, ``n == 0`` and ``n == 1`` both give the next working day: 0 means "the
        start, moved to a working day", 1 means "the first working day after it".
        """
        if n < 0:
            raise ValueError("n must be zero or positive")
        if n == 0:
            return self.next_working_day(start)
        day, counted = start, 0
        while counted < n:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days after ``a`` up to and including ``b``.

        The inverse of :meth:`add_working_days` for ``n >= 1``:
        ``working_days_between(a, add_working_days(a, n)) == n``. Negative when
        ``b`` is before ``a``; zero when they are the same day.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def due_at(
        self,
        start: datetime,
        *,
        working_days: int | None = None,
        calendar_days: int | None = None,
    ) -> datetime:
        """The end (23:59:59 Riga time) of the due day, as an aware UTC datetime.

        Give exactly one of ``working_days`` (the N-th working day after the Riga date
        of ``start``, see :meth:`add_working_days`) or ``calendar_days`` (N days after
        it, moved to the next working day when it lands on a day off). ``start`` must
        be timezone-aware: a naive time would silently be read in the server's zone.
        """
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be a timezone-aware datetime")
        local_day = start.astimezone(RIGA).date()
        if working_days is not None and calendar_days is None:
            due_day = self.add_working_days(local_day, working_days)
        elif calendar_days is not None and working_days is None:
            if calendar_days < 0:
                raise ValueError("calendar_days must be zero or positive")
            due_day = self.next_working_day(local_day + timedelta(days=calendar_days))
        else:
            raise ValueError("give exactly one of working_days and calendar_days")
        return datetime.combine(due_day, _END_OF_DAY, tzinfo=RIGA).astimezone(UTC)
