# SPDX-License-Identifier: EUPL-1.2
"""The catalogue's services on the rolled-back session: validation naming fields,
drafts and versions, scoping, prices in force on a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from domain.catalogue import services as catalogue
from domain.catalogue.models import APPROVED, DRAFT, PUBLISHED, REVIEW, SUPERSEDED
from domain.catalogue.schemas import PriceInput, parse_amount
from domain.catalogue.seed import seed_demo_cards
from domain.catalogue.workflow import approve
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.catalogue.support import CODE, content, departments


@pytest.fixture
def muni(db_session: Session, municipalities: tuple[str, str]) -> str:
    departments(db_session, MUNI)
    return MUNI


def _paths(exc: pytest.ExceptionInfo[catalogue.CatalogueError]) -> dict[str, str]:
    return {e.path: e.message for e in exc.value.errors}


def test_a_draft_needs_a_code_and_a_name_and_well_formed_fields(
    db_session: Session, muni: str
) -> None:
    bad = content(
        code="ab c",
        name_lv=" ",
        description_lv='<img src=x onerror="alert(1)">',
        documents=[{"name": "<script>x</script>", "mandatory": True}],
        deadline_days=400,
        legal_basis=[{"title": "Likums", "url": "javascript:alert(1)"}],
        prices=[
            PriceInput(name_lv="", amount="12,345", valid_from=date(2026, 2, 1)),
            PriceInput(
                name_lv="X",
                amount="1",
                valid_from=date(2026, 2, 1),
                valid_to=date(2026, 1, 1),
            ),
        ],
    )
    with pytest.raises(catalogue.CatalogueError) as exc:
        catalogue.create_card(db_session, muni, bad, actor="anna", now=T0)
    found = _paths(exc)
    assert found["code"].startswith("Kods: 2–32 lielie burti")
    assert found["name_lv"] == "Obligāts lauks"
    assert found["deadline_days"] == "Termiņš: no 1 līdz 365 dienām"
    assert "http:// vai https://" in found["legal_basis"]
    assert found["prices.0.name_lv"] == "Obligāts lauks"
    assert found["prices.0.amount"].startswith("Summa eiro, piem. 12,50")
    assert found["prices.1.valid_to"] == "Beigu datums ir agrāks par sākuma datumu"
    assert found["description_lv"] == "Teksts nedrīkst saturēt HTML atzīmes"
    assert found["documents"] == "Teksts nedrīkst saturēt HTML atzīmes"


def test_references_are_checked_in_the_municipality(
    db_session: Session, muni: str, deployed: dict[str, int]
) -> None:
    with pytest.raises(catalogue.CatalogueError) as exc:
        catalogue.create_card(
            db_session,
            muni,
            content(department="nav_tadas", process_key="dog_fee"),
            actor="anna",
            now=T0,
        )
    found = _paths(exc)
    assert found["department"] == "Pašvaldībā nav šādas struktūrvienības"
    assert found["process_key"] == (
        f"Šī procesa pakalpojuma kods ir PKIP-012, ne {CODE}"
    )
    card = catalogue.create_card(
        db_session,
        muni,
        content(code="PKIP-012", process_key="dog_fee"),
        actor="anna",
        now=T0,
    )
    assert card.versions[0].state == DRAFT
    with pytest.raises(catalogue.CatalogueError) as again:
        catalogue.create_card(
            db_session, muni, content(code="PKIP-012"), actor="anna", now=T0
        )
    assert _paths(again)["code"] == "Pašvaldībai jau ir kartīte ar šo kodu"


def test_another_municipalitys_card_is_not_found(
    db_session: Session, muni: str
) -> None:
    card = catalogue.create_card(db_session, muni, content(), actor="anna", now=T0)
    assert catalogue.get_card(db_session, muni, card.id) is card
    assert catalogue.get_card(db_session, OTHER_MUNI, card.id) is None
    assert catalogue.cards_of(db_session, OTHER_MUNI) == []


def test_an_empty_price_list_is_refused_at_submit(
    db_session: Session, muni: str, engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    card = catalogue.create_card(
        db_session, muni, content(prices=[]), actor="anna", now=T0
    )
    with pytest.raises(catalogue.CatalogueError) as exc:
        catalogue.submit(engine, card, actor="anna")
    assert _paths(exc)["prices"].startswith("Cenrādis: nav neviena cenas ieraksta")
    assert card.versions[0].state == DRAFT
    assert card.versions[0].instance_id is None


def test_a_price_list_not_in_force_today_is_refused_at_submit(
    db_session: Session, muni: str, engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    old = PriceInput(
        name_lv="Vecā cena",
        amount="5",
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    card = catalogue.create_card(
        db_session, muni, content(prices=[old]), actor="anna", now=T0
    )
    with pytest.raises(catalogue.CatalogueError) as exc:
        catalogue.submit(engine, card, actor="anna")
    assert _paths(exc)["prices"] == (
        "Cenrādis: 02.03.2026 nav spēkā neviena cena — kartīti nevar apstiprināt, "
        "kamēr cenrādis nav derīgs"
    )


def test_only_an_open_version_can_be_edited(
    db_session: Session, muni: str, engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    card = catalogue.create_card(db_session, muni, content(), actor="anna", now=T0)
    catalogue.submit(engine, card, actor="anna")
    assert card.versions[0].state == REVIEW
    with pytest.raises(catalogue.CatalogueError) as exc:
        catalogue.save_draft(db_session, card, content(), actor="anna", now=T0)
    assert _paths(exc)["state"].startswith("Kartīte ir izskatīšanā")


def test_the_version_in_force_stays_while_a_new_one_is_drafted(
    db_session: Session, muni: str, deployed: dict[str, int]
) -> None:
    [card] = [
        c for c in seed_demo_cards(db_session, muni, now=T0) if c.code == "PKIP-011"
    ]
    first = card.in_force()
    assert first is not None and first.state == PUBLISHED
    draft = catalogue.new_draft(db_session, card, actor="anna", now=T0)
    assert draft.number == 2 and draft.state == DRAFT
    assert catalogue.new_draft(db_session, card, actor="anna", now=T0) is draft
    changed = catalogue.content_of(card, draft)
    changed.prices[1].amount = "90,00"
    catalogue.save_draft(db_session, card, changed, actor="anna", now=T0)
    # still the first version for the public and for prices
    assert card.in_force() is first
    assert [p.amount_cents for p in first.prices] == [0, 8500]
    assert [p.amount_cents for p in draft.prices] == [0, 9000]
    later = T0 + timedelta(days=10)
    approve(db_session, draft, actor="sandra", now=later)
    assert draft.state == APPROVED and first.state == SUPERSEDED
    assert card.in_force() is draft
    kinds = [e.kind for e in catalogue.history(db_session, card)]
    assert kinds[:3] == ["approved", "superseded", "edited"]


def test_price_on_gives_the_lines_in_force_that_day(
    db_session: Session, muni: str, deployed: dict[str, int]
) -> None:
    seed_demo_cards(db_session, muni, now=T0)
    card = catalogue.find_card(db_session, muni, "PKIP-012")
    assert card is not None
    on = catalogue.price_on(db_session, muni, "PKIP-012", date(2026, 3, 2))
    assert [(p.name_lv, p.amount) for p in on][0] == (
        "Nodeva par viena suņa turēšanu",
        parse_amount("30"),
    )
    assert catalogue.price_on(db_session, muni, "PKIP-012", date(2025, 12, 31)) == []
    assert (
        catalogue.price_on(db_session, OTHER_MUNI, "PKIP-012", date(2026, 3, 2)) == []
    )
    assert catalogue.price_on(db_session, muni, "NAV", date(2026, 3, 2)) == []

    # a new version approved later, with a price ending and a new one beginning
    draft = catalogue.new_draft(db_session, card, actor="anna", now=T0)
    changed = catalogue.content_of(card, draft)
    changed.prices = [
        PriceInput(
            name_lv="Nodeva",
            amount="30",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 6, 30),
        ),
        PriceInput(name_lv="Nodeva", amount="35", valid_from=date(2026, 7, 1)),
    ]
    catalogue.save_draft(db_session, card, changed, actor="anna", now=T0)
    approve(db_session, draft, actor="sandra", now=T0 + timedelta(days=7))
    assert [
        p.amount_cents
        for p in catalogue.price_on(db_session, muni, "PKIP-012", date(2026, 7, 1))
    ] == [3500]
    assert [
        p.amount_cents
        for p in catalogue.price_on(db_session, muni, "PKIP-012", date(2026, 6, 30))
    ] == [3000]
    # the day before the new version's approval, the first version's lines
    assert len(catalogue.price_on(db_session, muni, "PKIP-012", date(2026, 3, 3))) == 3


def test_seeding_is_idempotent(db_session: Session, muni: str) -> None:
    assert len(seed_demo_cards(db_session, muni, now=T0)) == 4
    assert seed_demo_cards(db_session, muni, now=T0) == []
    shown = catalogue.in_force(db_session, muni)
    assert [card.code for card, _ in shown] == [
        "PKIP-010",  # "Ielu tirdzniecība…" sorts before "Iesnieguma…"
        "PKIP-004",
        "PKIP-011",
        "PKIP-012",
    ]
