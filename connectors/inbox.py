# SPDX-License-Identifier: EUPL-1.2
"""What a channel that delivers documents to the municipality offers the polling job.

Each such system has an ``inbox.py`` in its folder (``systems/depp/inbox.py``,
``systems/div/inbox.py``) with an adapter that fits :class:`Inbox`; the job
(``tasks.edelivery``) stores what it fetches, hands it to the engine and confirms it,
knowing nothing of the system behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connectors.config import LIVE, ConnectorConfigError, system_config


class IncomingFile(Protocol):
    """A file of an incoming message, whichever system's type carries it."""

    @property
    def name(self) -> str: ...

    @property
    def mime(self) -> str: ...

    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class Incoming:
    """A received message or document, the same shape from either channel."""

    message_id: str
    sender: str
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[IncomingFile, ...]
    in_reply_to: str | None = None
    document_number: str | None = None


@dataclass(frozen=True)
class InboxOperations:
    """The names a channel's calls have in the audit."""

    list: str
    fetch: str
    confirm: str


def system_mode(system: str, municipality: str | None = None) -> str:
    """``simulated`` or ``live``, as the audit records it; a misconfigured system
    counts as live (its calls fail with the setting at fault)."""
    try:
        return system_config(system, municipality).mode
    except ConnectorConfigError:
        return LIVE


class Inbox(Protocol):
    """One municipality's incoming list on one channel."""

    channel: str
    message_name: str
    correlation_key: str
    system: str
    mode: str
    operations: InboxOperations

    def list_ids(self, limit: int) -> list[str]: ...

    def fetch(self, message_id: str) -> Incoming: ...

    def confirm(self, message_id: str) -> None: ...
