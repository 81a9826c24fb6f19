# SPDX-License-Identifier: EUPL-1.2
"""Cards for the catalogue's tests: a complete, valid content and small helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.catalogue.models import ServiceCard
from domain.catalogue.schemas import CardContent, PriceInput
from engine.models import UserTask

CODE = "RIGA-PARKS-01"
OWNERS = "pakalpojumu_turetaji"


def content(**changes: Any) -> CardContent:
    """A card ready for review (its price in force from 1 January 2026)."""
    base = CardContent(
        code=CODE,
        name_lv="Atļauja pasākumam parkā",
        name_en="Permit for an event in a park",
        description_lv="Atļauja rīkot publisku pasākumu pašvaldības parkā.",
        description_en="A permit to hold a public event in a municipal park.",
        legal_basis=[
            {"title": "Publisku izklaides un svētku pasākumu drošības likums"},
            {"title": "Saistošie noteikumi", "url": "https://likumi.lv/"},
        ],
        applicants=["person", "company"],
        channels=["online", "in_person"],
        deadline_days=10,
        deadline_kind="working",
        department="specialists",
        documents=[
            {"name": "Iesniegums", "mandatory": True},
            {"name": "Pasākuma plāns", "mandatory": False},
        ],
        result_lv="Atļauja vai atteikums.",
        result_en="A permit or a refusal.",
        procedure="1. Pārbaudi plānu.",
        prices=[
            PriceInput(
                name_lv="Atļaujas izsniegšana",
                name_en="Issuing the permit",
                amount="12,50",
                unit="par atļauju",
                valid_from=date(2026, 1, 1),
            )
        ],
    )
    return replace(base, **changes)


def departments(session: Session, municipality: str) -> None:
    for key in ("specialists", "finansists", OWNERS):
        accounts.ensure_department(session, municipality, key, key.title())


def review_task(session: Session, card: ServiceCard) -> UserTask | None:
    version = card.versions[-1]
    return session.scalars(
        select(UserTask).where(
            UserTask.instance_id == version.instance_id,
            UserTask.element_id == "review_card",
            UserTask.state == UserTask.READY,
        )
    ).first()
