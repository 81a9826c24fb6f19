# SPDX-License-Identifier: EUPL-1.2
"""The DEPP simulator: the same SOAP 1.2 contract as the client speaks, in memory.

* SendMessage stores the message in each recipient's mailbox and deduplicates by
  (sender, ClientMessageId): ``received_total``, ``unique`` and ``duplicates`` count
  what arrived. A recipient without an active e-address is refused (Rejected).
* GetMessageList / GetMessage / ConfirmMessage serve an institution's inbox; with
  ``seed=True`` an institution's inbox starts with two demo messages (a resident's
  application with a PDF, a company's letter with an .edoc) the first time it is used.
* SearchAddresseeUnit answers deterministically from the identifier itself.
* ``faults`` injects timeouts, 5xx, SOAP faults and malformed replies.
* ``GET /`` is a Latvian page (connectors/systems/depp/pages.py): send a letter to
  an institution's e-address, the letters sent, and the residents' e-address
  mailboxes (what institutions sent to ``_PRIVATE@…``, personal codes masked), each
  file downloadable.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request

from connectors.soapkit import (
    SoapFault,
    SoapSimulator,
    decode_base64,
    xs_datetime,
)
from connectors.systems.depp import contract as env
from connectors.systems.depp import pages
from connectors.systems.depp.fixtures import demo_edoc, demo_pdf
from connectors.systems.depp.store import Mailboxes
from core.calendar import WorkingCalendar

NS = "http://pkip.lv/schemas/depp/2026/1"
SCHEMA = Path(__file__).parent / "wsdl" / "depp.xsd"
_IDS = uuid.UUID("5b0e2f52-7d0c-4d3a-9a52-0c1f3e6a9d11")

# Identifiers whose answer is fixed (the rest follow a rule on their digest).
ACTIVE = {"161175-19997", "40003521600", "90011524360"}
INACTIVE = {"328673-00679"}
RESIDENT = "161175-19997"
COMPANY = "40003521600"


@dataclass(frozen=True)
class StoredMessage:
    item_id: str
    sender: str
    recipients: tuple[str, ...]
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[env.Attachment, ...]
    in_reply_to: str | None = None


def has_active_eaddress(identifier: str) -> bool:
    """Deterministic: the fixtures above; every public institution (registration
    numbers starting with 9) has one; else three identifiers in four."""
    code = identifier.replace("-", "")
    if code in {c.replace("-", "") for c in ACTIVE}:
        return True
    if len(code) == 11 and code.startswith("9"):
        return True
    if code in {c.replace("-", "") for c in INACTIVE}:
        return False
    return hashlib.sha256(code.encode()).digest()[0] % 4 != 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeppSimulator(SoapSimulator):
    namespace = NS
    schema_path = SCHEMA
    # Ten attachments of 10 MiB as base64, and the envelope around them.
    max_request_bytes = env.MAX_ATTACHMENTS * (env.MAX_ATTACHMENT_BYTES * 4 // 3 + 8)
    max_request_bytes += 1024 * 1024

    def __init__(
        self,
        *,
        seed: bool = True,
        clock: Callable[[], datetime] = _utc_now,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.clock = clock
        self.calendar = calendar or WorkingCalendar()
        self.store: Mailboxes[StoredMessage] = Mailboxes()
        self._seeded: set[str] = set()
        self._seed_lock = threading.Lock()
        self.sent_here: set[str] = set()  # ids of letters sent from the page
        self._institutions: set[str] = set()
        for name in (
            "SendMessage",
            "GetMessageList",
            "GetMessage",
            "ConfirmMessage",
            "SearchAddresseeUnit",
        ):
            self.handle(name, getattr(self, f"_{name}"))

    # -- what tests read -------------------------------------------------------------
    @property
    def received_total(self) -> int:
        return self.store.received_total

    @property
    def unique(self) -> int:
        return self.store.unique

    @property
    def duplicates(self) -> int:
        return self.store.duplicates

    def mailbox(self, address: str) -> list[StoredMessage]:
        """Everything delivered to ``address`` (confirmed or not), oldest first."""
        return [m for m in self.store.items() if address in m.recipients]

    def institution_addresses(self) -> set[str]:
        """The institutions' e-addresses that have read their inbox here (the
        page offers them as addressees)."""
        return set(self._institutions)

    def reset(self) -> None:
        self.sent_here.clear()
        self._institutions.clear()
        self.store.reset()
        self.faults.clear()
        with self._seed_lock:
            self._seeded.clear()
        self.internal_errors.clear()

    def deliver(
        self,
        sender: str,
        recipient: str | tuple[str, ...],
        *,
        document_kind: str,
        title: str,
        attachments: tuple[env.Attachment, ...],
        in_reply_to: str | None = None,
        message_id: str | None = None,
    ) -> StoredMessage:
        """Put a message from the outside world into one or more mailboxes (tests,
        demo); several recipients share one message id, as in DEPP."""
        recipients = (recipient,) if isinstance(recipient, str) else recipient
        message = StoredMessage(
            item_id=message_id or str(uuid.uuid4()),
            sender=env.normalize_eaddress(sender, "sender"),
            recipients=tuple(env.normalize_eaddress(r) for r in recipients),
            document_kind=document_kind,
            title=title,
            sent_at=self._now(),
            attachments=attachments,
            in_reply_to=in_reply_to,
        )
        self.store.put(message)
        return message

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def _seed_inbox(self, address: str) -> None:
        if not self.seed or env.is_private(address):
            return
        with self._seed_lock:
            if address in self._seeded:
                return
            self._seeded.add(address)
        ids = [str(uuid.uuid5(_IDS, f"seed/{address}/{n}")) for n in (1, 2)]
        self.deliver(
            env.eaddress_for(RESIDENT),
            address,
            document_kind="Iesniegums",
            title="Iesniegums par koku ciršanu pagalmā",
            attachments=(
                env.Attachment("iesniegums.pdf", env.PDF, demo_pdf("Iesniegums")),
            ),
            message_id=ids[0],
        )
        self.deliver(
            env.eaddress_for(COMPANY),
            address,
            document_kind="Vēstule",
            title="Informācijas pieprasījums par ielu tirdzniecību",
            attachments=(env.Attachment("pieprasijums.edoc", env.ASICE, demo_edoc()),),
            message_id=ids[1],
        )

    # -- operations ------------------------------------------------------------------
    def _SendMessage(self, payload: Any) -> Any:
        e = payload.find(f"{{{NS}}}Envelope")
        message = _outgoing(e)
        try:
            message = message.checked()
        except env.EnvelopeError as exc:
            raise SoapFault("InvalidRequest", exc.reason, exc.field) from None
        for recipient in message.recipients:
            identifier = recipient.partition("@")[2]
            if not has_active_eaddress(identifier):
                raise SoapFault(
                    "Rejected", "adresātam nav aktīvas e-adreses", "Recipient"
                )
        stored, duplicate = self.store.accept(
            message.sender,
            message.client_message_id,
            message.fingerprint(),
            lambda: StoredMessage(
                item_id=str(
                    uuid.uuid5(_IDS, f"{message.sender}/{message.client_message_id}")
                ),
                sender=message.sender,
                recipients=message.recipients,
                document_kind=message.document_kind,
                title=message.title,
                sent_at=self._now(),
                attachments=message.attachments,
                in_reply_to=message.in_reply_to,
            ),
        )
        return self.element(
            "SendMessageResponse",
            self.element("MessageId", text=stored.item_id),
            self.element("SentAt", text=xs_datetime(stored.sent_at)),
            self.element("Duplicate", text="true" if duplicate else "false"),
        )

    def _GetMessageList(self, payload: Any) -> Any:
        address = self._recipient(payload)
        limit = int(payload.findtext(f"{{{NS}}}MaxResults") or 100)
        reply = self.element("GetMessageListResponse")
        for m in self.store.unconfirmed(address, limit):
            infos = self.element("Attachments")
            for a in m.attachments:
                infos.append(
                    self.element(
                        "Attachment",
                        self.element("FileName", text=a.name),
                        self.element("MimeType", text=a.mime),
                        self.element("Size", text=str(a.size)),
                    )
                )
            reply.append(
                self.element(
                    "Message",
                    self.element("MessageId", text=m.item_id),
                    self.element("SenderAddress", text=m.sender),
                    self.element("DocumentKind", text=m.document_kind),
                    self.element("Title", text=m.title),
                    self.element("SentAt", text=xs_datetime(m.sent_at)),
                    infos,
                )
            )
        return reply

    def _GetMessage(self, payload: Any) -> Any:
        address = self._recipient(payload)
        m = self.store.get(address, payload.findtext(f"{{{NS}}}MessageId"))
        recipients = self.element("Recipients")
        for r in m.recipients:
            recipients.append(self.element("Recipient", text=r))
        files = self.element("Attachments")
        for a in m.attachments:
            files.append(
                self.element(
                    "Attachment",
                    self.element("FileName", text=a.name),
                    self.element("MimeType", text=a.mime),
                    self.element("Content", text=_b64(a.content)),
                )
            )
        return self.element(
            "GetMessageResponse",
            self.element(
                "Message",
                self.element("MessageId", text=m.item_id),
                self.element("SenderAddress", text=m.sender),
                recipients,
                self.element("DocumentKind", text=m.document_kind),
                self.element("Title", text=m.title),
                self.element("InReplyTo", text=m.in_reply_to)
                if m.in_reply_to
                else None,
                self.element("SentAt", text=xs_datetime(m.sent_at)),
                files,
            ),
        )

    def _ConfirmMessage(self, payload: Any) -> Any:
        address = self._recipient(payload)
        at = self.store.confirm(
            address, payload.findtext(f"{{{NS}}}MessageId"), self._now()
        )
        return self.element(
            "ConfirmMessageResponse",
            self.element("ConfirmedAt", text=xs_datetime(at)),
        )

    def _SearchAddresseeUnit(self, payload: Any) -> Any:
        identifier = payload.findtext(f"{{{NS}}}Identifier")
        try:
            address = env.eaddress_for(identifier)
        except env.EnvelopeError as exc:
            raise SoapFault("InvalidRequest", exc.reason, "Identifier") from None
        active = has_active_eaddress(identifier)
        return self.element(
            "SearchAddresseeUnitResponse",
            self.element("Active", text="true" if active else "false"),
            self.element("EAddress", text=address) if active else None,
        )

    def _recipient(self, payload: Any) -> str:
        try:
            address = env.normalize_eaddress(
                payload.findtext(f"{{{NS}}}RecipientAddress"), "RecipientAddress"
            )
        except env.EnvelopeError as exc:
            raise SoapFault("InvalidRequest", exc.reason, exc.field) from None
        if not env.is_private(address):
            self._institutions.add(address)
        self._seed_inbox(address)
        return address

    # -- the pages -------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = pages.route(self, Request(environ))
        if response is None:  # the SOAP service
            return super().__call__(environ, start_response)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def send_letter(self, message: StoredMessage) -> None:
        """Note a letter sent from the page (listed apart from the demo data)."""
        self.sent_here.add(message.item_id)

    def page(self) -> str:
        return pages.page(self)


def _outgoing(e: Any) -> env.OutgoingMessage:
    def text(name: str) -> str:
        return e.findtext(f"{{{NS}}}{name}") or ""

    attachments = tuple(
        env.Attachment(
            name=a.findtext(f"{{{NS}}}FileName") or "",
            mime=a.findtext(f"{{{NS}}}MimeType") or "",
            content=decode_base64(a.findtext(f"{{{NS}}}Content") or ""),
        )
        for a in e.iterfind(f"{{{NS}}}Attachments/{{{NS}}}Attachment")
    )
    return env.OutgoingMessage(
        sender=text("SenderAddress"),
        recipients=tuple(
            r.text or "" for r in e.iterfind(f"{{{NS}}}Recipients/{{{NS}}}Recipient")
        ),
        document_kind=text("DocumentKind"),
        title=text("Title"),
        client_message_id=text("ClientMessageId"),
        attachments=attachments,
        in_reply_to=text("InReplyTo") or None,
    )


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


_default: DeppSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> DeppSimulator:
    """The process-wide simulator that clients use in the simulated mode and the web
    app mounts under /sim/depp/."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DeppSimulator()
        return _default
