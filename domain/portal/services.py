# SPDX-License-Identifier: EUPL-1.2
"""The residents' portal: what a signed-in person (or a company's representative)
may see and do in one municipality — its catalogue, their cases with statuses and
deadlines, applying, uploading and downloading documents. No Flask here; every
function flushes, the caller commits.

A resident's cases are the municipality's cases whose client is the resident (or
the company they act for), found by the look-up hash of the identifier, never by
the identifier itself; another person's case is ``NotFound``, as if absent.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from core.contracts import FieldError, FormValidationError
from core.pii import PiiVault
from domain import accounting, cases
from domain.accounting import status as status_model
from domain.cases import ServiceCase
from domain.intake import checks
from domain.models import Municipality
from domain.offers import services as offers
from domain.portal.models import PortalSignIn, PortalSubmission, PortalUpload
from engine.errors import NotFound
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine

PORTAL_ACTOR = "e-pakalpojumi"
"""Who started a case from the portal, in the case's history."""
SIGN_IN_MINUTES = 15
"""How long a sign-in request waits for latvija.lv's answer."""
MAX_UPLOADS_PER_CASE = 20
SYSTEM_FIELDS = ("case_number", "applicant_code")
"""Start-form fields the portal fills itself: the case's number, the applicant's
identifier (the signed-in person's or company's — never typed by the resident)."""
_CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class Resident:
    """Who is signed in to the portal: a person, maybe acting for a company."""

    personal_code: str
    name: str
    company_code: str | None = None
    company_name: str | None = None

    @property
    def client(self) -> cases.Client:
        """The client of the cases they see and start: the company they act for,
        else themselves."""
        if self.company_code:
            return cases.Client(self.company_name or "", self.company_code)
        return cases.Client(self.name, self.personal_code)


# -- municipalities and the catalogue ---------------------------------------------
def municipality(session: Session, code: str) -> Municipality:
    """The municipality of a portal address (``/portals/riga`` → ``RIGA``)."""
    found = session.get(Municipality, (code or "").upper()[:20])
    if found is None:
        raise NotFound(f"municipality {code!r}")
    return found


def catalogue(
    session: Session, code: str, today: date | None = None
) -> list[offers.Offer]:
    """The services a resident may apply for: the processes in force with a service
    code, as the municipality's catalogue shows them (``domain.offers``): a card in
    force gives the name, description, prices on ``today`` and deadline; a card
    not in force withdraws the service; a service without a card keeps its
    process's name."""
    return offers.offers(session, code, today)


def offer(session: Session, code: str, key: str) -> offers.Offer:
    found = next((o for o in catalogue(session, code) if o.key == key), None)
    if found is None:
        raise NotFound(f"service {key!r}")
    return found


def service(session: Session, code: str, key: str) -> cases.StartableProcess:
    """The process a resident applies for (NotFound when it is not offered)."""
    return offer(session, code, key).process


def applicant_schema(schema: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The start form as a resident sees it: without the fields the portal fills."""
    if schema is None:
        return None
    shown = dict(schema)
    props = dict(shown.get("properties") or {})
    for name in SYSTEM_FIELDS:
        props.pop(name, None)
    shown["properties"] = props
    shown["required"] = [r for r in shown.get("required", []) if r not in SYSTEM_FIELDS]
    return shown


# -- sign-in ------------------------------------------------------------------------
def begin_sign_in(
    session: Session, request_id: str, code: str, next_path: str, now: datetime
) -> None:
    """Remember an AuthnRequest sent for the portal of ``code`` (and forget those
    older than a day: an assertion is valid for minutes, so a day is plenty to
    refuse its replay)."""
    forget_old_sign_ins(session, now)
    session.add(
        PortalSignIn(
            request_id=request_id,
            municipality=code,
            next_path=next_path[:500],
            created_at=now,
        )
    )
    session.flush()


def outstanding(session: Session, now: datetime) -> dict[str, str]:
    """Requests still waiting for an answer: request id → municipality."""
    since = now - timedelta(minutes=SIGN_IN_MINUTES)
    rows = session.execute(
        select(PortalSignIn.request_id, PortalSignIn.municipality).where(
            PortalSignIn.consumed_at.is_(None), PortalSignIn.created_at >= since
        )
    ).all()
    return {request_id: muni for request_id, muni in rows}


def consume(
    session: Session, request_id: str, assertion_id: str, now: datetime
) -> PortalSignIn | None:
    """Mark the request answered by ``assertion_id``; None when it was answered
    already or the assertion was used before (a replay). One UPDATE guarded by
    ``consumed_at IS NULL``: two browsers posting the same answer get one sign-in."""
    if session.scalar(
        select(func.count())
        .select_from(PortalSignIn)
        .where(PortalSignIn.assertion_id == assertion_id)
    ):
        return None
    done = session.execute(
        update(PortalSignIn)
        .where(
            PortalSignIn.request_id == request_id, PortalSignIn.consumed_at.is_(None)
        )
        .values(consumed_at=now, assertion_id=assertion_id)
    )
    if getattr(done, "rowcount", 0) != 1:
        return None
    return session.scalar(
        select(PortalSignIn).where(PortalSignIn.request_id == request_id)
    )


def forget_old_sign_ins(session: Session, now: datetime, days: int = 1) -> int:
    """Delete sign-in rows older than ``days``; how many."""
    done = session.execute(
        delete(PortalSignIn).where(PortalSignIn.created_at < now - timedelta(days=days))
    )
    return int(getattr(done, "rowcount", 0) or 0)


# -- cases --------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseSummary:
    case: ServiceCase
    status: str
    """The latest accounting status (``domain.accounting.status``)."""
    history: list[accounting.CaseStatusEvent]
    deadline: datetime | None
    """When the decision is due (working days from the registration)."""


def my_cases(
    session: Session, vault: PiiVault, code: str, resident: Resident
) -> list[ServiceCase]:
    return cases.cases_of_client(session, vault, code, resident.client.identifier)


def my_case(
    session: Session, vault: PiiVault, code: str, resident: Resident, number: str
) -> ServiceCase:
    """The resident's case ``number``; ``NotFound`` for anyone else's."""
    found = session.scalar(
        select(ServiceCase).where(
            ServiceCase.municipality == code,
            ServiceCase.number == (number or "")[:50],
            ServiceCase.client_identifier_hash
            == vault.lookup_hash(resident.client.identifier),
        )
    )
    if found is None:
        raise NotFound(f"case {number!r}")
    return found


def summary(session: Session, case: ServiceCase) -> CaseSummary:
    events = accounting.history(session, case.id)
    instance = session.get(ProcessInstance, case.instance_id)
    meta = instance.definition.meta if instance is not None else None
    term = status_model.term_of(meta)
    deadline = status_model.planned(
        status_model.DECIDED, case.created_at, term, _CALENDAR
    )
    latest = events[-1].status if events else status_model.SUBMITTED
    return CaseSummary(case, latest, events, deadline)


def summaries(session: Session, found: list[ServiceCase]) -> list[CaseSummary]:
    return [summary(session, c) for c in found]


# -- applying -----------------------------------------------------------------------
def submitted_case(
    session: Session, vault: PiiVault, code: str, resident: Resident, token: str
) -> ServiceCase | None:
    """The case an earlier send of the same form started, if any."""
    row = session.scalar(
        select(PortalSubmission).where(
            PortalSubmission.municipality == code,
            PortalSubmission.token == (token or "")[:64],
        )
    )
    if row is None:
        return None
    if row.client_hash != vault.lookup_hash(resident.client.identifier):
        raise NotFound("submission")  # someone else's token: nothing to show
    return session.get(ServiceCase, row.case_id)


TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def apply(
    engine: ProcessEngine,
    session: Session,
    process: cases.StartableProcess,
    *,
    code: str,
    resident: Resident,
    data: Mapping[str, Any],
    token: str,
) -> ServiceCase:
    """Start the service's case for the resident (channel e-service) and remember
    the form's token. Call it first in its transaction (``cases.start_case``);
    look for an earlier send with ``submitted_case`` in one before."""
    if not TOKEN.match(token or ""):
        raise FormValidationError(
            "portal",
            [
                FieldError(
                    "token",
                    "Veidlapa ir novecojusi: atveriet to vēlreiz",
                    "The form has expired: open it again",
                    "token",
                )
            ],
        )
    client = resident.client
    values = {k: v for k, v in data.items() if k not in SYSTEM_FIELDS}
    values["applicant_code"] = client.identifier
    case = cases.start_case(
        engine,
        session,
        process.key,
        municipality=code,
        data=values,
        actor=PORTAL_ACTOR,
        client=client,
        channel=cases.E_SERVICE,
    )
    session.add(
        PortalSubmission(
            municipality=code,
            token=token,
            client_hash=engine.config.vault.lookup_hash(client.identifier)
            if engine.config.vault is not None
            else "",
            case_id=case.id,
            created_at=engine.now(),
        )
    )
    session.flush()
    return case


# -- documents ------------------------------------------------------------------------
def _error(lv: str, en: str, reason: str) -> FormValidationError:
    return FormValidationError("portal", [FieldError("file", lv, en, reason)])


def clean_filename(name: str) -> str:
    """The file's own name, without folders or control characters, at most 200."""
    base = PurePath((name or "").replace("\\", "/")).name
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFC", base)
        if unicodedata.category(ch)[0] != "C"
    )
    text = text.strip().strip(".") or "datne"
    if len(text) > 200:
        suffix = PurePath(text).suffix[:20]
        text = text[: 200 - len(suffix)] + suffix
    return text


def upload(
    session: Session,
    vault: PiiVault,
    case: ServiceCase,
    resident: Resident,
    filename: str,
    content: bytes,
    now: datetime,
) -> PortalUpload:
    """Add a document to the resident's open case; ``FormValidationError`` (field
    ``file``) naming the reason when refused."""
    if case.is_closed:
        raise _error(
            "Lieta ir slēgta: dokumentus tai vairs nevar pievienot",
            "The case is closed: no more documents can be added",
            "closed",
        )
    name = clean_filename(filename)
    problem = checks.check_file(name, content)
    if problem is not None:
        lv, en = checks.REASONS.get(problem, (problem, problem))
        raise _error(f"{name}: {lv}", f"{name}: {en}", problem)
    count = session.scalar(
        select(func.count())
        .select_from(PortalUpload)
        .where(PortalUpload.case_id == case.id)
    )
    if (count or 0) >= MAX_UPLOADS_PER_CASE:
        raise _error(
            f"Lietai var pievienot ne vairāk kā {MAX_UPLOADS_PER_CASE} datnes",
            f"At most {MAX_UPLOADS_PER_CASE} files per case",
            "count",
        )
    row = PortalUpload(
        municipality=case.municipality,
        case_id=case.id,
        filename=name,
        mime=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_hash=vault.lookup_hash(resident.personal_code),
        uploaded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def uploads(session: Session, case: ServiceCase) -> list[PortalUpload]:
    return list(
        session.scalars(
            select(PortalUpload)
            .where(PortalUpload.case_id == case.id)
            .order_by(PortalUpload.uploaded_at, PortalUpload.id)
        )
    )


def get_upload(session: Session, case: ServiceCase, upload_id: int) -> PortalUpload:
    row = session.get(PortalUpload, upload_id)
    if row is None or row.case_id != case.id:
        raise NotFound(f"upload {upload_id}")
    return row
