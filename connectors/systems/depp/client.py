# SPDX-License-Identifier: EUPL-1.2
"""The DEPP client: the e-address unified service interface through zeep.

One client per municipality (its own e-address is the sender of what it sends and
the mailbox it reads). Every failure comes out as a connector error: InvalidRequest
before anything is sent when the envelope breaks the contract; NotFound, Rejected,
InvalidRequest from the service's Sender faults; Unavailable for timeouts, connection
failures, 5xx, Receiver faults and replies that do not fit the contract.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import requests

from connectors.errors import Unavailable
from connectors.soapkit import (
    aware_datetime,
    required,
    soap_errors,
    zeep_service,
)
from connectors.systems.depp import contract as env
from core.calendar import WorkingCalendar

WSDL = Path(__file__).parent / "wsdl" / "depp.wsdl"
BINDING = "{http://pkip.lv/wsdl/depp/2026/1}UnifiedServiceSoap12"
SYSTEM = "DEPP"


class DeppClient:
    """SendMessage, GetMessageList, GetMessage, ConfirmMessage, SearchAddresseeUnit."""

    def __init__(
        self,
        *,
        address: str,
        session: requests.Session,
        own_address: str,
        timeout: float = 10.0,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        """``address``: the service endpoint; ``own_address``: the municipality's
        e-address (``_DEFAULT@<registration number>``)."""
        self.own_address = env.normalize_eaddress(own_address, "own_address")
        self.calendar = calendar or WorkingCalendar()
        self._service = zeep_service(WSDL, BINDING, address, session, timeout)

    def send_message(
        self,
        *,
        recipients: tuple[str, ...] | list[str],
        document_kind: str,
        title: str,
        attachments: tuple[env.Attachment, ...] | list[env.Attachment],
        client_message_id: str,
        in_reply_to: str | None = None,
    ) -> env.SendResult:
        """Send from the municipality's e-address, once per ``client_message_id``
        (the idempotency key): a repeat returns the first send's id and time."""
        message = env.OutgoingMessage(
            sender=self.own_address,
            recipients=tuple(recipients),
            document_kind=document_kind,
            title=title,
            client_message_id=client_message_id,
            attachments=tuple(attachments),
            in_reply_to=in_reply_to,
        ).checked()
        where = f"{SYSTEM} SendMessage"
        with soap_errors(SYSTEM, "SendMessage"):
            reply = self._service.SendMessage(
                Envelope={
                    "SenderAddress": message.sender,
                    "Recipients": {"Recipient": list(message.recipients)},
                    "DocumentKind": message.document_kind,
                    "Title": message.title,
                    "ClientMessageId": message.client_message_id,
                    "InReplyTo": message.in_reply_to,
                    "Attachments": {
                        "Attachment": [
                            {
                                "FileName": a.name,
                                "MimeType": a.mime,
                                "Content": a.content,
                            }
                            for a in message.attachments
                        ]
                    },
                }
            )
        sent_at = aware_datetime(required(reply.SentAt, "SentAt", where), where)
        return env.SendResult(
            message_id=str(required(reply.MessageId, "MessageId", where)),
            sent_at=sent_at,
            delivered_on=env.delivered_on(sent_at, self.calendar),
            duplicate=bool(reply.Duplicate),
        )

    def get_message_list(self, max_results: int = 100) -> list[env.MessageSummary]:
        """The municipality's messages not yet confirmed, oldest first."""
        where = f"{SYSTEM} GetMessageList"
        with soap_errors(SYSTEM, "GetMessageList"):
            reply = self._service.GetMessageList(
                RecipientAddress=self.own_address, MaxResults=max_results
            )
        items = reply if isinstance(reply, list) else (reply or [])
        summaries = []
        for m in items:
            attachments = getattr(m.Attachments, "Attachment", None) or []
            summaries.append(
                env.MessageSummary(
                    message_id=str(required(m.MessageId, "MessageId", where)),
                    sender=str(required(m.SenderAddress, "SenderAddress", where)),
                    document_kind=str(m.DocumentKind),
                    title=str(m.Title),
                    sent_at=aware_datetime(required(m.SentAt, "SentAt", where), where),
                    attachments=tuple(
                        env.AttachmentInfo(
                            str(a.FileName), str(a.MimeType), int(a.Size)
                        )
                        for a in attachments
                    ),
                )
            )
        return summaries

    def get_message(self, message_id: str) -> env.Message:
        """One message of the municipality's inbox, attachments included."""
        env.check_message_id(message_id, "message_id")
        where = f"{SYSTEM} GetMessage"
        with soap_errors(SYSTEM, "GetMessage"):
            reply = self._service.GetMessage(
                RecipientAddress=self.own_address, MessageId=message_id
            )
        m = required(reply, "Message", where)
        recipients = getattr(m.Recipients, "Recipient", None) or []
        attachments = getattr(m.Attachments, "Attachment", None) or []
        return env.Message(
            message_id=str(required(m.MessageId, "MessageId", where)),
            sender=str(required(m.SenderAddress, "SenderAddress", where)),
            recipients=tuple(str(r) for r in recipients),
            document_kind=str(m.DocumentKind),
            title=str(m.Title),
            sent_at=aware_datetime(required(m.SentAt, "SentAt", where), where),
            attachments=tuple(
                env.Attachment(str(a.FileName), str(a.MimeType), bytes(a.Content))
                for a in attachments
            ),
            in_reply_to=str(m.InReplyTo) if m.InReplyTo else None,
        )

    def confirm_message(self, message_id: str) -> datetime:
        """Tell DEPP the message is stored here; it leaves the list. Idempotent."""
        env.check_message_id(message_id, "message_id")
        where = f"{SYSTEM} ConfirmMessage"
        with soap_errors(SYSTEM, "ConfirmMessage"):
            reply = self._service.ConfirmMessage(
                RecipientAddress=self.own_address, MessageId=message_id
            )
        return aware_datetime(required(reply, "ConfirmedAt", where), where)

    def search_addressee(self, identifier: str) -> env.Addressee:
        """Whether a registration number or personal code has an active e-address."""
        env.eaddress_for(identifier)  # refuses anything else before calling
        where = f"{SYSTEM} SearchAddresseeUnit"
        with soap_errors(SYSTEM, "SearchAddresseeUnit"):
            reply = self._service.SearchAddresseeUnit(Identifier=identifier.strip())
        active = bool(required(reply.Active, "Active", where))
        address = str(reply.EAddress) if reply.EAddress else None
        if active and address is None:
            raise Unavailable(f"{where}: malformed reply (no EAddress)")
        return env.Addressee(active=active, eaddress=address)
