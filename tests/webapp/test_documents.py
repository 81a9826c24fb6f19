# SPDX-License-Identifier: EUPL-1.2
"""Issued documents in the workplace: listed on the case page and downloadable
(scoped to the municipality), the print queue, the template editor's preview."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from domain import cases
from domain.accounts.models import ANALYST, SPECIALIST
from domain.documents import services as documents
from domain.documents.models import Delivery, Document
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.documents.pdf import pdf_text
from tests.webapp.casework import start
from tests.webapp.conftest import WebClient

NO_EADDRESS = "328673-00679"


def _issued(
    engine: ProcessEngine, platform: Platform, municipality: str = MUNI
) -> tuple[cases.ServiceCase, Document, Delivery]:
    case = start(
        engine,
        municipality=municipality,
        client=cases.Client("Līga Ūdre", NO_EADDRESS),
    )
    session = engine.session
    document = documents.issue_document(
        session,
        platform.connectors,
        documents.Issue(
            municipality=municipality,
            template="refusal",
            instance_id=case.instance_id,
            fields={"decision_title": "Atteikums", "decision_text": "Nav pamata."},
            idempotency_key=None,
        ),
        now=T0,
    )
    delivery = documents.deliver_document(
        session,
        platform.connectors,
        platform.pii,
        municipality=municipality,
        document_id=document.id,
        idempotency_key=None,
        now=T0,
    )
    return case, document, delivery


def test_case_page_lists_and_downloads_the_pdf(
    engine: ProcessEngine,
    platform: Platform,
    deployed: dict[str, int],
    specialist: WebClient,
    as_role: Callable[..., WebClient],
) -> None:
    case, document, _ = _issued(engine, platform)
    page = specialist.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Izdotie dokumenti" in page and document.registration_number in page
    assert "Papīra formā: jādrukā" in page
    link = f"/documents/{document.id}.pdf"
    assert link in page and NO_EADDRESS not in page
    response = specialist.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.get_data())
    assert "ATTEIKUMS" in text and "Saņēmējs: Līga Ūdre." in text
    # another municipality's specialist gets nothing
    other = as_role(SPECIALIST, municipality=OTHER_MUNI)
    assert other.get(link).status_code == 404


def test_print_queue_marks_printed_then_handed_over(
    engine: ProcessEngine,
    platform: Platform,
    deployed: dict[str, int],
    specialist: WebClient,
    db_session: Session,
) -> None:
    case, document, delivery = _issued(engine, platform)
    page = specialist.get("/documents/print-queue").get_data(as_text=True)
    assert "Drukas rinda" in page and document.registration_number in page
    url = f"/documents/deliveries/{delivery.id}"
    # out of order: handed over before printed is refused, nothing changes
    specialist.submit(url, {"state": "handed_over"})
    db_session.refresh(delivery)
    assert delivery.state == "to_print"
    assert specialist.submit(url, {"state": "printed"}).status_code == 302
    assert specialist.submit(url, {"state": "handed_over"}).status_code == 302
    db_session.refresh(delivery)
    assert delivery.state == "handed_over"
    page = specialist.get("/documents/print-queue").get_data(as_text=True)
    assert "Nav ko drukāt." in page
    states = [e.state for e in documents.delivery_history(db_session, delivery.id)]
    assert states == ["to_print", "printed", "handed_over"]
    # the case's status history tells the same story
    history = specialist.get(f"/cases/{case.number}").get_data(as_text=True)
    number = document.registration_number
    for words in ("nodots drukas rindā", "izdrukāts", "izsniegts klātienē"):
        assert f"Atteikums ({number}): {words}" in history


def test_template_editor_previews_and_versions(
    as_role: Callable[..., WebClient], db_session: Session
) -> None:
    analyst = as_role(ANALYST)
    page = analyst.get("/documents/templates/permit").get_data(as_text=True)
    assert "ATĻAUJA" in page  # the shipped body, ready to edit
    body = "<h1>Atļauja Nr. {{ registration_number }}</h1><p>{{ client_name }}</p>"
    preview = analyst.submit("/documents/templates/permit/preview", {"body": body})
    assert preview.mimetype == "application/pdf"
    assert pdf_text(preview.get_data()) == (
        "Atļauja Nr. PARAUGS-2026-00001\nJānis Bērziņš"
    )
    saved = analyst.submit("/documents/templates/permit", {"body": body})
    assert saved.status_code == 302
    page = analyst.get("/documents/templates/permit").get_data(as_text=True)
    assert "RIGA v1" in page and "Atļauja Nr." in page


def test_a_hostile_template_is_refused_in_latvian(
    as_role: Callable[..., WebClient],
) -> None:
    analyst = as_role(ANALYST)
    hostile = "{{ ''.__class__.__mro__ }}"
    preview = analyst.submit("/documents/templates/permit/preview", {"body": hostile})
    assert preview.status_code == 422
    assert "Veidne mēģina piekļūt neatļautam" in preview.get_data(as_text=True)
    saved = analyst.submit("/documents/templates/permit", {"body": hostile})
    assert saved.status_code == 422
    assert "Veidne mēģina piekļūt neatļautam" in saved.get_data(as_text=True)
    assert analyst.get("/documents/templates/nezinama").status_code == 404
