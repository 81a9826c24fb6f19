# SPDX-License-Identifier: EUPL-1.2
"""The services a municipality offers, read from its catalogue.

A service is a process in force with a service code (``domain.cases.catalogue``).
Its card decides how it is shown and whether it is offered at all:

- a card **in force** (approved or published) gives the name, short description,
  prices in force and deadline;
- a card with **no version in force** (only a draft or one under review), or one
  whose version in force names another process, withdraws the service: it is not
  offered;
- **no card** in the municipality: the service stays offered under its process's
  name, so municipalities that have not built their catalogue yet keep working.

Flask-free; the portal and the intake desk read it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from domain.cases.catalogue import StartableProcess, startable_processes
from domain.catalogue import services as catalogue
from domain.catalogue.models import CardVersion, PriceEntry

__all__ = ["Offer", "offers", "search"]


@dataclass(frozen=True)
class Offer:
    """One service as residents and clerks see it."""

    process: StartableProcess
    version: CardVersion | None
    """The card's version in force; None for a service without a card."""
    prices: tuple[PriceEntry, ...] = ()
    """The card's prices in force on the day asked."""

    @property
    def key(self) -> str:
        return self.process.key

    @property
    def code(self) -> str:
        return self.process.service_code or ""

    def name(self, language: str = "lv") -> str:
        if self.version is None:
            return self.process.name
        if language == "en" and self.version.name_en:
            return self.version.name_en
        return self.version.name_lv

    def description(self, language: str = "lv") -> str:
        if self.version is None:
            return ""
        if language == "en" and self.version.description_en:
            return self.version.description_en
        return self.version.description_lv

    def price_name(self, price: PriceEntry, language: str = "lv") -> str:
        return price.name_en if language == "en" and price.name_en else price.name_lv


def offers(
    session: Session, municipality: str, today: date | None = None
) -> list[Offer]:
    """The services ``municipality`` offers, by name (Latvian); each with its
    card's prices in force on ``today`` (none when no day is given)."""
    found = []
    for process in startable_processes(
        session, municipality, (), every_department=True
    ):
        code = process.service_code or ""
        card = catalogue.find_card(session, municipality, code) if code else None
        if card is None:
            found.append(Offer(process, None))
            continue
        version = card.in_force()
        if version is None or (
            version.process_key and version.process_key != process.key
        ):
            continue  # the card withdraws it (not in force, or another process)
        prices = tuple(version.prices_on(today)) if today is not None else ()
        found.append(Offer(process, version, prices))
    return sorted(found, key=lambda o: (_fold(o.name()), o.code))


def search(session: Session, municipality: str, query: str, today: date) -> list[Offer]:
    """The offers whose name (Latvian or English) or code holds every word of
    ``query``; case and diacritics ignored ("sunu" finds "Suņu …")."""
    words = _fold(query).split()
    found = offers(session, municipality, today)
    if not words:
        return found
    return [o for o in found if all(w in _haystack(o) for w in words)]


def _haystack(offer: Offer) -> str:
    return _fold(" ".join((offer.name("lv"), offer.name("en"), offer.code)))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold()
