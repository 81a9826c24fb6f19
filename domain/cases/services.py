# SPDX-License-Identifier: EUPL-1.2
"""Service cases: start one, number it, keep its status, show everything about it.

The single place for this logic: the workplace pages and the REST API call these
functions with a session, a ``ProcessEngine`` and the caller's municipality. No Flask
here; everything only flushes (the request, the job or the CLI command commits).

Personal data: a client's identifier is stored and shown masked; it is never logged
and never becomes part of a URL (case pages are addressed by the case number).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from core.pii import PiiVault
from domain import accounting
from domain.cases.models import (
    CANCELLED,
    CHANNELS,
    CLOSED_STATUSES,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    SUSPENDED,
    WAITING,
    CaseNumberCounter,
    ServiceCase,
)
from domain.counters import next_in_year
from domain.services.services import require_ready
from engine.errors import NotFound
from engine.models import (
    DELIVERED,
    PENDING,
    Incident,
    MessageSubscription,
    OutboxMessage,
    ProcessDefinition,
    ProcessInstance,
    UserTask,
)
from engine.runtime import ProcessEngine
from forms.identifiers import (
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
)

log = logging.getLogger(__name__)

CASE_FORM = "service_case"
"""The form key of the case's own fields in a ``FormValidationError``."""
NUMBER_DIGITS = 6


@dataclass(frozen=True)
class Client:
    """Who the case is for: a person (personal code) or a company (reg. number)."""

    name: str
    identifier: str


# -- numbers -------------------------------------------------------------------------
def next_case_number(session: Session, municipality: str, now: datetime) -> str:
    """Take the next number of ``municipality`` for the Riga year of ``now``:
    ``DEMO-2026-000042``.

    One atomic upsert with RETURNING: the counter row stays locked until the
    transaction ends, so concurrent starts wait for each other and never share a
    number (the unique constraint on the case table is the second guard). Call it
    before the transaction reads anything else: on SQLite a transaction that read
    first cannot wait for the write lock, it fails at once.
    """
    year, value = next_in_year(session, CaseNumberCounter.__table__, municipality, now)
    return f"{municipality}-{year}-{value:0{NUMBER_DIGITS}d}"


# -- the client ----------------------------------------------------------------------
def normalize_identifier(identifier: str) -> str | None:
    """The canonical personal code (``DDMMYY-CNNNZ``) or registration number, or
    None when ``identifier`` is neither."""
    text = (identifier or "").strip().replace(" ", "")
    if is_registracijas_numurs(text):
        return text
    if is_personas_kods(text):
        return normalize_personas_kods(text)
    return None


def check_case_fields(client: Client, channel: str) -> tuple[Client, list[FieldError]]:
    """The client with its identifier normalised, and the field errors (Latvian and
    English) of the case's own fields: ``client_name``, ``client_identifier``,
    ``channel``."""
    errors: list[FieldError] = []
    name = " ".join((client.name or "").split())
    if not name:
        errors.append(
            FieldError(
                "client_name",
                "Norādiet klienta vārdu, uzvārdu vai nosaukumu",
                "Enter the client's name",
                "required",
            )
        )
    elif len(name) > 255:
        errors.append(
            FieldError(
                "client_name", "Ne vairāk kā 255 rakstzīmes", "At most 255 characters"
            )
        )
    identifier = normalize_identifier(client.identifier)
    if identifier is None:
        errors.append(
            FieldError(
                "client_identifier",
                "Ievadiet derīgu personas kodu vai reģistrācijas numuru",
                "Enter a valid personal code or registration number",
                "format",
            )
        )
    if channel not in CHANNELS:
        errors.append(
            FieldError(
                "channel", "Izvēlieties saņemšanas veidu", "Choose a channel", "enum"
            )
        )
    return Client(name=name, identifier=identifier or client.identifier), errors


# -- starting ------------------------------------------------------------------------
def start_case(
    engine: ProcessEngine,
    session: Session,
    key: str,
    *,
    municipality: str,
    data: Mapping[str, Any] | None,
    actor: str | None,
    client: Client,
    channel: str,
) -> ServiceCase:
    """Register a service case and start its process (the version in force for
    ``municipality``) with ``business_key`` = the case number, and run it to its
    first wait state.

    The process data gets ``case_number`` (messages such as a payment correlate on
    it) and, unless given, ``applicant_code`` = the client's identifier and
    ``applicant_name`` = the client's name (the sample processes' start data; the
    payer of a fee). Raises ``ServiceNotSetUp`` (domain/services) when the
    service is not set up and ready in the municipality, ``FormValidationError`` for
    invalid case fields
    (form key ``service_case``) or start-form data, ``NotFound`` when the process is
    not deployed. Call it first in its transaction (see ``next_case_number``).
    """
    client, errors = check_case_fields(client, channel)
    if errors:
        raise FormValidationError(CASE_FORM, errors)
    vault = engine.config.vault
    if vault is None:
        raise RuntimeError("service cases need the personal-data vault (core/pii.py)")
    definition = engine.definition_for(key, municipality)
    require_ready(session, municipality, definition)  # ServiceNotSetUp otherwise
    number = next_case_number(session, municipality, engine.now())
    process_data = dict(data or {})
    process_data["case_number"] = number
    process_data.setdefault("applicant_code", client.identifier)
    process_data.setdefault("applicant_name", client.name)
    instance = engine.start(
        key,
        municipality=municipality,
        data=process_data,
        actor=actor,
        business_key=number,
    )
    now = engine.now()
    case = ServiceCase(
        number=number,
        municipality=municipality,
        instance_id=instance.id,
        process_key=definition.key,
        process_name=definition.name,
        service_code=service_code_of(definition),
        client_name=client.name,
        channel=channel,
        created_by=actor,
        created_at=now,
        status_changed_at=now,
    )
    case.set_client_identifier(vault, client.identifier)
    session.add(case)
    refresh_status(session, case, instance, now=now)
    session.flush()
    log.info("case %s started (instance %s)", number, instance.id)
    return case


def service_code_of(definition: ProcessDefinition) -> str | None:
    code = (definition.meta or {}).get("process", {}).get("serviceCode")
    return str(code) if code else None


# -- finding -------------------------------------------------------------------------
def get_case(session: Session, number: str, municipality: str) -> ServiceCase:
    """The case ``number`` of ``municipality``; ``NotFound`` otherwise (another
    municipality's number is not found either)."""
    found = session.scalars(
        select(ServiceCase).where(
            ServiceCase.municipality == municipality, ServiceCase.number == number
        )
    ).first()
    if found is None:
        raise NotFound(f"case {number} not found")
    return found


def cases_of_client(
    session: Session, vault: PiiVault, municipality: str, identifier: str
) -> list[ServiceCase]:
    """The municipality's cases of the client ``identifier`` (with or without the
    hyphen), newest first — found by its look-up hash, never by the code itself."""
    return list(
        session.scalars(
            select(ServiceCase)
            .where(
                ServiceCase.municipality == municipality,
                ServiceCase.client_identifier_hash == vault.lookup_hash(identifier),
            )
            .order_by(ServiceCase.created_at.desc(), ServiceCase.id.desc())
        )
    )


def cases_by_instance(
    session: Session, instance_ids: Iterable[str]
) -> dict[str, ServiceCase]:
    """The cases of these instances (one query), by instance id."""
    ids = list(dict.fromkeys(instance_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(ServiceCase).where(ServiceCase.instance_id.in_(ids))
    ).all()
    return {c.instance_id: c for c in rows}


# -- status --------------------------------------------------------------------------
def _element_name(meta: Mapping[str, Any], element_id: str | None) -> str:
    if not element_id:
        return ""
    entry = meta.get("tasks", {}).get(element_id, {})
    return str(entry.get("name") or element_id)


def waiting_elements(session: Session, instance_id: str) -> list[str]:
    """Where the instance waits outside the inbox: message catches and outbox
    deliveries not yet confirmed (element ids, in a stable order)."""
    return _waits(session, [instance_id]).get(instance_id, [])


def _waits(session: Session, instance_ids: Sequence[str]) -> dict[str, list[str]]:
    subs = session.execute(
        select(MessageSubscription.instance_id, MessageSubscription.element_id)
        .where(MessageSubscription.instance_id.in_(instance_ids))
        .order_by(MessageSubscription.id)
    ).all()
    sends = session.execute(
        select(OutboxMessage.instance_id, OutboxMessage.element_id)
        .where(
            OutboxMessage.instance_id.in_(instance_ids),
            OutboxMessage.status.in_((PENDING, DELIVERED)),
            OutboxMessage.confirmed_at.is_(None),
            OutboxMessage.element_id != "",  # a feed (PSPP events): nothing waits
        )
        .order_by(OutboxMessage.id)
    ).all()
    found: dict[str, list[str]] = {}
    for instance_id, element_id in [*subs, *sends]:
        elements = found.setdefault(instance_id, [])
        if element_id not in elements:
            elements.append(element_id)
    return found


def case_status(session: Session, instance: ProcessInstance) -> tuple[str, str]:
    """The case status and its label, from the instance as it is now."""
    return case_statuses(session, [instance])[instance.id]


def case_statuses(
    session: Session, instances: Sequence[ProcessInstance]
) -> dict[str, tuple[str, str]]:
    """Status and label of each instance as it is now (at most three queries for
    any number of instances: open tasks, then the waits of those without)."""
    found: dict[str, tuple[str, str]] = {}
    active = [i for i in instances if i.status not in _ENDED]
    names: dict[str, list[str]] = {}
    if active:
        for instance_id, name in session.execute(
            select(UserTask.instance_id, UserTask.name)
            .where(
                UserTask.instance_id.in_([i.id for i in active]),
                UserTask.state == UserTask.READY,
            )
            .order_by(UserTask.created_at, UserTask.id)
        ):
            if name not in names.setdefault(instance_id, []):
                names[instance_id].append(name)
    idle = [i.id for i in active if not names.get(i.id)]
    waits = _waits(session, idle) if idle else {}
    for instance in instances:
        meta = instance.definition.meta or {}
        if instance.status == ProcessInstance.COMPLETED:
            found[instance.id] = (COMPLETED, _element_name(meta, instance.end_event))
        elif instance.status == ProcessInstance.CANCELLED:
            found[instance.id] = (CANCELLED, "")
        elif instance.status == ProcessInstance.FAILED:
            found[instance.id] = (FAILED, _element_name(meta, instance.end_event))
        elif instance.status == ProcessInstance.SUSPENDED:
            found[instance.id] = (SUSPENDED, "; ".join(names.get(instance.id, [])))
        elif names.get(instance.id):
            found[instance.id] = (IN_PROGRESS, "; ".join(names[instance.id]))
        else:
            labels = [_element_name(meta, e) for e in waits.get(instance.id, [])]
            found[instance.id] = (WAITING, "; ".join(dict.fromkeys(labels)))
    return found


_ENDED = (
    ProcessInstance.COMPLETED,
    ProcessInstance.CANCELLED,
    ProcessInstance.FAILED,
)


def refresh_status(
    session: Session,
    case: ServiceCase,
    instance: ProcessInstance | None = None,
    *,
    now: datetime,
) -> bool:
    """Record the instance's current status on the case; True when it changed.

    The one owner of the case status. Whatever advances an instance (a clerk, a
    timer, a message, a delivery) reaches it through :func:`on_advance`, the
    engine's after-advance hook; the case services call it themselves only where
    the engine does not advance: a case registered after its first advance
    (:func:`start_case`) and a requeued delivery (:func:`retry_incident`).
    """
    instance = instance or session.get(ProcessInstance, case.instance_id)
    if instance is None:
        return False
    session.flush()  # the engine's task rows must be visible to the status query
    status, label = case_status(session, instance)
    label = label[:500]
    if (status, label) == (case.status, case.status_label):
        return False
    case.status, case.status_label = status, label
    case.status_changed_at = now
    case.closed_at = (instance.ended_at or now) if status in CLOSED_STATUSES else None
    # Case accounting keeps the change, append-only, and queues it for PSPP.
    accounting.record(session, case, instance, now=now)
    return True


def on_advance(session: Session, instance: ProcessInstance) -> None:
    """The engine's after-advance hook (the Platform registers it): keep the case's
    recorded status in step with its instance, whatever advanced it."""
    case = cases_by_instance(session, [instance.id]).get(instance.id)
    if case is not None:
        refresh_status(session, case, instance, now=instance.updated_at)


def refresh_statuses(
    session: Session, instance_ids: Iterable[str], *, now: datetime
) -> int:
    """Refresh the cases of these instances (for jobs); returns how many changed."""
    changed = 0
    for case in cases_by_instance(session, instance_ids).values():
        changed += refresh_status(session, case, now=now)
    return changed


# -- incidents ---------------------------------------------------------------------
def retry_incident(
    engine: ProcessEngine, case: ServiceCase, incident_id: int, *, actor: str
) -> Incident:
    """Run the failed step of the case again (or requeue a failed delivery) and
    record the new status. ``NotFound`` for an incident of another case;
    ``InvalidOperation`` when it is already resolved. The returned incident is
    still open when the step failed again (one more attempt counted)."""
    incident = engine.session.get(Incident, incident_id)
    if (
        incident is None
        or incident.instance_id != case.instance_id
        or incident.municipality != case.municipality
    ):
        raise NotFound(f"incident {incident_id} not found")
    engine.retry_incident(incident_id, actor=actor, municipality=case.municipality)
    # A retried step advanced the instance (on_advance recorded it); a requeued
    # delivery did not, yet its wait is back in the status.
    refresh_status(engine.session, case, now=engine.now())
    return incident


# -- listing -------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseFilter:
    """What the case list shows: ``status`` is ``open``, ``closed`` or ``""`` (all);
    ``number`` a case number or its beginning."""

    process: str = ""
    status: str = ""
    number: str = ""
    page: int = 1
    per_page: int = 25


MAX_CASE_PAGES = 400
"""Offset pagination stops here (10,000 rows at 25 a page): narrow the filter."""


@dataclass
class CasePage:
    cases: list[ServiceCase]
    total: int
    page: int
    pages: int
    incidents: set[str] = field(default_factory=set)
    """Instance ids with an open incident."""
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Instance id → (status, label) as the engine has it now (the recorded
    ``ServiceCase.status`` may lag behind a timer or a payment)."""


def list_cases(session: Session, municipality: str, flt: CaseFilter) -> CasePage:
    """One page of the municipality's cases, newest first, with their status read
    live (at most five queries)."""
    cond = [
        ServiceCase.municipality == municipality,
        ProcessInstance.municipality == municipality,
    ]
    if flt.process:
        cond.append(ServiceCase.process_key == flt.process)
    if flt.status == "open":
        cond.append(ProcessInstance.status.not_in(_ENDED))
    elif flt.status == "closed":
        cond.append(ProcessInstance.status.in_(_ENDED))
    if flt.number:
        pattern = flt.number.strip().upper().replace("%", "").replace("_", r"\_")
        cond.append(ServiceCase.number.like(f"{pattern}%", escape="\\"))
    joined = ProcessInstance.id == ServiceCase.instance_id
    total = int(
        session.scalar(
            select(func.count())
            .select_from(ServiceCase)
            .join(ProcessInstance, joined)
            .where(*cond)
        )
        or 0
    )
    per_page = max(1, min(flt.per_page, 100))
    pages = max(1, min(MAX_CASE_PAGES, -(-total // per_page)))
    page = max(1, min(flt.page, pages))
    rows = session.execute(
        select(ServiceCase, ProcessInstance)
        .join(ProcessInstance, joined)
        .where(*cond)
        .order_by(ServiceCase.created_at.desc(), ServiceCase.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    instances = [r[1] for r in rows]
    return CasePage(
        cases=[r[0] for r in rows],
        total=total,
        page=page,
        pages=pages,
        incidents={i.id for i in instances if i.has_incident},
        statuses=case_statuses(session, instances),
    )
