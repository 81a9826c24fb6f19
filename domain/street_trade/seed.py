# SPDX-License-Identifier: EUPL-1.2
"""The demo municipality's street trade places (Rīga's permanent places)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain.street_trade.models import TradePlace
from domain.street_trade.services import NewPlace, add_place, find_place

DEMO_PLACES = (
    NewPlace(
        "RIGA-01",
        "Doma laukums, Rīga, LV-1050",
        "Pie Rīgas Doma ziemeļu fasādes, 3 × 3 m nojume",
        "centrs",
        "amatnieki",
    ),
    NewPlace(
        "RIGA-02",
        "Līvu laukums, Rīga, LV-1050",
        "Laukuma dienvidu malā pie strūklakas, 2 × 2 m",
        "centrs",
        "ziedi",
    ),
    NewPlace(
        "RIGA-03",
        "Esplanāde, Brīvības bulvāris, Rīga, LV-1010",
        "Pie Kristus Piedzimšanas katedrāles, 3 × 2 m",
        "centrs",
        "partika",
    ),
    NewPlace(
        "RIGA-04",
        "Āgenskalna tirgus, Nometņu iela 64, Rīga, LV-1002",
        "Āra tirdzniecības laukums, galds Nr. 12",
        "tirgus",
        "partika",
    ),
    NewPlace(
        "RIGA-05",
        "Ziedoņdārzs, Ģertrūdes iela, Rīga, LV-1011",
        "Parka ieejā no Ģertrūdes ielas, 2 × 2 m",
        "apkaime",
        "gramatas",
    ),
    NewPlace(
        "RIGA-06",
        "Ķengaraga promenāde, Rīga, LV-1063",
        "Pie Daugavas promenādes laivu piestātnes",
        "apkaime",
        "ziedi",
    ),
)


def seed_demo_places(
    session: Session, municipality: str, *, now: datetime
) -> list[TradePlace]:
    """The demo places (existing codes are left alone)."""
    made = []
    for new in DEMO_PLACES:
        if find_place(session, municipality, new.code) is None:
            made.append(add_place(session, municipality, new, actor="seed", now=now))
    return made
