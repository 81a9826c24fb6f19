# SPDX-License-Identifier: EUPL-1.2
"""What the service owner reviews: the card version a ``catalogue_change``
instance approves, the version in force beside it and what the new one changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.catalogue.models import CardVersion, PriceEntry, ServiceCard

__all__ = ["COMPARED", "CardReview", "changes", "review_of"]

COMPARED: Final = (
    "name_lv",
    "name_en",
    "description_lv",
    "description_en",
    "legal_basis",
    "applicants",
    "channels",
    "deadline_days",
    "deadline_kind",
    "department",
    "documents",
    "result_lv",
    "result_en",
    "process_key",
    "procedure",
    "prices",
)
"""The card's fields, in the order of the card page."""


@dataclass(frozen=True)
class CardReview:
    card: ServiceCard
    version: CardVersion
    """The version under review."""
    in_force: CardVersion | None
    """The version in force now (None for a new card)."""
    changed: tuple[str, ...]
    """Fields of ``COMPARED`` the reviewed version changes (all for a new card)."""


def review_of(
    session: Session, municipality: str, instance_id: str
) -> CardReview | None:
    """The review of the card version ``instance_id`` approves, if it is the
    municipality's (None otherwise: another's instance shows nothing)."""
    version = session.scalars(
        select(CardVersion).where(
            CardVersion.instance_id == instance_id,
            CardVersion.municipality == municipality,
        )
    ).first()
    if version is None:
        return None
    current = version.card.in_force()
    if current is version:
        current = None  # already approved: nothing else to compare with
    return CardReview(version.card, version, current, changes(current, version))


def changes(before: CardVersion | None, after: CardVersion) -> tuple[str, ...]:
    if before is None:
        return COMPARED
    return tuple(f for f in COMPARED if _value(before, f) != _value(after, f))


def _value(version: CardVersion, field: str) -> Any:
    if field == "prices":
        return [_price(p) for p in version.prices]
    return getattr(version, field)


def _price(p: PriceEntry) -> tuple[Any, ...]:
    return (p.name_lv, p.name_en, p.amount_cents, p.unit, p.valid_from, p.valid_to)
