# SPDX-License-Identifier: EUPL-1.2
"""The service catalogue's operations: create and edit cards, submit a change for
review, and what others ask of the catalogue (the cards in force, the prices on a
day, the card PSPP must hold before a case of the service is reported).

Every function takes the session it works in and only flushes; the caller commits.
The approval itself runs as the ``catalogue_change`` diagram; ``workflow.py`` keeps
the versions in step with it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.calendar import RIGA
from core.contracts import FieldError
from domain.accounts.models import Department
from domain.catalogue import schemas
from domain.catalogue.models import (
    DRAFT,
    RETURNED,
    REVIEW,
    CardEvent,
    CardVersion,
    PriceEntry,
    ServiceCard,
)
from domain.catalogue.publication import pspp_card
from domain.catalogue.schemas import CardContent, PriceInput
from domain.models import Municipality
from engine.models import BASE_VARIANT, ProcessDefinition
from engine.runtime import ProcessEngine

PROCESS_KEY = "catalogue_change"
RESUBMITTED = "catalogue_card_resubmitted"
"""The message the diagram waits for after a return: the corrected card."""


class CatalogueError(ValueError):
    """The card cannot be saved or submitted; ``errors`` name the fields."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message_en}" for e in errors))
        self.errors = errors


def local_day(moment: datetime) -> date:
    """The date in Riga of ``moment`` (prices and deadlines count Latvian days)."""
    return moment.astimezone(RIGA).date()


# -- reading -------------------------------------------------------------------------
def cards_of(session: Session, municipality: str) -> list[ServiceCard]:
    """The municipality's cards with their versions, by code."""
    return list(
        session.scalars(
            select(ServiceCard)
            .where(ServiceCard.municipality == municipality)
            .options(
                selectinload(ServiceCard.versions).selectinload(CardVersion.prices)
            )
            .order_by(ServiceCard.code)
        )
    )


def get_card(session: Session, municipality: str, card_id: int) -> ServiceCard | None:
    """The card if it belongs to ``municipality`` (None also for another's card)."""
    card = session.get(ServiceCard, card_id)
    if card is None or card.municipality != municipality:
        return None
    return card


def find_card(session: Session, municipality: str, code: str) -> ServiceCard | None:
    return session.scalars(
        select(ServiceCard).where(
            ServiceCard.municipality == municipality, ServiceCard.code == code
        )
    ).first()


def history(session: Session, card: ServiceCard) -> list[CardEvent]:
    """The card's events, newest first."""
    return list(
        session.scalars(
            select(CardEvent)
            .where(CardEvent.card_id == card.id)
            .order_by(CardEvent.id.desc())
        )
    )


def in_force(
    session: Session, municipality: str
) -> list[tuple[ServiceCard, CardVersion]]:
    """The cards the public sees: each card's version in force, by name."""
    found = [
        (card, version)
        for card in cards_of(session, municipality)
        if (version := card.in_force()) is not None
    ]
    return sorted(found, key=lambda pair: (pair[1].name_lv.lower(), pair[0].code))


def price_on(
    session: Session, municipality: str, service_code: str, on_date: date
) -> list[PriceEntry]:
    """The price list entries of a service in force on ``on_date``.

    Taken from the version in force that day (the newest approved by then; the
    one in force now for a later day), empty when the service has no card, no
    approved version yet, or no price valid that day.
    """
    card = find_card(session, municipality, service_code)
    if card is None:
        return []
    then = [
        v
        for v in card.versions
        if v.approved_at is not None and local_day(v.approved_at) <= on_date
    ]
    if not then:
        current = card.in_force()
        return current.prices_on(on_date) if current is not None else []
    return then[-1].prices_on(on_date)


def content_of(card: ServiceCard, version: CardVersion) -> CardContent:
    """A version's content, to fill the edit form or copy into a new draft."""
    return CardContent(
        code=card.code,
        name_lv=version.name_lv,
        name_en=version.name_en,
        description_lv=version.description_lv,
        description_en=version.description_en,
        legal_basis=[dict(e) for e in version.legal_basis],
        applicants=list(version.applicants),
        channels=list(version.channels),
        deadline_days=version.deadline_days,
        deadline_kind=version.deadline_kind,
        department=version.department,
        documents=[dict(d) for d in version.documents],
        result_lv=version.result_lv,
        result_en=version.result_en,
        process_key=version.process_key,
        procedure=version.procedure,
        prices=[
            PriceInput(
                name_lv=p.name_lv,
                name_en=p.name_en,
                amount=f"{p.amount:.2f}".replace(".", ","),
                unit=p.unit,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
            )
            for p in version.prices
        ],
    )


# -- checks needing the database ----------------------------------------------------
def _references(
    session: Session, municipality: str, content: CardContent
) -> list[FieldError]:
    errors = []
    if content.department:
        known = session.scalars(
            select(Department.key).where(
                Department.municipality == municipality,
                Department.key == content.department,
            )
        ).first()
        if known is None:
            errors.append(
                FieldError(
                    "department",
                    "Pašvaldībā nav šādas struktūrvienības",
                    "No such department in the municipality",
                    "unknown",
                )
            )
    if content.process_key:
        definition = session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.key == content.process_key,
                ProcessDefinition.municipality.in_((municipality, BASE_VARIANT)),
            )
            .order_by(
                ProcessDefinition.municipality.desc(), ProcessDefinition.version.desc()
            )
            .limit(1)
        ).first()
        if definition is None:
            errors.append(
                FieldError(
                    "process_key",
                    "Šāds process nav ieviests",
                    "No such process is deployed",
                    "unknown",
                )
            )
        else:
            code = (definition.meta or {}).get("process", {}).get("serviceCode")
            if code and code != content.code:
                errors.append(
                    FieldError(
                        "process_key",
                        f"Šī procesa pakalpojuma kods ir {code}, ne {content.code}",
                        f"This process's service code is {code}, not {content.code}",
                        "mismatch",
                    )
                )
    return errors


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise CatalogueError(errors)


# -- writing -------------------------------------------------------------------------
def _event(
    session: Session,
    card: ServiceCard,
    version: CardVersion,
    kind: str,
    *,
    actor: str | None,
    at: datetime,
    comment: str = "",
) -> CardEvent:
    event = CardEvent(
        card_id=card.id,
        version_number=version.number,
        kind=kind,
        actor=actor,
        comment=comment[:5000],
        at=at,
    )
    session.add(event)
    return event


def _fill(version: CardVersion, content: CardContent) -> None:
    version.name_lv = content.name_lv.strip()
    version.name_en = content.name_en.strip()
    version.description_lv = content.description_lv.strip()
    version.description_en = content.description_en.strip()
    version.legal_basis = [dict(e) for e in content.legal_basis]
    version.applicants = [a for a in ("person", "company") if a in content.applicants]
    version.channels = list(dict.fromkeys(content.channels))
    version.deadline_days = content.deadline_days
    version.deadline_kind = content.deadline_kind
    version.department = content.department
    version.documents = [dict(d) for d in content.documents]
    version.result_lv = content.result_lv.strip()
    version.result_en = content.result_en.strip()
    version.process_key = content.process_key
    version.procedure = content.procedure
    version.prices = [
        PriceEntry(
            position=i,
            name_lv=p.name_lv.strip(),
            name_en=p.name_en.strip(),
            amount_cents=int((schemas.parse_amount(p.amount) or 0) * 100),
            unit=p.unit.strip(),
            valid_from=p.valid_from,
            valid_to=p.valid_to,
        )
        for i, p in enumerate(content.prices)
    ]


def create_card(
    session: Session,
    municipality: str,
    content: CardContent,
    *,
    actor: str,
    now: datetime,
) -> ServiceCard:
    """A new card with its first version as a draft."""
    errors = schemas.check_draft(content) + _references(session, municipality, content)
    if content.code and find_card(session, municipality, content.code) is not None:
        errors.append(
            FieldError(
                "code",
                "Pašvaldībai jau ir kartīte ar šo kodu",
                "The municipality already has a card with this code",
                "unique",
            )
        )
    _raise(errors)
    card = ServiceCard(
        municipality=municipality, code=content.code, created_by=actor, created_at=now
    )
    version = CardVersion(
        municipality=municipality,
        number=1,
        state=DRAFT,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _fill(version, content)
    card.versions.append(version)
    session.add(card)
    session.flush()
    _event(session, card, version, "created", actor=actor, at=now)
    session.flush()
    return card


def new_draft(
    session: Session, card: ServiceCard, *, actor: str, now: datetime
) -> CardVersion:
    """The card's open version, or a new draft copied from the version in force
    (which stays in force until the draft is approved)."""
    found = card.open_version()
    if found is not None:
        return found
    source = card.in_force() or card.versions[-1]
    version = CardVersion(
        municipality=card.municipality,
        number=card.versions[-1].number + 1,
        state=DRAFT,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _fill(version, content_of(card, source))
    card.versions.append(version)
    session.flush()
    _event(session, card, version, "created", actor=actor, at=now)
    session.flush()
    return version


def save_draft(
    session: Session,
    card: ServiceCard,
    content: CardContent,
    *,
    actor: str,
    now: datetime,
) -> CardVersion:
    """Change the card's open version (a draft, or one returned for changes)."""
    content.code = card.code  # the code is the card's identity: never changed
    version = card.open_version()
    if version is None or not version.editable:
        raise CatalogueError([_not_editable()])
    _raise(
        schemas.check_draft(content) + _references(session, card.municipality, content)
    )
    _fill(version, content)
    version.updated_at = now
    _event(session, card, version, "edited", actor=actor, at=now)
    session.flush()
    return version


def _not_editable() -> FieldError:
    return FieldError(
        "state",
        "Kartīte ir izskatīšanā: to nevar labot, kamēr turētājs to neatdod",
        "The card is under review: it cannot be changed unless it is returned",
        "state",
    )


def pspp_card_of(
    session: Session, card: ServiceCard, version: CardVersion, today: date
) -> dict[str, Any]:
    """The PSPP card of a version (the municipality as provider and territory)."""
    municipality = session.get(Municipality, card.municipality)
    department = session.scalars(
        select(Department.name).where(
            Department.municipality == card.municipality,
            Department.key == version.department,
        )
    ).first()
    return pspp_card(
        version,
        code=card.code,
        provider_name=municipality.name if municipality else card.municipality,
        atvk=municipality.atvk if municipality else None,
        department_name=department or "",
        today=today,
    )


def submit(
    engine: ProcessEngine, card: ServiceCard, *, actor: str, note: str = ""
) -> CardVersion:
    """Send the open version to the service owner: a draft starts the approval
    diagram, a returned version is handed back to the diagram waiting for it."""
    session = engine.session
    now = engine.now()
    version = card.open_version()
    if version is None or not version.editable:
        raise CatalogueError([_not_editable()])
    content = content_of(card, version)
    errors = schemas.check_complete(content)
    errors += _references(session, card.municipality, content)
    today = local_day(now)
    if content.prices and not version.prices_on(today):
        errors.append(schemas.no_price_in_force(today))
    _raise(errors)
    body = pspp_card_of(session, card, version, today)
    returned = version.state == RETURNED
    version.state = REVIEW
    version.submitted_at = now
    session.flush()
    if not returned:
        instance = engine.start(
            PROCESS_KEY,
            municipality=card.municipality,
            data={
                "card_version_id": version.id,
                "card_code": card.code,
                "card_name": version.name_lv,
                "version_number": version.number,
                "pspp_card": body,
            },
            actor=actor,
            business_key=f"{card.code} v{version.number}",
        )
        version.instance_id = instance.id
        _event(session, card, version, "submitted", actor=actor, at=now, comment=note)
    else:
        delivered = engine.correlate_message(
            RESUBMITTED,
            municipality=card.municipality,
            correlation={"card_version_id": version.id},
            payload={
                "card_version_id": version.id,
                "pspp_card": body,
                "revision_note": note,
            },
            actor=actor,
        )
        if not delivered:
            raise CatalogueError(
                [
                    FieldError(
                        "state",
                        "Apstiprināšanas process šo versiju vairs negaida",
                        "The approval process no longer waits for this version",
                        "state",
                    )
                ]
            )
        _event(session, card, version, "resubmitted", actor=actor, at=now, comment=note)
    session.flush()
    return version
