# SPDX-License-Identifier: EUPL-1.2
"""The intake queue's services: receiving an item (once), the clerk's actions on it,
paper and VPVKAC registration. No Flask; nothing commits (the caller owns the
transaction). Routing rules are in ``rules.py``.

Bad input raises ``FormValidationError`` (form key ``intake``) naming the field; an
action on an item that is already handled raises ``InvalidOperation``; another
municipality's item is ``NotFound``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.contracts import FieldError, FormValidationError
from core.pii import PiiVault
from domain.cases import models as case_models
from domain.cases.models import ServiceCase
from domain.cases.services import (
    Client,
    get_case,
    normalize_identifier,
    service_code_of,
    start_case,
)
from domain.catalogue.services import find_card
from domain.definitions import process_summaries
from domain.intake import checks
from domain.intake.models import (
    ASSIGNED,
    ATTACHED,
    CHANNELS,
    DEPP,
    DIV,
    FLAGGED,
    NEW,
    OPEN_STATUSES,
    PAPER,
    REGISTERED,
    STARTED,
    STATUSES,
    VPVKAC,
    IntakeFile,
    IntakeItem,
)
from domain.services.services import ServiceNotSetUp
from engine.errors import InvalidOperation, NotFound
from engine.models import ProcessDefinition
from engine.runtime import ProcessEngine

log = logging.getLogger(__name__)

FORM = "intake"
"""The form key of the intake's own fields in a ``FormValidationError``."""

# the case channel (PSPP's) an intake channel becomes
CASE_CHANNEL = {
    DEPP: case_models.E_ADDRESS,
    DIV: case_models.E_ADDRESS,
    PAPER: case_models.OFFICE,
    VPVKAC: case_models.VPVKAC,
}


@dataclass(frozen=True)
class FileData:
    """A file as it arrives (from a channel or an upload)."""

    name: str
    mime: str
    content: bytes


def _error(path: str, lv: str, en: str, code: str = "") -> FormValidationError:
    return FormValidationError(FORM, [FieldError(path, lv, en, code)])


# -- receiving -----------------------------------------------------------------------
def find(
    session: Session, channel: str, municipality: str, source_id: str
) -> IntakeItem | None:
    return session.scalars(
        select(IntakeItem).where(
            IntakeItem.channel == channel,
            IntakeItem.municipality == municipality,
            IntakeItem.source_id == source_id,
        )
    ).first()


def receive(
    session: Session,
    vault: PiiVault,
    *,
    municipality: str,
    channel: str,
    source_id: str,
    sender: str,
    subject: str,
    document_kind: str,
    received_at: datetime,
    files: Sequence[FileData],
    actor: str | None = None,
) -> IntakeItem | None:
    """Put an incoming letter into the queue, once per (channel, municipality,
    source id): None when it is there already. Every file is kept; a refused one
    (``checks.check_file``) flags the item with the reason."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown intake channel {channel!r}")
    if find(session, channel, municipality, source_id) is not None:
        return None
    item = IntakeItem(
        municipality=municipality,
        channel=channel,
        source_id=source_id,
        subject=(subject or "").strip()[:500],
        document_kind=(document_kind or "")[:50],
        received_at=received_at,
        status=NEW,
        problems=[],
        created_by=actor,
        created_at=received_at,
    )
    item.set_sender(vault, sender)
    problems: list[str] = []
    for position, f in enumerate(files):
        problem = checks.check_file(f.name, f.content)
        if problem is not None:
            problems.append(checks.reason(problem, f.name))
        item.files.append(
            IntakeFile(
                position=position,
                name=f.name[:255],
                mime=(f.mime or "application/octet-stream")[:100],
                size=len(f.content),
                problem=problem,
                content=f.content,
            )
        )
    if problems:
        item.status, item.problems = FLAGGED, problems
    session.add(item)
    session.flush()
    log.info("intake item %s (%s) received, %s", item.id, channel, item.status)
    return item


# -- reading -------------------------------------------------------------------------
@dataclass(frozen=True)
class IntakeFilter:
    status: str = ""
    """One status, "open" (new, assigned, flagged) or "" for all."""
    channel: str = ""
    q: str = ""
    limit: int = 200
    flagged: bool | None = None
    """True: items with a refused file; False: items without; None: both."""


@dataclass(frozen=True)
class IntakePage:
    """One page of the queue, newest first."""

    items: list[IntakeItem]
    total: int
    page: int
    pages: int
    per_page: int


def _conditions(municipality: str, flt: IntakeFilter) -> list[Any]:
    cond: list[Any] = [IntakeItem.municipality == municipality]
    if flt.status == "open":
        cond.append(IntakeItem.status.in_(OPEN_STATUSES))
    elif flt.status in STATUSES:
        cond.append(IntakeItem.status == flt.status)
    if flt.channel in CHANNELS:
        cond.append(IntakeItem.channel == flt.channel)
    if flt.q.strip():
        like = f"%{flt.q.strip()}%"
        cond.append(
            or_(IntakeItem.subject.ilike(like), IntakeItem.case_number.ilike(like))
        )
    if flt.flagged is not None:
        # a refused file flags the item for good, also once it is handled
        refused = (
            select(IntakeFile.id)
            .where(IntakeFile.item_id == IntakeItem.id, IntakeFile.problem.is_not(None))
            .exists()
        )
        cond.append(refused if flt.flagged else ~refused)
    return cond


def _listing(municipality: str, flt: IntakeFilter) -> Any:
    return (
        select(IntakeItem)
        .where(*_conditions(municipality, flt))
        .order_by(IntakeItem.received_at.desc(), IntakeItem.id.desc())
    )


def list_items(
    session: Session, municipality: str, flt: IntakeFilter
) -> list[IntakeItem]:
    query = _listing(municipality, flt).options(
        selectinload(IntakeItem.files).load_only(IntakeFile.id)
    )
    return list(session.scalars(query.limit(flt.limit)))


def page_items(
    session: Session, municipality: str, flt: IntakeFilter, page: int, per_page: int
) -> IntakePage:
    """One page of the items ``flt`` selects, with their total (two queries and the
    files' metadata)."""
    total = int(
        session.scalar(
            select(func.count())
            .select_from(IntakeItem)
            .where(*_conditions(municipality, flt))
        )
        or 0
    )
    per_page = max(1, min(per_page, 100))
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    query = _listing(municipality, flt).options(
        selectinload(IntakeItem.files).load_only(
            IntakeFile.id,
            IntakeFile.position,
            IntakeFile.name,
            IntakeFile.mime,
            IntakeFile.size,
            IntakeFile.problem,
        )
    )
    items = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return IntakePage(items, total, page, pages, per_page)


def counts(session: Session, municipality: str) -> dict[str, int]:
    """Items per status (every status present, 0 when none) and ``open``."""
    rows = session.execute(
        select(IntakeItem.status, func.count())
        .where(IntakeItem.municipality == municipality)
        .group_by(IntakeItem.status)
    ).all()
    found = {status: int(n) for status, n in rows}
    result = {status: found.get(status, 0) for status in STATUSES}
    result["open"] = sum(result[s] for s in OPEN_STATUSES)
    return result


def get_item(
    session: Session, municipality: str, item_id: int, *, for_update: bool = False
) -> IntakeItem:
    """The item of ``municipality``; ``NotFound`` for another's or none.

    ``for_update`` locks its row until the transaction ends (PostgreSQL; SQLite's
    writers hold the database's write lock from their start): take it before an
    action, so of two clerks acting at once the second sees the first one's
    result (``InvalidOperation``) instead of doing the same work again."""
    item = session.get(
        IntakeItem, item_id, with_for_update=for_update, populate_existing=for_update
    )
    if item is None or item.municipality != municipality:
        raise NotFound(f"intake item {item_id} not found")
    return item


def get_file(
    session: Session, municipality: str, item_id: int, file_id: int
) -> IntakeFile:
    """A file of the municipality's item; ``NotFound`` for another item's file."""
    item = get_item(session, municipality, item_id)
    for f in item.files:
        if f.id == file_id:
            return f
    raise NotFound(f"file {file_id} of intake item {item_id} not found")


# -- the clerk's actions -------------------------------------------------------------
def _require_open(item: IntakeItem) -> None:
    if not item.is_open:
        raise InvalidOperation(
            f"Ienākošais dokuments jau apstrādāts ({item.status}) / "
            "The item is handled already"
        )


def _handled(item: IntakeItem, status: str, actor: str, now: datetime) -> None:
    item.status, item.handled_by, item.handled_at = status, actor, now


def assign(item: IntakeItem, actor: str) -> None:
    """A clerk takes the item (a flagged one keeps its flag)."""
    _require_open(item)
    item.assigned_to = actor
    if item.status == NEW:
        item.status = ASSIGNED


def client_from_sender(address: str) -> Client | None:
    """The client an e-address names (``_PRIVATE@<code>``, ``_DEFAULT@<reg. no>``),
    None for other senders."""
    _, _, tail = address.partition("@")
    identifier = normalize_identifier(tail)
    if identifier is None:
        return None
    # the name comes from the register (clients.identify_client)
    return Client(name="", identifier=identifier)


def start_case_from(
    engine: ProcessEngine,
    session: Session,
    item: IntakeItem,
    process_key: str,
    *,
    client: Client,
    actor: str,
    data: dict[str, Any] | None = None,
) -> ServiceCase:
    """Start a service case of ``process_key`` for ``client`` from the item, on the
    item's channel. Call it first in its transaction (``next_case_number``)."""
    _require_open(item)
    if not process_key:
        raise _error(
            "process_key", "Izvēlieties pakalpojumu", "Choose a service", "required"
        )
    # the start form's data, and which letter the case came from (not overridable)
    process_data = {
        **(data or {}),
        "intake_item_id": item.id,
        "intake_subject": item.subject,
    }
    try:
        case = start_case(
            engine,
            session,
            process_key,
            municipality=item.municipality,
            data=process_data,
            actor=actor,
            client=client,
            channel=CASE_CHANNEL[item.channel],
        )
    except NotFound as exc:
        raise _error(
            "process_key",
            "Šāds pakalpojums nav ieviests",
            "No such service is deployed",
            "unknown",
        ) from exc
    except ServiceNotSetUp as exc:
        raise _error("process_key", exc.message, exc.message_en, "not_set_up") from exc
    item.case_number = case.number
    _handled(item, STARTED, actor, engine.now())
    return case


CLIENT_REPLY = "client_reply"
"""The message a case waiting for the client's answer takes (by ``case_number``)."""


def attach(
    session: Session,
    item: IntakeItem,
    case_number: str,
    *,
    actor: str,
    now: datetime,
    engine: ProcessEngine | None = None,
) -> ServiceCase:
    """Attach the item to an existing case of the same municipality. With
    ``engine``, a case waiting for the client's answer (message ``client_reply``)
    takes it and goes on; a case not waiting just keeps the letter."""
    _require_open(item)
    number = (case_number or "").strip()
    try:
        case = get_case(session, number, item.municipality)
    except NotFound as exc:
        raise _error(
            "case_number",
            "Lieta ar šādu numuru nav atrasta",
            "No case with this number",
            "unknown",
        ) from exc
    item.case_number = case.number
    _handled(item, ATTACHED, actor, now)
    if engine is not None:
        engine.correlate_message(
            CLIENT_REPLY,
            municipality=item.municipality,
            correlation={"case_number": case.number},
            payload={
                "case_number": case.number,
                "intake_item_id": item.id,
                "subject": item.subject,
            },
            actor=actor,
        )
    return case


def register(item: IntakeItem, note: str, *, actor: str, now: datetime) -> None:
    """Register the item as plain correspondence, with the clerk's note."""
    _require_open(item)
    text = " ".join((note or "").split())
    if not text:
        raise _error("note", "Norādiet piezīmi", "Enter a note", "required")
    if len(text) > 2000:
        raise _error(
            "note",
            "Ne vairāk kā 2000 rakstzīmes",
            "At most 2000 characters",
            "max_length",
        )
    item.note = text
    _handled(item, REGISTERED, actor, now)


def process_for_service(session: Session, municipality: str, service_code: str) -> str:
    """The key of the process in force for the municipality that runs
    ``service_code``: the process its catalogue card in force names, else the
    deployed diagram whose ``serviceCode`` is the code; a field error on
    ``service_code`` when neither is there."""
    code = (service_code or "").strip()
    ids = {s.in_force_id: s.key for s in process_summaries(session, municipality)}
    card = find_card(session, municipality, code) if code else None
    version = card.in_force() if card is not None else None
    if version is not None and version.process_key in ids.values():
        return str(version.process_key)
    if code and ids:
        for definition in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.id.in_(sorted(ids)))
        ):
            if service_code_of(definition) == code:
                return ids[definition.id]
    raise _error(
        "service_code",
        "Šāds pakalpojums nav ieviests",
        "No such service is deployed",
        "unknown",
    )


def find_cases(
    session: Session, municipality: str, number: str, limit: int = 10
) -> list[ServiceCase]:
    """Cases whose number holds ``number``: the clerk's search when attaching."""
    text = (number or "").strip()
    if not text:
        return []
    return list(
        session.scalars(
            select(ServiceCase)
            .where(
                ServiceCase.municipality == municipality,
                ServiceCase.number.ilike(f"%{text}%"),
            )
            .order_by(ServiceCase.created_at.desc())
            .limit(limit)
        )
    )
