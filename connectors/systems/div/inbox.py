# SPDX-License-Identifier: EUPL-1.2
"""The DIV incoming list as the polling job sees it (``connectors.inbox.Inbox``)."""

from __future__ import annotations

from connectors.inbox import InboxOperations, Incoming, system_mode
from connectors.systems.div.client import DivClient
from connectors.systems.div.operators import SYSTEM as DIV

# The BPMN message a document received over DIV is correlated as.
DIV_MESSAGE = "div_received"


class DivInbox:
    channel = "div"
    message_name = DIV_MESSAGE
    correlation_key = "div_document_id"
    system = DIV
    operations = InboxOperations("div.list_incoming", "div.get_document", "div.confirm")

    def __init__(self, client: DivClient, mode: str | None = None) -> None:
        self.client = client
        self.mode = mode or system_mode(self.system)

    def list_ids(self, limit: int) -> list[str]:
        return [d.document_id for d in self.client.list_incoming(limit)]

    def fetch(self, message_id: str) -> Incoming:
        d = self.client.get_document(message_id)
        return Incoming(
            d.document_id,
            d.sender,
            d.document_kind,
            d.title,
            d.sent_at,
            d.attachments,
            in_reply_to=d.in_reply_to,
            document_number=d.document_number,
        )

    def confirm(self, message_id: str) -> None:
        self.client.confirm(message_id)
