# SPDX-License-Identifier: EUPL-1.2
"""Letters and applications that come in across a desk: paper and post registered
by a registry clerk with scanned files, and applications a one-stop client centre
(VPVKAC) clerk takes for any municipality's service on the client's behalf."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from core.pii import PiiVault
from domain.cases.models import ServiceCase
from domain.cases.services import Client, check_case_fields, start_case
from domain.intake.models import PAPER, STARTED, VPVKAC, IntakeItem
from domain.intake.services import CASE_CHANNEL, FORM, FileData, receive
from domain.services.services import ServiceNotSetUp
from engine.errors import NotFound
from engine.runtime import ProcessEngine

MAX_FILES = 10


def _check_letter(sender: str, subject: str, files: Sequence[FileData]) -> None:
    errors: list[FieldError] = []
    if not " ".join((sender or "").split()):
        errors.append(
            FieldError("sender", "Norādiet sūtītāju", "Enter the sender", "required")
        )
    if not " ".join((subject or "").split()):
        errors.append(
            FieldError("subject", "Norādiet tematu", "Enter the subject", "required")
        )
    if len(files) > MAX_FILES:
        errors.append(
            FieldError(
                "files",
                f"Ne vairāk kā {MAX_FILES} datnes",
                f"At most {MAX_FILES} files",
                "max_items",
            )
        )
    if errors:
        raise FormValidationError(FORM, errors)


def register_paper(
    session: Session,
    vault: PiiVault,
    *,
    municipality: str,
    sender: str,
    subject: str,
    files: Sequence[FileData],
    actor: str,
    now: datetime,
) -> IntakeItem:
    """A paper or post letter with its scans: a new item in the queue (a refused
    scan flags it, as for e-address)."""
    _check_letter(sender, subject, files)
    item = receive(
        session,
        vault,
        municipality=municipality,
        channel=PAPER,
        source_id=uuid.uuid4().hex,
        sender=" ".join(sender.split()),
        subject=" ".join(subject.split()),
        document_kind="Papīra dokuments",
        received_at=now,
        files=files,
        actor=actor,
    )
    assert item is not None  # a fresh source id is never there already
    return item


def register_vpvkac(
    engine: ProcessEngine,
    session: Session,
    vault: PiiVault,
    *,
    municipality: str,
    process_key: str,
    client: Client,
    subject: str,
    files: Sequence[FileData],
    actor: str,
    data: dict[str, Any] | None = None,
) -> tuple[ServiceCase, IntakeItem]:
    """An application taken at a one-stop centre for ``municipality``'s service:
    the case starts there with channel VPVKAC, and the application with its files
    is in that municipality's queue, marked started. Call it first in its
    transaction (the case number is taken first)."""
    client, errors = check_case_fields(client, CASE_CHANNEL[VPVKAC])
    if not process_key:
        errors.append(
            FieldError(
                "process_key", "Izvēlieties pakalpojumu", "Choose a service", "required"
            )
        )
    if errors:
        raise FormValidationError(FORM, errors)
    try:
        case = start_case(
            engine,
            session,
            process_key,
            municipality=municipality,
            data=data,
            actor=actor,
            client=client,
            channel=CASE_CHANNEL[VPVKAC],
        )
    except NotFound as exc:
        raise FormValidationError(
            FORM,
            [
                FieldError(
                    "process_key",
                    "Šī pašvaldība šādu pakalpojumu nesniedz",
                    "The municipality does not offer this service",
                    "unknown",
                )
            ],
        ) from exc
    except ServiceNotSetUp as exc:
        raise FormValidationError(
            FORM,
            [FieldError("process_key", exc.message, exc.message_en, "not_set_up")],
        ) from exc
    now = engine.now()
    item = receive(
        session,
        vault,
        municipality=municipality,
        channel=VPVKAC,
        source_id=uuid.uuid4().hex,
        sender=f"{client.name} ({client.identifier})",
        subject=" ".join((subject or case.process_name).split()),
        document_kind="VPVKAC iesniegums",
        received_at=now,
        files=files,
        actor=actor,
    )
    assert item is not None
    item.case_number = case.number
    # a refused file keeps the item flagged for the registry to see
    if not item.problems:
        item.status = STARTED
    item.handled_by, item.handled_at = actor, now
    return case, item
