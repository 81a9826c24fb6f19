# SPDX-License-Identifier: EUPL-1.2
"""A case's issued documents: the list, one document's metadata with its
deliveries, and the PDF itself — through ``domain.documents.services``, the
services the case page and the document download use too."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts.models import MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR
from domain.documents import services as documents
from domain.documents.models import Delivery, Document
from webapp import transaction
from webapp.api.common import ERROR, access, engine_errors, not_found
from webapp.api.record_schemas import (
    DOCUMENT_DETAIL_EXAMPLE,
    DOCUMENT_EXAMPLE,
    NOT_DELIVERED,
    IssuedDocumentDetailSchema,
    IssuedDocumentListSchema,
)
from webapp.auth import current_municipality
from webapp.support import download

PATH = "cases"
TAG = "Documents"
ROLES = (SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN)
_NOT_FOUND = "No such case in the municipality, or no such document of the case."

blp = Blueprint(
    "api_documents",
    __name__,
    description="The documents issued in a service case (decisions, permits, "
    "refusals, notices): registration number, delivery to the client, the PDF.",
)


def _row(document: Document, deliveries: list[Delivery]) -> dict[str, Any]:
    newest = deliveries[-1] if deliveries else None
    return {
        "id": document.id,
        "registration_number": document.registration_number,
        "document_type": document.document_type,
        "title": document.title,
        "registered_at": document.created_at,
        "delivery_status": newest.state if newest else NOT_DELIVERED,
        "delivery_channel": newest.channel if newest else None,
    }


def _case_documents(
    db: Session, case_number: str
) -> list[tuple[Document, list[Delivery]]]:
    """The documents of the municipality's case (404 for another's case)."""
    with engine_errors():
        case = cases.get_case(db, case_number, current_municipality())
    return documents.case_documents(db, case.municipality, case.number)


def _document(db: Session, case_number: str, document_id: int) -> Document:
    """The case's document: 404 for another case's, another municipality's or none."""
    with engine_errors():
        case = cases.get_case(db, case_number, current_municipality())
        document = documents.get_document(db, case.municipality, document_id)
    if document.case_number != case.number:
        not_found()
    return document


@blp.route("/<case_number>/documents", tags=[TAG])
class CaseDocuments(MethodView):
    @access("cases:read", *ROLES)
    @blp.response(
        200,
        IssuedDocumentListSchema,
        example={"case_number": "RIGA-2026-000042", "items": [DOCUMENT_EXAMPLE]},
    )
    @blp.alt_response(404, schema=ERROR, description="No such case.")
    def get(self, case_number: str) -> Any:
        """The case's issued documents, oldest first, each with the state of its
        newest delivery."""
        with transaction() as db:
            rows = _case_documents(db, case_number)
            return {
                "case_number": case_number,
                "items": [_row(doc, deliveries) for doc, deliveries in rows],
            }


@blp.route("/<case_number>/documents/<int:document_id>", tags=[TAG])
class CaseDocument(MethodView):
    @access("cases:read", *ROLES)
    @blp.response(200, IssuedDocumentDetailSchema, example=DOCUMENT_DETAIL_EXAMPLE)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    def get(self, case_number: str, document_id: int) -> Any:
        """One document's metadata (number, checksum, size) and every delivery."""
        with transaction() as db:
            document = _document(db, case_number, document_id)
            deliveries = documents.document_deliveries(db, [document.id])[document.id]
            row = _row(document, deliveries)
            row.update(
                case_number=document.case_number,
                register=document.register,
                filename=document.filename,
                mime=document.mime,
                size=document.size,
                sha256=document.sha256,
                pdf_url=url_for(
                    "api_documents.CaseDocumentPdf",
                    case_number=case_number,
                    document_id=document.id,
                ),
                deliveries=deliveries,
            )
            return row


_PDF = {
    "description": "The PDF as issued (its SHA-256 is the metadata's sha256).",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    "headers": {
        "Content-Disposition": {
            "description": "attachment with the document's file name.",
            "schema": {"type": "string"},
        }
    },
}


@blp.route("/<case_number>/documents/<int:document_id>/pdf", tags=[TAG])
class CaseDocumentPdf(MethodView):
    @access("cases:read", *ROLES)
    @blp.doc(responses={200: _PDF})
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    def get(self, case_number: str, document_id: int) -> Any:
        """The document's PDF (application/pdf, as an attachment)."""
        with transaction() as db:
            document = _document(db, case_number, document_id)
            content, name = document.content, document.filename
        return download(content, name, "application/pdf")
