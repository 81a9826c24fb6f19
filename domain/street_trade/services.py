# SPDX-License-Identifier: EUPL-1.2
"""Street trade places and bookings: the operations (they flush, the caller commits).

Every function takes the municipality and finds nothing of another one. Messages
meant for the applicant or the clerk are Latvian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.street_trade.models import (
    GRANTED,
    HELD,
    PAID,
    RELEASED,
    TradeBooking,
    TradeBookingDay,
    TradePlace,
)

PLACE_KINDS = {
    "centrs": "Vēsturiskais centrs",
    "apkaime": "Apkaime",
    "tirgus": "Tirgus laukums",
}
"""The place's rate class: the fee table (street_trade_fee.dmn) decides by it."""
GOODS_KINDS = {
    "partika": "Pārtika un dzērieni",
    "ziedi": "Ziedi, stādi un dārza produkcija",
    "amatnieki": "Amatnieku un mājražotāju izstrādājumi",
    "gramatas": "Grāmatas, preses izdevumi un suvenīri",
}
"""The kind of goods a place allows."""
MAX_DAYS = 92
"""The longest period one application may book (about a season)."""
MAX_AHEAD_DAYS = 366
"""How far ahead a period may start."""
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


class PlaceError(ValueError):
    """A place's field is wrong: ``field`` and a Latvian ``message``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BookingRefused(ValueError):
    """The place cannot be booked for the period (Latvian message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# -- places --------------------------------------------------------------------------
@dataclass(frozen=True)
class NewPlace:
    code: str
    address: str
    description: str
    kind: str
    goods: str


def _clean(text: str, field: str, limit: int, *, required: bool = True) -> str:
    value = " ".join((text or "").split())
    if required and not value:
        raise PlaceError(field, "jānorāda")
    if len(value) > limit:
        raise PlaceError(field, f"ne garāks par {limit} rakstzīmēm")
    if "<" in value or ">" in value:
        raise PlaceError(field, "nedrīkst saturēt zīmes < un >")
    return value


def add_place(
    session: Session, municipality: str, new: NewPlace, *, actor: str, now: datetime
) -> TradePlace:
    code = (new.code or "").strip().upper()
    if not _CODE.match(code):
        raise PlaceError(
            "code", "1–20 lielie burti, cipari vai domuzīmes (piemēram, RIGA-01)"
        )
    address = _clean(new.address, "address", 255)
    description = _clean(new.description, "description", 1000, required=False)
    if new.kind not in PLACE_KINDS:
        raise PlaceError("kind", "izvēlieties vietas veidu no saraksta")
    if new.goods not in GOODS_KINDS:
        raise PlaceError("goods", "izvēlieties preču veidu no saraksta")
    if find_place(session, municipality, code) is not None:
        raise PlaceError("code", f"vieta ar kodu {code} jau ir")
    place = TradePlace(
        municipality=municipality,
        code=code,
        address=address,
        description=description,
        kind=new.kind,
        goods=new.goods,
        active=True,
        created_by=actor,
        created_at=now,
    )
    session.add(place)
    session.flush()
    return place


def find_place(session: Session, municipality: str, code: str) -> TradePlace | None:
    return session.scalars(
        select(TradePlace).where(
            TradePlace.municipality == municipality,
            TradePlace.code == (code or "").strip().upper(),
        )
    ).first()


def list_places(
    session: Session, municipality: str, *, active_only: bool = False
) -> list[TradePlace]:
    query = select(TradePlace).where(TradePlace.municipality == municipality)
    if active_only:
        query = query.where(TradePlace.active.is_(True))
    return list(session.scalars(query.order_by(TradePlace.code)))


def set_active(
    session: Session, municipality: str, place_id: int, active: bool, *, now: datetime
) -> TradePlace:
    """Deactivate (or activate again) a place; ``LookupError`` for an unknown id or
    another municipality's. Existing bookings stay; new applications are refused."""
    place = session.get(TradePlace, place_id)
    if place is None or place.municipality != municipality:
        raise LookupError(place_id)
    place.active = active
    place.deactivated_at = None if active else now
    session.flush()
    return place


# -- bookings ------------------------------------------------------------------------
def _days(starts_on: date, ends_on: date) -> list[date]:
    return [
        starts_on + timedelta(days=i) for i in range((ends_on - starts_on).days + 1)
    ]


def check_application(
    session: Session,
    municipality: str,
    place_code: str,
    starts_on: date,
    ends_on: date,
    *,
    today: date,
) -> list[tuple[str, str]]:
    """(field, Latvian message) for everything wrong with a requested booking: an
    unknown or inactive place, a period in the past, reversed, too long, or one
    overlapping a booking of the place. Empty when it can be booked now."""
    errors: list[tuple[str, str]] = []
    place = find_place(session, municipality, place_code)
    if place is None:
        errors.append(("place_code", "Šādas tirdzniecības vietas pašvaldībā nav"))
    elif not place.active:
        errors.append(("place_code", "Tirdzniecības vieta vairs netiek iznomāta"))
    if ends_on < starts_on:
        errors.append(("date_to", "Beigu datums ir pirms sākuma datuma"))
    elif (ends_on - starts_on).days + 1 > MAX_DAYS:
        errors.append(("date_to", f"Periods nevar būt garāks par {MAX_DAYS} dienām"))
    if starts_on < today:
        errors.append(("date_from", "Sākuma datums jau ir pagājis"))
    elif (starts_on - today).days > MAX_AHEAD_DAYS:
        errors.append(
            ("date_from", "Periodu var pieteikt ne vairāk kā gadu uz priekšu")
        )
    if errors or place is None:
        return errors
    taken = session.scalars(
        select(TradeBookingDay.day)
        .where(
            TradeBookingDay.place_id == place.id,
            TradeBookingDay.day >= starts_on,
            TradeBookingDay.day <= ends_on,
        )
        .order_by(TradeBookingDay.day)
    ).all()
    if taken:
        errors.append(
            (
                "date_from",
                f"Vieta {place.code} šajā periodā jau ir aizņemta "
                f"(no {taken[0]:%d.%m.%Y} līdz {taken[-1]:%d.%m.%Y}); izvēlieties citu "
                "periodu vai vietu",
            )
        )
    return errors


def booking_of(
    session: Session, municipality: str, case_number: str
) -> TradeBooking | None:
    return session.scalars(
        select(TradeBooking).where(
            TradeBooking.municipality == municipality,
            TradeBooking.case_number == case_number,
        )
    ).first()


def hold(
    session: Session,
    municipality: str,
    *,
    case_number: str,
    place_code: str,
    company_reg_number: str,
    goods: str,
    starts_on: date,
    ends_on: date,
    today: date,
    now: datetime,
) -> TradeBooking:
    """Book the place for the case (the same case again finds its booking).
    ``BookingRefused`` when the place is unknown, inactive, the period wrong, or any
    day already booked — by the check, or by the database's unique day row when
    another application took it at the same moment."""
    existing = booking_of(session, municipality, case_number)
    if existing is not None:
        return existing
    errors = check_application(
        session, municipality, place_code, starts_on, ends_on, today=today
    )
    if errors:
        raise BookingRefused(*errors[0])
    place = find_place(session, municipality, place_code)
    assert place is not None
    booking = TradeBooking(
        municipality=municipality,
        place_id=place.id,
        case_number=case_number,
        company_reg_number=company_reg_number,
        goods=goods[:500],
        starts_on=starts_on,
        ends_on=ends_on,
        state=HELD,
        created_at=now,
        changed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
            session.add_all(
                TradeBookingDay(booking_id=booking.id, place_id=place.id, day=day)
                for day in _days(starts_on, ends_on)
            )
            session.flush()
    except IntegrityError:
        raise BookingRefused(
            "date_from",
            f"Vieta {place.code} šajā periodā tikko tika aizņemta citam "
            "iesniegumam; izvēlieties citu periodu vai vietu",
        ) from None
    return booking


def confirm(
    session: Session, municipality: str, case_number: str, *, now: datetime
) -> TradeBooking:
    """The clerk's grant: the booking must still hold every day of its period
    (checked again at the decision). ``BookingRefused`` otherwise."""
    booking = booking_of(session, municipality, case_number)
    if booking is None or booking.state == RELEASED:
        raise BookingRefused(
            "place_code", "Lietai nav spēkā esošas vietas rezervācijas"
        )
    held = session.scalars(
        select(TradeBookingDay.day).where(TradeBookingDay.booking_id == booking.id)
    ).all()
    if len(held) != booking.days:
        raise BookingRefused("place_code", "Vietas rezervācija periodam nav pilnīga")
    if booking.state == HELD:
        booking.state = GRANTED
        booking.changed_at = now
    session.flush()
    return booking


def mark_paid(
    session: Session, municipality: str, case_number: str, *, now: datetime
) -> TradeBooking:
    booking = booking_of(session, municipality, case_number)
    if booking is None or booking.state == RELEASED:
        raise BookingRefused(
            "place_code", "Lietai nav spēkā esošas vietas rezervācijas"
        )
    booking.state = PAID
    booking.changed_at = now
    session.flush()
    return booking


def release(
    session: Session, municipality: str, case_number: str, *, now: datetime
) -> TradeBooking | None:
    """Free the case's days (refused or unpaid); None when the case booked nothing."""
    booking = booking_of(session, municipality, case_number)
    if booking is None:
        return None
    session.execute(
        delete(TradeBookingDay).where(TradeBookingDay.booking_id == booking.id)
    )
    if booking.state != RELEASED:
        booking.state = RELEASED
        booking.changed_at = now
    session.flush()
    return booking


def bookings_of_place(
    session: Session, municipality: str, place_id: int
) -> list[TradeBooking]:
    return list(
        session.scalars(
            select(TradeBooking)
            .where(
                TradeBooking.municipality == municipality,
                TradeBooking.place_id == place_id,
                TradeBooking.state != RELEASED,
            )
            .order_by(TradeBooking.starts_on)
        )
    )
