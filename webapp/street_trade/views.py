# SPDX-License-Identifier: EUPL-1.2
"""The municipality's permanent street trade places (``/street-trade/places``):
analysts and municipality administrators list them with their live bookings, add
one and deactivate (or activate again) one. Every query is the signed-in user's
municipality's; a place of another municipality is 404.

- ``GET /street-trade/places``: the places and their bookings;
- ``POST /street-trade/places``: add a place (422 with the fields' messages);
- ``POST /street-trade/places/<id>/active``: ``active=0`` deactivates, ``1`` activates.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from domain.street_trade import services as trade
from webapp import transaction
from webapp.auth import current_municipality, roles_required
from webapp.nav import roles_of
from webapp.support import platform

bp = Blueprint("street_trade", __name__, url_prefix="/street-trade")
ROLES = roles_of("street_trade.places")
FIELDS = ("code", "address", "description", "kind", "goods")


def _page(
    values: dict[str, str], errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    municipality = current_municipality()
    with platform().transaction(readonly=True) as db:
        places = trade.list_places(db, municipality)
        bookings = {
            p.id: trade.bookings_of_place(db, municipality, p.id) for p in places
        }
        for rows in bookings.values():
            for row in rows:
                db.expunge(row)
        for place in places:
            db.expunge(place)
    return (
        render_template(
            "street_trade/places.html",
            places=places,
            bookings=bookings,
            kinds=trade.PLACE_KINDS,
            goods=trade.GOODS_KINDS,
            values=values,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/places")
@roles_required(*ROLES)
def places() -> Any:
    return _page({f: "" for f in FIELDS})


@bp.post("/places")
@roles_required(*ROLES)
def add() -> Any:
    values = {f: (request.form.get(f) or "")[:2000] for f in FIELDS}
    try:
        with transaction() as db:
            place = trade.add_place(
                db,
                current_municipality(),
                trade.NewPlace(**values),
                actor=_username(),
                now=platform().engine_config.clock(),
            )
            code = place.code
    except trade.PlaceError as error:
        return _page(values, {error.field: error.message}, 422)
    flash(_("Trade place %(code)s added.", code=code), "success")
    return redirect(url_for(".places"))


@bp.post("/places/<int:place_id>/active")
@roles_required(*ROLES)
def set_active(place_id: int) -> Response:
    active = request.form.get("active") == "1"
    try:
        with transaction() as db:
            place = trade.set_active(
                db,
                current_municipality(),
                place_id,
                active,
                now=platform().engine_config.clock(),
            )
            code = place.code
    except LookupError:
        abort(404)
    if active:
        flash(_("Trade place %(code)s is offered again.", code=code), "success")
    else:
        flash(
            _(
                "Trade place %(code)s is deactivated: new applications for it are "
                "refused; its bookings stay.",
                code=code,
            ),
            "success",
        )
    return redirect(url_for(".places"))


def _username() -> str:
    from webapp.auth import current_user

    user = current_user()
    assert user is not None
    return user.username
