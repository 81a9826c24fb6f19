# SPDX-License-Identifier: EUPL-1.2
"""Receiving over e-address (DEPP) and DIV: fetch, store, confirm, hand to the engine.

For each message the service lists for the municipality:

1. Already stored here (``edelivery_messages``, unique per channel, municipality
   and message id)? Then skip to 3: a crash after the store and before the confirm,
   or a failed confirm, leaves it listed, and the next poll must not store it again.
2. Fetch it, then in **one transaction** store it with its attachments and hand it to
   the engine: ``correlate_message`` continues the instance waiting for it or starts
   one through a message start event. The handover runs in a savepoint: if it fails,
   the message is still stored (``handover = pending``) and the handover is retried
   by the next poll; if nobody takes it, it stays ``unrouted`` for a person to see.
   Storing and starting commit together, so a message never starts two instances.
3. Confirm it to the service only after that commit, then note the confirmation.
   A failed confirm is retried by the next poll (the service keeps listing it).

Correlation: ``{"depp_message_id": <the id this message answers, or its own id>}``
(``div_document_id`` for DIV). A process that sent a message and keeps its id in
``depp_message_id`` receives the answer; anything else starts the intake process
or, when no process takes it, becomes an item of the municipality's intake queue
("Ienākošie", domain/intake) in the same savepoint: once per message, its files
checked (a refused one flags the item, never drops it), the routing rules applied.
The payload holds the message's metadata, never the files' content (task data stays
small); the content is in ``edelivery_attachments``.

Audit: every list, fetch and confirm is one ``connector_calls`` row, as a registry
call is (:func:`connectors.registry.audited_call`), named like an operator
(``depp.get_message_list``, ``div.get_document``, …) though diagrams cannot call it;
the actor is ``<channel>-poll``, the instance the one the message was handed to, when
known (a confirm). Rows are written with the poll's next transaction, and the last
ones when the poll ends, however it ends.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.errors import ConnectorError, Unavailable
from connectors.inbox import Inbox, Incoming, system_mode
from connectors.registry import audited_call
from connectors.soapkit import mask_identifiers
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.inbox import DeppInbox
from connectors.systems.depp.models import (
    HANDED_OVER,
    PENDING,
    UNROUTED,
    ReceivedAttachment,
    ReceivedMessage,
)
from connectors.systems.depp.operators import SYSTEM as DEPP
from connectors.systems.depp.operators import depp_client
from connectors.systems.div.client import DivClient
from connectors.systems.div.inbox import DivInbox
from connectors.systems.div.operators import SYSTEM as DIV
from connectors.systems.div.operators import div_client
from core.contracts import CallContext
from domain.intake.rules import take_in
from domain.intake.services import FileData
from engine.runtime import ProcessEngine
from pkip.platform import Platform

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What one poll did (counts only: safe to log)."""

    channel: str
    municipality: str
    listed: int = 0
    stored: int = 0
    already_stored: int = 0
    confirmed: int = 0
    confirm_failed: int = 0
    fetch_failed: int = 0
    handed_over: int = 0
    unrouted: int = 0
    handover_failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def poll_depp(
    platform: Platform,
    municipality: str,
    *,
    client: DeppClient | None = None,
    limit: int = 100,
) -> PollReport:
    """Receive the municipality's e-address messages (see the module docstring)."""
    inbox = DeppInbox(
        client or depp_client(municipality), system_mode(DEPP, municipality)
    )
    return poll_inbox(platform, municipality, inbox, limit=limit)


def poll_div(
    platform: Platform,
    municipality: str,
    *,
    client: DivClient | None = None,
    limit: int = 100,
) -> PollReport:
    """Receive the documents other institutions sent the municipality over DIV."""
    inbox = DivInbox(client or div_client(municipality), system_mode(DIV, municipality))
    return poll_inbox(platform, municipality, inbox, limit=limit)


def poll_inbox(
    platform: Platform, municipality: str, inbox: Inbox, *, limit: int = 100
) -> PollReport:
    """One poll of one inbox. Raises Unavailable when the service cannot be reached
    (after retrying the handovers that wait here, which need no service)."""
    report = PollReport(inbox.channel, municipality)
    try:
        _retry_handovers(platform, municipality, inbox, report)
        with _audited(platform, municipality, inbox, inbox.operations.list):
            ids = inbox.list_ids(limit)
        report.listed = len(ids)
        for message_id in ids:
            _receive(platform, municipality, inbox, message_id, report)
    finally:
        # the calls after the poll's last transaction (a failed list or confirm)
        platform.audit.write_pending(platform.sessions)
    log.info("e-delivery poll %s", report.as_dict())
    return report


def _audited(
    platform: Platform,
    municipality: str,
    inbox: Inbox,
    operation: str,
    instance_id: str | None = None,
) -> AbstractContextManager[None]:
    """One call of the poll, audited like a registry call."""
    return audited_call(
        platform.audit,
        operation,
        system=inbox.system,
        mode=inbox.mode,
        context=CallContext(
            instance_id=instance_id,
            municipality=municipality,
            actor=f"{inbox.channel}-poll",
        ),
    )


def _receive(
    platform: Platform,
    municipality: str,
    inbox: Inbox,
    message_id: str,
    report: PollReport,
) -> None:
    with platform.transaction() as session:
        found = _find(session, inbox.channel, municipality, message_id)
        instance_ids = list(found.instance_ids) if found is not None else []
    if found is not None:
        # stored by an earlier poll whose confirm failed or never ran (a crash)
        report.already_stored += 1
    else:
        try:
            with _audited(platform, municipality, inbox, inbox.operations.fetch):
                item = inbox.fetch(message_id)
        except Unavailable:
            raise
        except ConnectorError as exc:  # gone or refused: the next poll tries again
            report.fetch_failed += 1
            log.warning("e-delivery %s: fetch failed: %s", inbox.channel, exc.code)
            return
        instance_ids = _store(platform, municipality, inbox, item, report)
    # a message handed to several instances is audited under none of them
    instance_id = instance_ids[0] if len(instance_ids) == 1 else None
    _confirm(platform, municipality, inbox, message_id, report, instance_id)


def _store(
    platform: Platform,
    municipality: str,
    inbox: Inbox,
    item: Incoming,
    report: PollReport,
) -> list[str]:
    """Store the message and hand it over; the ids of the instances it went to."""
    try:
        with platform.transaction() as session:
            now = platform.engine_config.clock()
            row = ReceivedMessage(
                channel=inbox.channel,
                municipality=municipality,
                message_id=item.message_id,
                document_kind=item.document_kind,
                title=item.title,
                in_reply_to=item.in_reply_to,
                sent_at=item.sent_at,
                received_at=now,
                confirmed_at=None,
                attachments=[
                    {"name": a.name, "mime": a.mime, "size": a.size, "sha256": a.sha256}
                    for a in item.attachments
                ],
                handover=PENDING,
                handover_attempts=0,
                instance_ids=[],
                files=[
                    ReceivedAttachment(
                        position=i,
                        name=a.name,
                        mime=a.mime,
                        size=a.size,
                        sha256=a.sha256,
                        content=a.content,
                    )
                    for i, a in enumerate(item.attachments)
                ],
            )
            row.set_sender(platform.pii, item.sender)
            session.add(row)
            session.flush()  # a second poller's insert fails here, before handover
            _hand_over(platform, session, row, inbox, report, item.document_number)
            instance_ids = list(row.instance_ids)
    except IntegrityError:
        report.already_stored += 1
        return []
    report.stored += 1
    return instance_ids


def _hand_over(
    platform: Platform,
    session: Session,
    row: ReceivedMessage,
    inbox: Inbox,
    report: PollReport,
    document_number: str | None = None,
) -> None:
    row.handover_attempts += 1
    key = row.in_reply_to or row.message_id
    # The correlation key is in the payload too: a diagram's correlation property
    # is evaluated against the payload of a message that starts an instance.
    payload = {
        inbox.correlation_key: key,
        "channel": row.channel,
        "record_id": row.id,
        "message_id": row.message_id,
        "sender": row.sender_address(platform.pii),
        "document_kind": row.document_kind,
        "title": row.title,
        "in_reply_to": row.in_reply_to,
        "sent_at": row.sent_at.isoformat(),
        "received_at": row.received_at.isoformat(),
        "attachments": list(row.attachments),
    }
    if document_number:
        payload["document_number"] = document_number
    try:
        with session.begin_nested():
            engine = platform.engine(session)
            instances = engine.correlate_message(
                inbox.message_name,
                municipality=row.municipality,
                correlation={inbox.correlation_key: key},
                payload=payload,
                actor=f"{row.channel}-poll",
            )
            if not instances:  # a person must see it: the intake queue
                _to_intake(platform, engine, session, row)
    except Exception as exc:  # noqa: BLE001 - stored anyway; retried next poll
        row.handover_error = mask_identifiers(f"{type(exc).__name__}: {exc}")[:1000]
        report.handover_failed += 1
        log.warning(
            "e-delivery %s message %s: handover failed (%s)",
            row.channel,
            row.id,
            type(exc).__name__,
        )
        return
    row.instance_ids = [i.id for i in instances]
    row.handover = HANDED_OVER if instances else UNROUTED
    row.handover_error = None
    if instances:
        report.handed_over += 1
    else:
        report.unrouted += 1


def _to_intake(
    platform: Platform, engine: ProcessEngine, session: Session, row: ReceivedMessage
) -> None:
    """Once per message: a retried handover finds the item already there."""
    take_in(
        engine,
        session,
        platform.pii,
        municipality=row.municipality,
        channel=row.channel,
        source_id=row.message_id,
        sender=row.sender_address(platform.pii),
        subject=row.title,
        document_kind=row.document_kind,
        received_at=row.received_at,
        files=[FileData(f.name, f.mime, f.content) for f in row.files],
        actor=f"{row.channel}-poll",
    )


def _retry_handovers(
    platform: Platform, municipality: str, inbox: Inbox, report: PollReport
) -> None:
    with platform.transaction() as session:
        ids = session.scalars(
            select(ReceivedMessage.id).where(
                ReceivedMessage.channel == inbox.channel,
                ReceivedMessage.municipality == municipality,
                ReceivedMessage.handover == PENDING,
            )
        ).all()
    for row_id in ids:
        with platform.transaction() as session:
            row = session.get(ReceivedMessage, row_id, with_for_update=True)
            if row is not None and row.handover == PENDING:
                _hand_over(platform, session, row, inbox, report)


def _confirm(
    platform: Platform,
    municipality: str,
    inbox: Inbox,
    message_id: str,
    report: PollReport,
    instance_id: str | None = None,
) -> None:
    try:
        with _audited(
            platform, municipality, inbox, inbox.operations.confirm, instance_id
        ):
            inbox.confirm(message_id)
    except ConnectorError as exc:
        report.confirm_failed += 1
        log.warning("e-delivery %s: confirm failed: %s", inbox.channel, exc.code)
        return
    with platform.transaction() as session:
        row = _find(session, inbox.channel, municipality, message_id)
        if row is not None and row.confirmed_at is None:
            row.confirmed_at = platform.engine_config.clock()
    report.confirmed += 1


def _find(
    session: Session, channel: str, municipality: str, message_id: str
) -> ReceivedMessage | None:
    return session.scalars(
        select(ReceivedMessage).where(
            ReceivedMessage.channel == channel,
            ReceivedMessage.municipality == municipality,
            ReceivedMessage.message_id == message_id,
        )
    ).first()


def poll_all(platform: Platform, municipalities: list[str]) -> list[PollReport]:
    """Poll both channels of each municipality; one unreachable service does not
    hold back the others (for a periodic job)."""
    reports = []
    for code in municipalities:
        for poll in (poll_depp, poll_div):
            try:
                reports.append(poll(platform, code))
            except ConnectorError as exc:
                log.warning("e-delivery poll of %s failed: %s", code, exc.code)
    return reports
