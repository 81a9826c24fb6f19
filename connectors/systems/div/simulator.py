# SPDX-License-Identifier: EUPL-1.2
"""The DIV simulator: documents between institutions, in memory.

SendDocument deduplicates by (sender, ClientDocumentId) and counts
``received_total``, ``unique`` and ``duplicates``; a recipient not connected to DIV
is refused (Rejected). With ``seed=True`` an institution's incoming list starts with
one demo document from a state institution. ``faults`` injects failures as in DEPP;
``GET /`` lists what was exchanged (institutions only, no personal data).
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from connectors.soapkit import (
    SoapFault,
    SoapSimulator,
    decode_base64,
    xs_datetime,
)
from connectors.systems.depp import contract as env
from connectors.systems.depp.fixtures import demo_edoc
from connectors.systems.depp.store import Mailboxes
from core.calendar import RIGA
from forms.identifiers import is_registracijas_numurs

NS = "http://pkip.lv/schemas/div/2026/1"
SCHEMA = Path(__file__).parent / "wsdl" / "div.xsd"
_IDS = uuid.UUID("0f4f1c3e-3a57-4f7e-8b1e-6d2b8d7e0c42")
# A state institution that writes to every municipality in the demo.
DEMO_SENDER = "90000010008"
NOT_CONNECTED = {"40003521600"}  # a company: not a DIV participant


@dataclass(frozen=True)
class StoredDocument:
    item_id: str
    sender: str
    recipient: str
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[env.Attachment, ...]
    document_number: str | None = None
    in_reply_to: str | None = None

    @property
    def recipients(self) -> tuple[str, ...]:
        return (self.recipient,)


def is_participant(registration_number: str) -> bool:
    """Public institutions (9…) always; others by a rule on the number's digest."""
    if registration_number in NOT_CONNECTED:
        return False
    if registration_number.startswith("9"):
        return True
    return hashlib.sha256(registration_number.encode()).digest()[0] % 2 == 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DivSimulator(SoapSimulator):
    namespace = NS
    schema_path = SCHEMA
    max_request_bytes = env.MAX_ATTACHMENTS * (env.MAX_ATTACHMENT_BYTES * 4 // 3 + 8)
    max_request_bytes += 1024 * 1024

    def __init__(
        self, *, seed: bool = True, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        super().__init__()
        self.seed = seed
        self.clock = clock
        self.store: Mailboxes[StoredDocument] = Mailboxes()
        self._seeded: set[str] = set()
        self._seed_lock = threading.Lock()
        for name in ("SendDocument", "ListIncoming", "GetDocument", "Confirm"):
            self.handle(name, getattr(self, f"_{name}"))

    @property
    def received_total(self) -> int:
        return self.store.received_total

    @property
    def unique(self) -> int:
        return self.store.unique

    @property
    def duplicates(self) -> int:
        return self.store.duplicates

    def reset(self) -> None:
        self.store.reset()
        self.faults.clear()
        with self._seed_lock:
            self._seeded.clear()
        self.internal_errors.clear()

    def deliver(
        self,
        sender: str,
        recipient: str,
        *,
        document_kind: str,
        title: str,
        attachments: tuple[env.Attachment, ...],
        document_number: str | None = None,
        in_reply_to: str | None = None,
        document_id: str | None = None,
    ) -> StoredDocument:
        """Put a document from another institution into an incoming list."""
        document = StoredDocument(
            item_id=document_id or str(uuid.uuid4()),
            sender=sender,
            recipient=recipient,
            document_kind=document_kind,
            title=title,
            sent_at=self._now(),
            attachments=attachments,
            document_number=document_number,
            in_reply_to=in_reply_to,
        )
        self.store.put(document)
        return document

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def _seed_inbox(self, institution: str) -> None:
        if not self.seed:
            return
        with self._seed_lock:
            if institution in self._seeded:
                return
            self._seeded.add(institution)
        self.deliver(
            DEMO_SENDER,
            institution,
            document_kind="Vēstule",
            title="Par zemes vienību robežu precizēšanu",
            document_number="1-5/2026/118",
            attachments=(
                env.Attachment(
                    "vestule.edoc", env.ASICE, demo_edoc("vestule.pdf", "Vestule")
                ),
            ),
            document_id=str(uuid.uuid5(_IDS, f"seed/{institution}/1")),
        )

    # -- operations ------------------------------------------------------------------
    def _text(self, node: Any, name: str) -> str:
        return str(node.findtext(f"{{{NS}}}{name}") or "")

    def _SendDocument(self, payload: Any) -> Any:
        d = payload.find(f"{{{NS}}}Document")
        sender = self._institution(d, "Sender")
        recipient = self._text(d, "Recipient")
        if not is_registracijas_numurs(recipient):
            raise SoapFault("InvalidRequest", "nederīgs adresāts", "Recipient")
        if not is_participant(recipient):
            raise SoapFault("Rejected", "adresāts nav pievienots DIV", "Recipient")
        try:
            attachments = env.check_attachments(
                tuple(
                    env.Attachment(
                        self._text(a, "FileName"),
                        self._text(a, "MimeType"),
                        decode_base64(self._text(a, "Content")),
                    )
                    for a in d.iterfind(f"{{{NS}}}Attachments/{{{NS}}}Attachment")
                )
            )
            title = env.check_title(self._text(d, "Title"))
        except env.EnvelopeError as exc:
            raise SoapFault("InvalidRequest", exc.reason, exc.field) from None
        client_id = self._text(d, "ClientDocumentId")
        fields = (
            recipient,
            self._text(d, "DocumentKind"),
            title,
            self._text(d, "DocumentNumber"),
            self._text(d, "InReplyTo"),
            *(f"{a.name}|{a.mime}|{a.sha256}" for a in attachments),
        )
        fingerprint = hashlib.sha256("\x00".join(fields).encode()).hexdigest()
        stored, duplicate = self.store.accept(
            sender,
            client_id,
            fingerprint,
            lambda: StoredDocument(
                item_id=str(uuid.uuid5(_IDS, f"{sender}/{client_id}")),
                sender=sender,
                recipient=recipient,
                document_kind=fields[1],
                title=title,
                sent_at=self._now(),
                attachments=attachments,
                document_number=fields[3] or None,
                in_reply_to=fields[4] or None,
            ),
        )
        return self.element(
            "SendDocumentResponse",
            self.element("DocumentId", text=stored.item_id),
            self.element("SentAt", text=xs_datetime(stored.sent_at)),
            self.element("Duplicate", text="true" if duplicate else "false"),
        )

    def _ListIncoming(self, payload: Any) -> Any:
        institution = self._institution(payload, "Institution")
        limit = int(payload.findtext(f"{{{NS}}}MaxResults") or 100)
        reply = self.element("ListIncomingResponse")
        for d in self.store.unconfirmed(institution, limit):
            reply.append(
                self.element(
                    "Document",
                    self.element("DocumentId", text=d.item_id),
                    self.element("Sender", text=d.sender),
                    self.element("DocumentKind", text=d.document_kind),
                    self.element("Title", text=d.title),
                    self.element("SentAt", text=xs_datetime(d.sent_at)),
                )
            )
        return reply

    def _GetDocument(self, payload: Any) -> Any:
        institution = self._institution(payload, "Institution")
        d = self.store.get(institution, self._text(payload, "DocumentId"))
        files = self.element("Attachments")
        for a in d.attachments:
            files.append(
                self.element(
                    "Attachment",
                    self.element("FileName", text=a.name),
                    self.element("MimeType", text=a.mime),
                    self.element(
                        "Content", text=base64.b64encode(a.content).decode("ascii")
                    ),
                )
            )
        return self.element(
            "GetDocumentResponse",
            self.element(
                "Document",
                self.element("DocumentId", text=d.item_id),
                self.element("Sender", text=d.sender),
                self.element("Recipient", text=d.recipient),
                self.element("DocumentKind", text=d.document_kind),
                self.element("Title", text=d.title),
                self.element("DocumentNumber", text=d.document_number)
                if d.document_number
                else None,
                self.element("InReplyTo", text=d.in_reply_to)
                if d.in_reply_to
                else None,
                self.element("SentAt", text=xs_datetime(d.sent_at)),
                files,
            ),
        )

    def _Confirm(self, payload: Any) -> Any:
        institution = self._institution(payload, "Institution")
        at = self.store.confirm(
            institution, self._text(payload, "DocumentId"), self._now()
        )
        return self.element(
            "ConfirmResponse", self.element("ConfirmedAt", text=xs_datetime(at))
        )

    def _institution(self, node: Any, name: str) -> str:
        number = self._text(node, name)
        if not is_registracijas_numurs(number):
            raise SoapFault("InvalidRequest", "nederīgs reģistrācijas numurs", name)
        if name != "Sender":
            self._seed_inbox(number)
        return number

    # -- the page --------------------------------------------------------------------
    def page(self) -> str:
        documents = sorted(self.store.items(), key=lambda d: d.sent_at, reverse=True)
        rows = []
        for d in documents:
            confirmed = self.store.confirmed_by(d.item_id).get(d.recipient)
            rows.append(
                "<tr>"
                f"<td>{escape(d.sender)}</td><td>{escape(d.recipient)}</td>"
                f"<td>{escape(d.document_kind)}</td><td>{escape(d.title)}</td>"
                f"<td>{escape(d.document_number or '')}</td>"
                f"<td>{d.sent_at.astimezone(RIGA):%d.%m.%Y %H:%M}</td>"
                f"<td>{'jā' if confirmed else 'nē'}</td>"
                "</tr>"
            )
        table = (
            "<table><thead><tr><th>Sūtītājs</th><th>Adresāts</th>"
            "<th>Dokumenta veids</th><th>Nosaukums</th><th>Numurs</th>"
            "<th>Nosūtīts</th><th>Apstiprināts</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else "<p>Vēl nav neviena dokumenta.</p>"
        )
        return (
            '<!doctype html><html lang="lv"><head><meta charset="utf-8">'
            "<title>DIV — simulators</title>"
            "<style>body{font-family:sans-serif;margin:2em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:.3em .6em;text-align:left}</style></head><body>"
            "<h1>Dokumentu apmaiņa starp iestādēm (DIV)</h1>"
            f"<p>Saņemti sūtījumi: {self.received_total}; unikāli: {self.unique};"
            f" atkārtoti (dublikāti): {self.duplicates}.</p>"
            f"{table}</body></html>"
        )


_default: DivSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> DivSimulator:
    """The process-wide DIV simulator (mounted by the web app under /sim/div/)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DivSimulator()
        return _default
