# SPDX-License-Identifier: EUPL-1.2
"""Latvian working days: holidays, moved days off, working Saturdays, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core import calendar as calendar_module
from core.calendar import RIGA, WorkingCalendar


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Easter 2025
        ("2025-04-17", True),  # Maundy Thursday is a normal day
        ("2025-04-18", False),  # Good Friday
        ("2025-04-20", False),  # Easter Sunday
        ("2025-04-21", False),  # Easter Monday
        ("2025-04-22", True),
        # November 2025: Monday 17th moved off, Saturday 8th worked instead
        ("2025-11-08", True),
        ("2025-11-15", False),  # an ordinary Saturday
        ("2025-11-17", False),
        ("2025-11-18", False),  # Proclamation Day
        ("2025-11-19", True),
        # Christmas 2024: Monday 23rd moved to Saturday 14th, 30th to Saturday 28th
        ("2024-12-14", True),
        ("2024-12-21", False),
        ("2024-12-23", False),
        ("2024-12-24", False),
        ("2024-12-25", False),
        ("2024-12-26", False),
        ("2024-12-27", True),
        ("2024-12-28", True),
        ("2024-12-30", False),
        ("2024-12-31", False),
        ("2025-01-01", False),
        ("2025-01-02", True),
        # Midsummer 2026: Monday 22nd off, Saturday 27th worked
        ("2026-06-20", False),
        ("2026-06-22", False),
        ("2026-06-23", False),
        ("2026-06-24", False),
        ("2026-06-25", True),
        ("2026-06-27", True),
        # 4 May 2024 fell on a Saturday: the following Monday is off ("observed")
        ("2024-05-04", False),
        ("2024-05-06", False),
        ("2024-05-07", True),
        # 4 May 2026 is itself a Monday
        ("2026-05-04", False),
        # An ordinary week
        ("2025-03-12", True),
        ("2025-03-15", False),
        ("2025-03-16", False),
    ],
)
def test_is_working_day(cal: WorkingCalendar, day: str, working: bool) -> None:
    assert cal.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-04-17", 1, "2025-04-22"),  # over Easter
        ("2025-04-17", 0, "2025-04-17"),  # a working start is day 0 itself
        ("2025-04-19", 0, "2025-04-22"),  # a non-working start moves forward
        ("2025-04-19", 1, "2025-04-22"),  # the first working day after Saturday
        ("2025-04-19", 2, "2025-04-23"),
        ("2025-11-14", 1, "2025-11-19"),  # over 17 and 18 November
        ("2025-11-07", 1, "2025-11-08"),  # the working Saturday counts
        ("2024-12-20", 1, "2024-12-27"),  # over Christmas
        ("2024-12-27", 1, "2024-12-28"),  # to the working Saturday
        ("2024-12-28", 1, "2025-01-02"),  # over New Year
        ("2024-12-13", 1, "2024-12-14"),
        ("2026-06-19", 1, "2026-06-25"),  # over Midsummer
        ("2026-06-26", 1, "2026-06-27"),
        ("2025-03-10", 10, "2025-03-24"),  # two plain weeks
    ],
)
def test_add_working_days(
    cal: WorkingCalendar, start: str, n: int, expected: str
) -> None:
    assert cal.add_working_days(d(start), n) == d(expected)


def test_e_address_delivery_on_the_second_working_day(cal: WorkingCalendar) -> None:
    # Sent on Thursday 19.12.2024: Friday 20th is the first working day after, and
    # the next one is Friday 27th.
    assert cal.add_working_days(d("2024-12-19"), 2) == d("2024-12-27")


def test_negative_n_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="n must be"):
        cal.add_working_days(d("2025-01-10"), -1)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2024-12-20", "2025-01-02", 3),  # 27.12, 28.12, 2.1
        ("2025-04-17", "2025-04-22", 1),
        ("2025-04-17", "2025-04-17", 0),
        ("2025-04-22", "2025-04-17", -1),
        ("2026-06-19", "2026-06-28", 3),  # 25, 26 and the working Saturday 27
    ],
)
def test_working_days_between(
    cal: WorkingCalendar, a: str, b: str, expected: int
) -> None:
    assert cal.working_days_between(d(a), d(b)) == expected


def test_between_inverts_add(cal: WorkingCalendar) -> None:
    start = d("2024-12-01")
    for offset in range(0, 60, 3):
        a = start + timedelta(days=offset)
        for n in range(1, 25):
            assert cal.working_days_between(a, cal.add_working_days(a, n)) == n


def test_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(d("2024-12-21")) == d("2024-12-27")
    assert cal.next_working_day(d("2024-12-27")) == d("2024-12-27")


# -- due_at ---------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_due_at_is_end_of_day_in_riga_summer_time(cal: WorkingCalendar) -> None:
    # Thursday + 3 calendar days = Sunday 30.03.2025 (the day summer time starts),
    # moved to Monday 31.03, which ends at 23:59:59 EEST = 20:59:59 UTC.
    due = cal.due_at(utc(2025, 3, 27, 10, 0), calendar_days=3)
    assert due == utc(2025, 3, 31, 20, 59, 59)
    assert due.tzinfo is UTC
    assert due.astimezone(RIGA).isoformat() == "2025-03-31T23:59:59+03:00"


def test_due_at_in_winter_time(cal: WorkingCalendar) -> None:
    # Summer time ends on Sunday 26.10.2025: Monday 27th ends at 23:59:59 EET.
    due = cal.due_at(utc(2025, 10, 23, 12, 0), working_days=2)
    assert due == utc(2025, 10, 27, 21, 59, 59)
    assert due.astimezone(RIGA).isoformat() == "2025-10-27T23:59:59+02:00"


def test_due_at_counts_from_the_riga_date(cal: WorkingCalendar) -> None:
    # 22:30 UTC on Thursday 30.01.2025 is already Friday 00:30 in Riga, so one
    # working day later is Monday 3.2, not Friday 31.1.
    due = cal.due_at(utc(2025, 1, 30, 22, 30), working_days=1)
    assert due.astimezone(RIGA).date() == d("2025-02-03")


def test_due_at_calendar_days_landing_on_holidays(cal: WorkingCalendar) -> None:
    # Friday 13.06.2025 + 10 days = Līgo (Monday 23rd), then Jāņi: due Wednesday.
    due = cal.due_at(utc(2025, 6, 13, 9, 0), calendar_days=10)
    assert due == utc(2025, 6, 25, 20, 59, 59)


def test_due_at_calendar_days_on_a_working_day_stays(cal: WorkingCalendar) -> None:
    due = cal.due_at(utc(2025, 3, 3, 9, 0), calendar_days=14)
    assert due.astimezone(RIGA).date() == d("2025-03-17")


def test_due_at_accepts_any_aware_zone(cal: WorkingCalendar) -> None:
    start = datetime(2024, 12, 20, 9, 0, tzinfo=RIGA)
    assert cal.due_at(start, working_days=1) == utc(2024, 12, 27, 21, 59, 59)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one"),
        ({"working_days": 1, "calendar_days": 1}, "exactly one"),
        ({"calendar_days": -1}, "calendar_days"),
        ({"working_days": -1}, "n must be"),
    ],
)
def test_due_at_arguments(
    cal: WorkingCalendar, kwargs: dict[str, int], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        cal.due_at(utc(2025, 1, 6, 9, 0), **kwargs)


def test_due_at_refuses_naive_datetimes(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.due_at(datetime(2025, 1, 6, 9, 0), working_days=1)


# -- overrides and caching ------------------------------------------------------------


def test_extra_days_override_the_package() -> None:
    cal = WorkingCalendar(
        extra_days_off=[d("2025-07-01")], extra_working_days=[d("2025-07-05")]
    )
    assert not cal.is_working_day(d("2025-07-01"))
    assert cal.is_working_day(d("2025-07-05"))  # a Saturday
    assert cal.add_working_days(d("2025-06-30"), 1) == d("2025-07-02")


def test_a_day_cannot_be_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="2025-07-01"):
        WorkingCalendar(
            extra_days_off=[d("2025-07-01")], extra_working_days=[d("2025-07-01")]
        )


def test_holidays_are_computed_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = calendar_module._days_off_in

    def counting(year: int) -> frozenset[date]:
        calls.append(year)
        return real(year)

    monkeypatch.setattr(calendar_module, "_days_off_in", counting)
    cal = WorkingCalendar()
    cal.add_working_days(d("2024-12-01"), 40)
    cal.is_working_day(d("2024-06-01"))
    assert calls == [2024, 2025]
