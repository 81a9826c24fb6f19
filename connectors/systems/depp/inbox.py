# SPDX-License-Identifier: EUPL-1.2
"""The e-address inbox as the polling job sees it (:class:`connectors.inbox.Inbox`)."""

from __future__ import annotations

from connectors.inbox import InboxOperations, Incoming, system_mode
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.operators import SYSTEM as DEPP

# The BPMN message a received e-address message is correlated as.
DEPP_MESSAGE = "edelivery_received"


class DeppInbox:
    channel = "depp"
    message_name = DEPP_MESSAGE
    correlation_key = "depp_message_id"
    system = DEPP
    operations = InboxOperations(
        "depp.get_message_list", "depp.get_message", "depp.confirm_message"
    )

    def __init__(self, client: DeppClient, mode: str | None = None) -> None:
        self.client = client
        self.mode = mode or system_mode(self.system)

    def list_ids(self, limit: int) -> list[str]:
        return [m.message_id for m in self.client.get_message_list(limit)]

    def fetch(self, message_id: str) -> Incoming:
        m = self.client.get_message(message_id)
        return Incoming(
            m.message_id,
            m.sender,
            m.document_kind,
            m.title,
            m.sent_at,
            m.attachments,
            in_reply_to=m.in_reply_to,
        )

    def confirm(self, message_id: str) -> None:
        self.client.confirm_message(message_id)
