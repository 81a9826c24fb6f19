# SPDX-License-Identifier: EUPL-1.2
"""A simulator's in-memory mailboxes, thread-safe, deduplicating by idempotency key.

Shared by the DEPP and DIV simulators. A send is identified by its sender and the
sender's own id (the idempotency key): a repeat returns the first acceptance and is
counted as a duplicate, so a test can prove that a retried delivery reached the
receiver once. Each recipient has a mailbox of items it has not confirmed yet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from connectors.soapkit import SoapFault


class Stored(Protocol):
    @property
    def item_id(self) -> str: ...

    @property
    def recipients(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=Stored)


@dataclass
class _Entry(Generic[T]):
    item: T
    fingerprint: str
    confirmed: dict[str, datetime] = field(default_factory=dict)


class Mailboxes(Generic[T]):
    """Items by id, mailboxes by address, and the counters tests read."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._entries: dict[str, _Entry[T]] = {}
            self._by_key: dict[tuple[str, str], str] = {}
            self._mailboxes: dict[str, list[str]] = {}
            self.received_total = 0
            self.unique = 0
            self.duplicates = 0

    def accept(
        self,
        sender: str,
        client_id: str,
        fingerprint: str,
        make: Callable[[], T],
    ) -> tuple[T, bool]:
        """Store a new item made by ``make``, or return the one already accepted
        under (sender, client_id); the bool says whether this was a repeat."""
        with self._lock:
            self.received_total += 1
            known = self._by_key.get((sender, client_id))
            if known is not None:
                entry = self._entries[known]
                if entry.fingerprint != fingerprint:
                    raise SoapFault(
                        "Rejected",
                        "šis klienta ziņojuma identifikators jau izmantots citam"
                        " saturam",
                        field="ClientMessageId",
                    )
                self.duplicates += 1
                return entry.item, True
            item = make()
            self._entries[item.item_id] = _Entry(item, fingerprint)
            self._by_key[(sender, client_id)] = item.item_id
            for address in item.recipients:
                self._mailboxes.setdefault(address, []).append(item.item_id)
            self.unique += 1
            return item, False

    def put(self, item: T) -> None:
        """Deliver an item that came from elsewhere (demo seeds); not counted."""
        with self._lock:
            if item.item_id in self._entries:
                return
            self._entries[item.item_id] = _Entry(item, "")
            for address in item.recipients:
                self._mailboxes.setdefault(address, []).append(item.item_id)

    def has_mailbox(self, address: str) -> bool:
        with self._lock:
            return address in self._mailboxes

    def unconfirmed(self, address: str, limit: int) -> list[T]:
        with self._lock:
            ids = self._mailboxes.get(address, [])
            found = [
                self._entries[i].item
                for i in ids
                if address not in self._entries[i].confirmed
            ]
            return found[:limit]

    def get(self, address: str, item_id: str) -> T:
        with self._lock:
            entry = self._entries.get(item_id)
            if entry is None or address not in entry.item.recipients:
                raise SoapFault("NotFound", "ziņojums nav atrasts", field="MessageId")
            return entry.item

    def confirm(self, address: str, item_id: str, now: datetime) -> datetime:
        with self._lock:
            self.get(address, item_id)
            return self._entries[item_id].confirmed.setdefault(address, now)

    def items(self) -> list[T]:
        with self._lock:
            return [e.item for e in self._entries.values()]

    def confirmed_by(self, item_id: str) -> dict[str, datetime]:
        with self._lock:
            entry = self._entries.get(item_id)
            return {} if entry is None else dict(entry.confirmed)
