# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/cases/{number}/documents (list, metadata, PDF) and
/api/v1/cases/{number}/status-history: scoped to the token's municipality, behind
the cases:read scope, the same records the case page shows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts.models import User
from domain.documents import services as documents
from domain.documents.models import Document
from engine.models import DELIVERED, OutboxMessage
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.documents.pdf import pdf_text
from tests.webapp.api_support import TokenClient, make_token
from tests.webapp.casework import start
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")

NO_EADDRESS = "328673-00679"
URL = "/api/v1/cases"


@pytest.fixture
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


def _issue(
    engine: ProcessEngine,
    platform: Platform,
    municipality: str = MUNI,
    title: str = "Atteikums",
) -> tuple[cases.ServiceCase, Document]:
    case = start(
        engine, municipality=municipality, client=cases.Client("Līga Ūdre", NO_EADDRESS)
    )
    document = documents.issue_document(
        engine.session,
        platform.connectors,
        documents.Issue(
            municipality=municipality,
            template="refusal",
            instance_id=case.instance_id,
            fields={"decision_title": title, "decision_text": "Nav pamata."},
            idempotency_key=None,
        ),
        now=T0,
    )
    return case, document


def test_lists_reads_and_downloads_a_cases_documents(
    api: TokenClient, web_platform: Platform, db_session: Session
) -> None:
    engine = web_platform.engine(db_session)
    case, first = _issue(engine, web_platform, title="Atteikums „ar pēdiņām”")
    second = documents.issue_document(
        db_session,
        web_platform.connectors,
        documents.Issue(
            MUNI,
            "permit",
            case.instance_id,
            {"decision_title": "Atļauja", "decision_text": "Atļauts."},
            None,
        ),
        now=T0,
    )
    documents.deliver_document(
        db_session,
        web_platform.connectors,
        web_platform.pii,
        municipality=MUNI,
        document_id=first.id,
        idempotency_key=None,
        now=T0,
    )

    listing = api.get(f"{URL}/{case.number}/documents")
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["case_number"] == case.number
    assert [d["id"] for d in body["items"]] == [first.id, second.id]
    one, two = body["items"]
    assert one["registration_number"] == first.registration_number
    assert one["document_type"] == "refusal" and one["title"].startswith("Atteikums")
    # no e-address for this client: the result waits in the print queue
    assert (one["delivery_status"], one["delivery_channel"]) == ("to_print", "paper")
    assert (two["delivery_status"], two["delivery_channel"]) == ("not_delivered", None)
    assert one["registered_at"].startswith("2026-03-02")

    meta = api.get(f"{URL}/{case.number}/documents/{first.id}").get_json()
    assert meta["sha256"] == first.sha256 and meta["size"] == first.size
    assert meta["register"] == "pkip" and meta["mime"] == "application/pdf"
    assert [(d["channel"], d["state"]) for d in meta["deliveries"]] == [
        ("paper", "to_print")
    ]
    pdf = api.get(meta["pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == first.sha256
    assert "Nav pamata." in pdf_text(pdf.data)
    disposition = pdf.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="refusal-')
    assert f"filename*=UTF-8''{first.filename}" in disposition
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"


def test_another_municipalitys_case_or_document_is_404(
    api: TokenClient, web_platform: Platform, db_session: Session
) -> None:
    engine = web_platform.engine(db_session)
    ours, our_doc = _issue(engine, web_platform)
    other_case, other_doc = _issue(engine, web_platform)
    theirs, their_doc = _issue(engine, web_platform, municipality=OTHER_MUNI)
    for url in (
        f"{URL}/{theirs.number}/documents",
        f"{URL}/{theirs.number}/documents/{their_doc.id}",
        f"{URL}/{theirs.number}/documents/{their_doc.id}/pdf",
        f"{URL}/{ours.number}/documents/{their_doc.id}",
        f"{URL}/{ours.number}/documents/{their_doc.id}/pdf",
        # our own document, but of another of our cases
        f"{URL}/{ours.number}/documents/{other_doc.id}/pdf",
        f"{URL}/NAV-TADAS/documents",
        f"{URL}/{ours.number}/documents/2147483648",
        f"{URL}/{theirs.number}/status-history",
    ):
        answer = api.get(url)
        assert answer.status_code == 404, url
        assert answer.is_json and answer.get_json()["message"], url
    assert api.get(f"{URL}/{ours.number}/documents/{our_doc.id}/pdf").status_code == 200
    assert other_case.number != ours.number


def test_rights_scope_and_roles(
    app: Flask,
    db_session: Session,
    web_platform: Platform,
    make_user: Callable[..., User],
    as_role: Callable[..., WebClient],
) -> None:
    engine = web_platform.engine(db_session)
    case, document = _issue(engine, web_platform)
    urls = (
        f"{URL}/{case.number}/documents",
        f"{URL}/{case.number}/documents/{document.id}",
        f"{URL}/{case.number}/documents/{document.id}/pdf",
        f"{URL}/{case.number}/status-history",
    )
    no_scope = TokenClient(app, make_token(db_session, scopes=["tasks:read"]))
    anonymous = app.test_client()
    analyst = as_role("analyst")
    specialist = as_role("specialist")
    for url in urls:
        assert no_scope.get(url).status_code == 403, url
        assert anonymous.get(url).status_code == 401, url
        assert analyst.get(url).status_code == 403, url
        assert specialist.get(url).status_code == 200, url


def test_status_history_lists_each_status_with_labels_deadline_and_pspp(
    api: TokenClient, web_platform: Platform, db_session: Session
) -> None:
    case = start(web_platform.engine(db_session), "dog_fee")
    first = db_session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.operator == "pspp.case_event")
        .order_by(OutboxMessage.id)
    ).first()
    assert first is not None
    first.status = DELIVERED
    db_session.flush()

    answer = api.get(f"{URL}/{case.number}/status-history")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["case_number"] == case.number
    events = body["events"]
    assert [e["status"] for e in events] == ["submitted", "registered", "in_progress"]
    assert [e["label"] for e in events] == ["Iesniegts", "Reģistrēts", "Izskatīšanā"]
    assert [e["label_en"] for e in events] == ["Submitted", "Registered", "In progress"]
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert [e["pspp"] for e in events] == ["not_reported", "delivered", "on_its_way"]
    assert events[0]["pspp_status"] is None
    assert events[1]["pspp_status"] == "registered"
    assert events[1]["at"].startswith("2026-03-02")
    # in progress has a planned deadline in working days, not reached late
    assert events[2]["planned_at"] is not None and events[2]["late"] is False
    assert body["status"] == "in_progress"
