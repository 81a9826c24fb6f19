# SPDX-License-Identifier: EUPL-1.2
"""Issue a case's document and deliver the result; the print queue; listings.

Everything only flushes (the outbox job, the request or the test commits). Outside
systems are reached through the ``ConnectorRegistry`` port: ``dvs.register_document``
for the number when the municipality's register is its DVS, ``depp.search_addressee``
and ``depp.send`` for the e-address. A repeated call with the same idempotency key
(the outbox's, after a crash) finds what the first one made instead of doing it
again, and hands the same key on to DVS and DEPP, which deduplicate too.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import CallContext, ConnectorRegistry
from core.pii import PiiVault
from domain.cases.models import ServiceCase
from domain.documents import notice
from domain.documents.models import (
    DELIVERY_STATES,
    EADDRESS,
    PAPER,
    SENT,
    TO_PRINT,
    Delivery,
    DeliveryEvent,
    Document,
)
from domain.documents.register import next_registration_number
from domain.documents.render import render_pdf
from domain.documents.templates import template_in_force
from domain.models import Municipality
from engine.errors import InvalidOperation, NotFound
from engine.models import HistoryEvent
from engine.runtime import ProcessEngine

OWN_REGISTER = "pkip"
DVS_REGISTER = "dvs"
# DEPP's document kinds (its contract) for our document types.
DEPP_KINDS = {
    "permit": "Lēmums",
    "refusal": "Lēmums",
    "decision": "Lēmums",
    "notice": "Paziņojums",
}
# How a delivery step reads in the case's status history (Latvian, as the case page).
STEP_WORDS = {
    "sent": "nosūtīts uz e-adresi",
    "to_print": "nodots drukas rindā",
    "printed": "izdrukāts",
    "posted": "nosūtīts pa pastu",
    "handed_over": "izsniegts klātienē",
}
# The print queue's way: what a clerk may mark, from which state.
NEXT_STATES = {"to_print": ("printed",), "printed": ("posted", "handed_over")}


@dataclass(frozen=True)
class Issue:
    """What a diagram asks for: a document from ``template`` for the case."""

    municipality: str
    template: str
    instance_id: str | None
    fields: Mapping[str, Any]
    idempotency_key: str | None
    use_dvs: bool = False


def case_of_instance(session: Session, instance_id: str | None) -> ServiceCase | None:
    if not instance_id:
        return None
    return session.scalars(
        select(ServiceCase).where(ServiceCase.instance_id == instance_id)
    ).first()


def _existing(session: Session, model: Any, key: str | None) -> Any:
    if not key:
        return None
    return session.scalars(select(model).where(model.idempotency_key == key)).first()


def issue_document(
    session: Session,
    registry: ConnectorRegistry,
    request: Issue,
    *,
    now: datetime,
) -> Document:
    """Number, render and store the document (once per idempotency key)."""
    found = _existing(session, Document, request.idempotency_key)
    if found is not None:
        return found
    if request.use_dvs:
        number = _dvs_number(session, registry, request, now)
    else:
        # the counter first: on SQLite a transaction that read first cannot wait
        number = next_registration_number(session, request.municipality, now)
    template = template_in_force(session, request.municipality, request.template)
    case = case_of_instance(session, request.instance_id)
    municipality = session.get(Municipality, request.municipality)
    context = {
        **dict(request.fields),
        "municipality_name": municipality.name if municipality else "",
        "registration_number": number,
        "issued_on": now,
        "case_number": case.number if case else "",
        "client_name": case.client_name if case else "",
    }
    rendered = render_pdf(template.body, context)
    document = Document(
        municipality=request.municipality,
        case_number=case.number if case else None,
        instance_id=request.instance_id,
        template_id=template.id,
        document_type=template.document_type,
        title=str(request.fields.get("decision_title") or template.title)[:300],
        registration_number=number,
        register=DVS_REGISTER if request.use_dvs else OWN_REGISTER,
        filename=f"{template.key}-{number}.pdf",
        content=rendered.pdf,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        size=len(rendered.pdf),
        idempotency_key=request.idempotency_key,
        created_at=now,
    )
    session.add(document)
    session.flush()
    return document


def _dvs_number(
    session: Session, registry: ConnectorRegistry, request: Issue, now: datetime
) -> str:
    case = case_of_instance(session, request.instance_id)
    template = template_in_force(session, request.municipality, request.template)
    reply = registry.call(
        "dvs.register_document",
        {
            "direction": "outgoing",
            "document_type": template.document_type,
            "title": str(request.fields.get("decision_title") or template.title),
            "document_date": now.date().isoformat(),
            "correspondent_name": case.client_name if case else "",
            "case_number": case.number if case else "",
        },
        CallContext(
            instance_id=request.instance_id,
            municipality=request.municipality,
            idempotency_key=f"{request.idempotency_key}:dvs"
            if request.idempotency_key
            else None,
        ),
    )
    return str(reply["registration_number"])


def deliver_document(
    session: Session,
    registry: ConnectorRegistry,
    vault: PiiVault | None,
    *,
    municipality: str,
    document_id: int,
    idempotency_key: str | None,
    now: datetime,
    paper: bool = False,
) -> Delivery:
    """Send the document to the client's e-address when they have an active one
    (DEPP addressee search), else put it in the print queue. ``paper``: the print
    queue whatever the e-address (the client collects the result at a one-stop
    centre)."""
    found = _existing(session, Delivery, idempotency_key)
    if found is not None:
        return found
    document = get_document(session, municipality, document_id)
    case = case_of_instance(session, document.instance_id)
    identifier = case.client_identifier(vault) if (case and vault) else ""
    context = CallContext(
        instance_id=document.instance_id,
        municipality=municipality,
        idempotency_key=f"{idempotency_key}:depp" if idempotency_key else None,
    )
    eaddress = ""
    if identifier and not paper:
        reply = registry.call(
            "depp.search_addressee", {"identifier": identifier}, context
        )
        if reply.get("active"):
            eaddress = str(reply.get("eaddress") or "")
    delivery = Delivery(
        municipality=municipality,
        document_id=document.id,
        channel=EADDRESS if eaddress else PAPER,
        state=SENT if eaddress else TO_PRINT,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
        updated_by="system",
    )
    if eaddress:
        sent = registry.call("depp.send", _send_params(document, eaddress), context)
        delivery.message_id = str(sent.get("message_id") or "") or None
    session.add(delivery)
    session.flush()
    _record(session, document, delivery, actor="system", now=now)
    return delivery


def _record(
    session: Session,
    document: Document,
    delivery: Delivery,
    *,
    actor: str,
    now: datetime,
) -> None:
    """The step in the delivery's own history and in the case's status history."""
    session.add(
        DeliveryEvent(
            delivery_id=delivery.id, state=delivery.state, actor=actor, at=now
        )
    )
    if document.instance_id:
        words = STEP_WORDS.get(delivery.state, delivery.state)
        session.add(
            HistoryEvent(
                instance_id=document.instance_id,
                at=now,
                kind="delivered",
                element_name=(
                    f"{document.title} ({document.registration_number}): {words}"
                )[:255],
                actor=actor,
                details={"document_id": document.id, "delivery": delivery.state},
            )
        )
    session.flush()


def _send_params(document: Document, eaddress: str) -> dict[str, Any]:
    return {
        "recipients": [eaddress],
        "document_kind": DEPP_KINDS.get(document.document_type, "Cits"),
        "title": f"{document.title} ({document.registration_number})",
        "attachments": [
            {
                "name": document.filename,
                "mime": document.mime,
                "content_base64": base64.b64encode(document.content).decode("ascii"),
            }
        ],
    }


# -- the print queue -------------------------------------------------------------------
def print_queue(session: Session, municipality: str) -> list[tuple[Delivery, Document]]:
    """Paper deliveries of the municipality not yet posted or handed over."""
    rows = session.execute(
        select(Delivery, Document)
        .join(Document, Document.id == Delivery.document_id)
        .where(
            Delivery.municipality == municipality,
            Delivery.channel == PAPER,
            Delivery.state.in_(tuple(NEXT_STATES)),
        )
        .order_by(Delivery.created_at, Delivery.id)
    ).all()
    return [(d, doc) for d, doc in rows]


def mark_delivery(
    session: Session,
    municipality: str,
    delivery_id: int,
    state: str,
    *,
    actor: str,
    now: datetime,
    engine: ProcessEngine | None = None,
) -> Delivery:
    """A clerk's step in the print queue; ``InvalidOperation`` out of order.

    With ``engine``, a result posted or handed over is told to the case waiting for
    it (:func:`domain.documents.notice.tell_the_case`), in the same transaction."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.municipality != municipality:
        raise NotFound(f"delivery {delivery_id} not found")
    if state not in DELIVERY_STATES or state not in NEXT_STATES.get(delivery.state, ()):
        raise InvalidOperation(
            f"delivery {delivery_id} is {delivery.state}: cannot become {state}"
        )
    delivery.state = state
    delivery.updated_at = now
    delivery.updated_by = actor
    document = session.get(Document, delivery.document_id)
    assert document is not None  # a delivery goes with its document
    _record(session, document, delivery, actor=actor, now=now)
    if engine is not None:
        notice.tell_the_case(engine, delivery, document.case_number, actor=actor)
    return delivery


# -- listings -------------------------------------------------------------------------
def get_document(session: Session, municipality: str, document_id: int) -> Document:
    """The document, only within ``municipality``; ``NotFound`` otherwise."""
    document = session.get(Document, document_id)
    if document is None or document.municipality != municipality:
        raise NotFound(f"document {document_id} not found")
    return document


def case_documents(
    session: Session, municipality: str, case_number: str
) -> list[tuple[Document, list[Delivery]]]:
    """The case's documents, oldest first, each with its deliveries."""
    documents = session.scalars(
        select(Document)
        .where(
            Document.municipality == municipality, Document.case_number == case_number
        )
        .order_by(Document.created_at, Document.id)
    ).all()
    deliveries = document_deliveries(session, [d.id for d in documents])
    return [(d, deliveries[d.id]) for d in documents]


def document_deliveries(
    session: Session, document_ids: list[int]
) -> dict[int, list[Delivery]]:
    """The deliveries of each document, oldest first ([] for one without)."""
    deliveries: dict[int, list[Delivery]] = {i: [] for i in document_ids}
    if document_ids:
        for delivery in session.scalars(
            select(Delivery)
            .where(Delivery.document_id.in_(document_ids))
            .order_by(Delivery.id)
        ):
            deliveries[delivery.document_id].append(delivery)
    return deliveries


def delivery_history(session: Session, delivery_id: int) -> list[DeliveryEvent]:
    return list(
        session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.delivery_id == delivery_id)
            .order_by(DeliveryEvent.at, DeliveryEvent.id)
        )
    )
