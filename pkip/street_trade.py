# SPDX-License-Identifier: EUPL-1.2
"""The street trade diagram's way to its bookings (domain/street_trade):
``trade.hold``, ``trade.confirm``, ``trade.paid``, ``trade.release``.

Queries run inline in the step's own transaction (a savepoint of it,
``Platform.joined_transaction``), so the booking commits with the step that made it
or not at all. A place that cannot be booked is an answer (``booked`` false and the
Latvian reason), not an error: the diagram takes its refusal path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from connectors.registry import QUERY, InvalidParameters, Operator, Registry
from core.calendar import RIGA
from core.contracts import CallContext
from domain.street_trade import services
from domain.street_trade.models import TradePlace
from domain.street_trade.services import GOODS_KINDS, PLACE_KINDS, BookingRefused

SYSTEM = "PKIP"


def _municipality(context: CallContext, name: str) -> str:
    if not context.municipality:
        raise InvalidParameters(f"{name}: the call has no municipality")
    return context.municipality


def _case(params: Mapping[str, Any], name: str) -> str:
    value = params.get("case_number")
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameters(f"{name}: case_number is required")
    return value.strip()


def _date(params: Mapping[str, Any], key: str, name: str) -> date:
    try:
        return date.fromisoformat(str(params.get(key) or "")[:10])
    except ValueError:
        raise InvalidParameters(f"{name}: {key} must be a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class TradeOperators:
    transaction: Callable[[], AbstractContextManager[Session]]
    clock: Callable[[], datetime]

    def hold(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """trade.hold: {case_number, place_code, company_reg_number, goods,
        date_from, date_to} → {booked, message, place_code, place_address,
        place_kind, place_kind_name, goods_allowed, days}."""
        name = "trade.hold"
        municipality = _municipality(context, name)
        number = _case(params, name)
        starts_on = _date(params, "date_from", name)
        ends_on = _date(params, "date_to", name)
        now = self.clock()
        with self.transaction() as session:
            try:
                booking = services.hold(
                    session,
                    municipality,
                    case_number=number,
                    place_code=str(params.get("place_code") or ""),
                    company_reg_number=str(params.get("company_reg_number") or ""),
                    goods=str(params.get("goods") or ""),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    today=now.astimezone(RIGA).date(),
                    now=now,
                )
            except BookingRefused as refused:
                return {"booked": False, "message": refused.message, "days": 0}
            place = session.get(TradePlace, booking.place_id)
            assert place is not None
            return {
                "booked": True,
                "message": "",
                "place_code": place.code,
                "place_address": place.address,
                "place_kind": place.kind,
                "place_kind_name": PLACE_KINDS[place.kind],
                "goods_allowed": GOODS_KINDS[place.goods],
                "days": booking.days,
            }

    def confirm(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """trade.confirm: {case_number} → {confirmed, message} (checked again at
        the clerk's decision)."""
        name = "trade.confirm"
        municipality = _municipality(context, name)
        with self.transaction() as session:
            try:
                services.confirm(
                    session, municipality, _case(params, name), now=self.clock()
                )
            except BookingRefused as refused:
                return {"confirmed": False, "message": refused.message}
        return {"confirmed": True, "message": ""}

    def paid(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """trade.paid: {case_number} → {state}."""
        name = "trade.paid"
        municipality = _municipality(context, name)
        with self.transaction() as session:
            try:
                booking = services.mark_paid(
                    session, municipality, _case(params, name), now=self.clock()
                )
            except BookingRefused as refused:
                raise InvalidParameters(f"{name}: {refused.message}") from None
            return {"state": booking.state}

    def release(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """trade.release: {case_number} → {state} (``released``; ``none`` when the
        case booked nothing)."""
        name = "trade.release"
        municipality = _municipality(context, name)
        with self.transaction() as session:
            booking = services.release(
                session, municipality, _case(params, name), now=self.clock()
            )
            return {"state": booking.state if booking else "none"}


def register(registry: Registry, operators: TradeOperators) -> None:
    for op_name, description, func, op_params in (
        (
            "trade.hold",
            "Rezervēt ielu tirdzniecības vietu periodam (bez dubultrezervācijas)",
            operators.hold,
            ("case_number", "place_code", "date_from", "date_to"),
        ),
        (
            "trade.confirm",
            "Apstiprināt ielu tirdzniecības vietas rezervāciju lēmumā",
            operators.confirm,
            ("case_number",),
        ),
        (
            "trade.paid",
            "Atzīmēt ielu tirdzniecības vietas nodevu kā samaksātu",
            operators.paid,
            ("case_number",),
        ),
        (
            "trade.release",
            "Atbrīvot ielu tirdzniecības vietas rezervāciju",
            operators.release,
            ("case_number",),
        ),
    ):
        registry.register(
            Operator(
                name=op_name,
                system=SYSTEM,
                description=description,
                mode="live",
                func=func,
                params=op_params,
                kind=QUERY,
            )
        )
