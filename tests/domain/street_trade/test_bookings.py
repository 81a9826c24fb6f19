# SPDX-License-Identifier: EUPL-1.2
"""Street trade places and bookings: validation, municipality scope, and the
database's own refusal of a double booking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.street_trade import BookingRefused, PlaceError, TradeBookingDay
from domain.street_trade import services as trade
from domain.street_trade.seed import seed_demo_places
from tests.conftest import MUNI, OTHER_MUNI, T0

TODAY = date(2026, 3, 2)


@pytest.fixture
def places(db_session: Session, municipalities: tuple[str, str]) -> None:
    seed_demo_places(db_session, MUNI, now=T0)


def _hold(db: Session, number: str, start: date, end: date, place: str = "RIGA-01"):
    return trade.hold(
        db,
        MUNI,
        case_number=number,
        place_code=place,
        company_reg_number="40003521600",
        goods="Keramika",
        starts_on=start,
        ends_on=end,
        today=TODAY,
        now=T0,
    )


def test_seeded_places_are_riga_places_and_seeding_is_idempotent(
    db_session: Session, places: None
) -> None:
    found = trade.list_places(db_session, MUNI)
    assert [p.code for p in found] == [f"RIGA-0{i}" for i in range(1, 7)]
    assert found[0].address == "Doma laukums, Rīga, LV-1050"
    assert seed_demo_places(db_session, MUNI, now=T0) == []
    assert trade.list_places(db_session, OTHER_MUNI) == []


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("code", {"code": "rīga 1"}),
        ("code", {"code": "RIGA-01"}),  # taken
        ("address", {"address": "  "}),
        ("address", {"address": "<script>alert(1)</script>"}),
        ("kind", {"kind": "pils"}),
        ("goods", {"goods": "ieroči"}),
    ],
)
def test_a_bad_place_names_its_field(
    db_session: Session, places: None, field: str, change: dict[str, str]
) -> None:
    values = {
        "code": "RIGA-99",
        "address": "Brīvības iela 1, Rīga",
        "description": "",
        "kind": "apkaime",
        "goods": "partika",
        **change,
    }
    with pytest.raises(PlaceError) as error:
        trade.add_place(
            db_session, MUNI, trade.NewPlace(**values), actor="analitike", now=T0
        )
    assert error.value.field == field


def test_deactivated_place_refuses_new_applications(
    db_session: Session, places: None
) -> None:
    place = trade.find_place(db_session, MUNI, "RIGA-03")
    assert place is not None
    with pytest.raises(LookupError):  # another municipality cannot touch it
        trade.set_active(db_session, OTHER_MUNI, place.id, False, now=T0)
    trade.set_active(db_session, MUNI, place.id, False, now=T0)
    errors = trade.check_application(
        db_session, MUNI, "RIGA-03", date(2026, 3, 9), date(2026, 3, 10), today=TODAY
    )
    assert errors == [("place_code", "Tirdzniecības vieta vairs netiek iznomāta")]
    # and another municipality's place code is unknown here
    assert trade.check_application(
        db_session, OTHER_MUNI, "RIGA-01", date(2026, 3, 9), date(2026, 3, 9),
        today=TODAY,
    )[0] == ("place_code", "Šādas tirdzniecības vietas pašvaldībā nav")  # fmt: skip


def test_period_checks_name_the_field(db_session: Session, places: None) -> None:
    def check(start: date, end: date) -> list[str]:
        found = trade.check_application(
            db_session, MUNI, "RIGA-01", start, end, today=TODAY
        )
        return [field for field, _ in found]

    assert check(date(2026, 3, 9), date(2026, 3, 8)) == ["date_to"]
    assert check(date(2026, 3, 1), date(2026, 3, 3)) == ["date_from"]
    assert check(date(2026, 3, 9), date(2026, 6, 30)) == ["date_to"]  # > 92 days
    assert check(date(2027, 6, 1), date(2027, 6, 2)) == ["date_from"]
    assert check(date(2026, 3, 2), date(2026, 3, 2)) == []


def test_overlap_is_refused_and_release_frees_the_days(
    db_session: Session, places: None
) -> None:
    first = _hold(db_session, "RIGA-2026-000001", date(2026, 3, 9), date(2026, 3, 15))
    assert first.days == 7 and first.state == "held"
    # the same case again finds its booking
    assert (
        _hold(db_session, "RIGA-2026-000001", date(2026, 3, 9), date(2026, 3, 15))
        is first
    )
    with pytest.raises(BookingRefused) as refused:
        _hold(db_session, "RIGA-2026-000002", date(2026, 3, 15), date(2026, 3, 16))
    assert refused.value.field == "date_from"
    assert "(no 15.03.2026 līdz 15.03.2026)" in refused.value.message
    # the day after is free, and so is another place
    _hold(db_session, "RIGA-2026-000003", date(2026, 3, 16), date(2026, 3, 16))
    _hold(db_session, "RIGA-2026-000004", date(2026, 3, 9), date(2026, 3, 9), "RIGA-02")
    trade.release(db_session, MUNI, "RIGA-2026-000001", now=T0)
    again = _hold(db_session, "RIGA-2026-000005", date(2026, 3, 12), date(2026, 3, 15))
    assert again.state == "held"
    with pytest.raises(BookingRefused):  # released: the decision's check fails
        trade.confirm(db_session, MUNI, "RIGA-2026-000001", now=T0)
    assert (
        trade.confirm(db_session, MUNI, "RIGA-2026-000005", now=T0).state == "granted"
    )


def test_the_database_itself_refuses_a_second_booking_of_a_day(
    db_session: Session, places: None
) -> None:
    # what two simultaneous applications would do past the check
    first = _hold(db_session, "RIGA-2026-000001", date(2026, 3, 9), date(2026, 3, 9))
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(
            TradeBookingDay(
                booking_id=first.id, place_id=first.place_id, day=first.starts_on
            )
        )
        db_session.flush()


def test_a_lost_race_past_the_check_is_a_latvian_refusal(
    db_session: Session, places: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hold(db_session, "RIGA-2026-000001", date(2026, 3, 9), date(2026, 3, 10))
    # the other application checked before this one's days were written
    monkeypatch.setattr(trade, "check_application", lambda *a, **k: [])
    with pytest.raises(BookingRefused) as refused:
        _hold(db_session, "RIGA-2026-000002", date(2026, 3, 10), date(2026, 3, 11))
    assert "tikko tika aizņemta citam iesniegumam" in refused.value.message
    assert trade.booking_of(db_session, MUNI, "RIGA-2026-000002") is None
    assert trade.booking_of(db_session, MUNI, "RIGA-2026-000001") is not None
