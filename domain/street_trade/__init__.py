# SPDX-License-Identifier: EUPL-1.2
"""Street trade at the municipality's permanent places (issue 12, the e-service
PKIP-010): the places, and their bookings for a period — one booking per case, no two
bookings of a place on the same day (a unique day row, so the database itself refuses
a double booking that two simultaneous applications would make)."""

from domain.street_trade.models import TradeBooking, TradeBookingDay, TradePlace
from domain.street_trade.services import (
    GOODS_KINDS,
    PLACE_KINDS,
    BookingRefused,
    PlaceError,
)

__all__ = [
    "GOODS_KINDS",
    "PLACE_KINDS",
    "BookingRefused",
    "PlaceError",
    "TradeBooking",
    "TradeBookingDay",
    "TradePlace",
]
