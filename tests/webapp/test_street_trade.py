# SPDX-License-Identifier: EUPL-1.2
"""The street trade places page: analysts list, add and deactivate their
municipality's places; bad input names the field; others' places are out of reach."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from domain.street_trade import services as trade
from domain.street_trade.seed import seed_demo_places
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.webapp.conftest import WebClient

URL = "/street-trade/places"


def test_analyst_lists_adds_and_deactivates(
    analyst: WebClient, db_session: Session
) -> None:
    seed_demo_places(db_session, MUNI, now=T0)
    page = analyst.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Doma laukums, Rīga, LV-1050" in html and "RIGA-06" in html

    added = analyst.submit(
        URL,
        {
            "code": "riga-07",
            "address": "Vērmanes dārzs, Merķeļa iela, Rīga",
            "description": "Pie strūklakas",
            "kind": "centrs",
            "goods": "ziedi",
        },
    )
    assert added.status_code == 302
    place = trade.find_place(db_session, MUNI, "RIGA-07")
    assert place is not None and place.active and place.created_by

    off = analyst.submit(f"{URL}/{place.id}/active", {"active": "0"})
    assert off.status_code == 302
    db_session.refresh(place)
    assert place.active is False and place.deactivated_at is not None


def test_bad_input_names_the_field_and_keeps_what_was_typed(
    analyst: WebClient, db_session: Session
) -> None:
    bad = analyst.submit(
        URL,
        {
            "code": "RIGA-08",
            "address": "<script>alert(1)</script>",
            "description": "Tirgus galds",
            "kind": "tirgus",
            "goods": "partika",
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="address-error"' in html and "nedrīkst saturēt zīmes" in html
    assert "<script>alert(1)</script>" not in html
    assert 'value="Tirgus galds"' in html
    assert trade.find_place(db_session, MUNI, "RIGA-08") is None


def test_other_municipalitys_place_and_other_roles_are_refused(
    analyst: WebClient,
    specialist: WebClient,
    as_role: Callable[..., WebClient],
    db_session: Session,
) -> None:
    seed_demo_places(db_session, OTHER_MUNI, now=T0)
    theirs = trade.find_place(db_session, OTHER_MUNI, "RIGA-01")
    assert theirs is not None
    assert (
        analyst.submit(f"{URL}/{theirs.id}/active", {"active": "0"}).status_code == 404
    )
    db_session.refresh(theirs)
    assert theirs.active is True
    assert "Doma laukums" not in analyst.get(URL).get_data(as_text=True)
    assert specialist.get(URL).status_code == 403
    assert as_role("municipality_admin").get(URL).status_code == 200
