# SPDX-License-Identifier: EUPL-1.2
"""The DIV client: documents between institutions (SendDocument, ListIncoming,
GetDocument, Confirm) through zeep; failures come out as connector errors, as in
the DEPP client, with which it shares the envelope rules and the SOAP plumbing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from connectors.soapkit import (
    aware_datetime,
    required,
    soap_errors,
    zeep_service,
)
from connectors.systems.depp import contract as env
from forms.identifiers import is_registracijas_numurs

WSDL = Path(__file__).parent / "wsdl" / "div.wsdl"
BINDING = "{http://pkip.lv/wsdl/div/2026/1}DivSoap12"
SYSTEM = "DIV"


def check_registration_number(value: object, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not is_registracijas_numurs(text):
        raise env.EnvelopeError(field, "nederīgs reģistrācijas numurs")
    return text


def check_document_number(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 100:
        raise env.EnvelopeError("document_number", "1-100 zīmes")
    return text


@dataclass(frozen=True)
class DivSendResult:
    document_id: str
    sent_at: datetime
    duplicate: bool = False


@dataclass(frozen=True)
class DocumentSummary:
    document_id: str
    sender: str
    document_kind: str
    title: str
    sent_at: datetime


@dataclass(frozen=True)
class Document:
    document_id: str
    sender: str
    recipient: str
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[env.Attachment, ...]
    document_number: str | None = None
    in_reply_to: str | None = None


class DivClient:
    """One institution's view of DIV: what it sends, what it receives."""

    def __init__(
        self,
        *,
        address: str,
        session: requests.Session,
        institution: str,
        timeout: float = 10.0,
    ) -> None:
        """``institution``: the municipality's registration number."""
        self.institution = check_registration_number(institution, "institution")
        self._service = zeep_service(WSDL, BINDING, address, session, timeout)

    def send_document(
        self,
        *,
        recipient: str,
        document_kind: str,
        title: str,
        attachments: tuple[env.Attachment, ...] | list[env.Attachment],
        client_document_id: str,
        document_number: str | None = None,
        in_reply_to: str | None = None,
    ) -> DivSendResult:
        """Send once per ``client_document_id`` (the idempotency key)."""
        document = {
            "Sender": self.institution,
            "Recipient": check_registration_number(recipient, "recipient"),
            "ClientDocumentId": env.check_message_id(
                client_document_id, "client_document_id"
            ),
            "DocumentKind": env.check_document_kind(document_kind),
            "Title": env.check_title(title),
            "DocumentNumber": check_document_number(document_number),
            "InReplyTo": (
                None
                if in_reply_to is None
                else env.check_message_id(in_reply_to, "in_reply_to")
            ),
            "Attachments": {
                "Attachment": [
                    {"FileName": a.name, "MimeType": a.mime, "Content": a.content}
                    for a in env.check_attachments(tuple(attachments))
                ]
            },
        }
        where = f"{SYSTEM} SendDocument"
        with soap_errors(SYSTEM, "SendDocument"):
            reply = self._service.SendDocument(Document=document)
        return DivSendResult(
            document_id=str(required(reply.DocumentId, "DocumentId", where)),
            sent_at=aware_datetime(required(reply.SentAt, "SentAt", where), where),
            duplicate=bool(reply.Duplicate),
        )

    def list_incoming(self, max_results: int = 100) -> list[DocumentSummary]:
        where = f"{SYSTEM} ListIncoming"
        with soap_errors(SYSTEM, "ListIncoming"):
            reply = self._service.ListIncoming(
                Institution=self.institution, MaxResults=max_results
            )
        items = reply if isinstance(reply, list) else (reply or [])
        return [
            DocumentSummary(
                document_id=str(required(d.DocumentId, "DocumentId", where)),
                sender=str(required(d.Sender, "Sender", where)),
                document_kind=str(d.DocumentKind),
                title=str(d.Title),
                sent_at=aware_datetime(required(d.SentAt, "SentAt", where), where),
            )
            for d in items
        ]

    def get_document(self, document_id: str) -> Document:
        env.check_message_id(document_id, "document_id")
        where = f"{SYSTEM} GetDocument"
        with soap_errors(SYSTEM, "GetDocument"):
            reply = self._service.GetDocument(
                Institution=self.institution, DocumentId=document_id
            )
        d = required(reply, "Document", where)
        files = getattr(d.Attachments, "Attachment", None) or []
        return Document(
            document_id=str(required(d.DocumentId, "DocumentId", where)),
            sender=str(required(d.Sender, "Sender", where)),
            recipient=str(d.Recipient),
            document_kind=str(d.DocumentKind),
            title=str(d.Title),
            sent_at=aware_datetime(required(d.SentAt, "SentAt", where), where),
            attachments=tuple(
                env.Attachment(str(a.FileName), str(a.MimeType), bytes(a.Content))
                for a in files
            ),
            document_number=str(d.DocumentNumber) if d.DocumentNumber else None,
            in_reply_to=str(d.InReplyTo) if d.InReplyTo else None,
        )

    def confirm(self, document_id: str) -> datetime:
        env.check_message_id(document_id, "document_id")
        where = f"{SYSTEM} Confirm"
        with soap_errors(SYSTEM, "Confirm"):
            reply = self._service.Confirm(
                Institution=self.institution, DocumentId=document_id
            )
        return aware_datetime(required(reply, "ConfirmedAt", where), where)
