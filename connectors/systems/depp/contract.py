# SPDX-License-Identifier: EUPL-1.2
"""The e-address message envelope: addresses, attachments and their rules (the
contract in code, beside ``wsdl/`` and ``CONTRACT.md``; DIV carries it too).

The same checks run in the client (before anything is sent) and in the simulator
(which must refuse what a careless client would send), so both raise
:class:`EnvelopeError`, an ``InvalidRequest`` that names the field at fault.

E-addresses: ``_DEFAULT@<registration number>`` for institutions and companies,
``_PRIVATE@<personal code>`` for persons. The personal code is written as its 11
digits without the dash, one canonical form so that an address compares equal to
itself; both identifiers are checked by ``forms.identifiers``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from connectors.errors import InvalidRequest
from core.calendar import RIGA, WorkingCalendar
from forms.identifiers import (
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
)

DEFAULT: Final = "_DEFAULT@"
PRIVATE: Final = "_PRIVATE@"
PDF: Final = "application/pdf"
ASICE: Final = "application/vnd.etsi.asic-e+zip"
# MIME type -> file name endings it may carry (.edoc is Latvia's name for ASiC-E).
ALLOWED_TYPES: Final = {PDF: (".pdf",), ASICE: (".edoc", ".asice", ".sce")}
MAX_ATTACHMENT_BYTES: Final = 10 * 1024 * 1024
MAX_ATTACHMENTS: Final = 10
MAX_RECIPIENTS: Final = 100
MAX_TITLE: Final = 500
DOCUMENT_KINDS: Final = (
    "Iesniegums",
    "Lēmums",
    "Atbilde",
    "Paziņojums",
    "Vēstule",
    "Rīkojums",
    "Līgums",
    "Rēķins",
    "Cits",
)
# A document counts as delivered on the second working day after it was sent.
DELIVERY_WORKING_DAYS: Final = 2

_ID_RE: Final = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_BAD_NAME_RE: Final = re.compile(r"[\x00-\x1f\x7f/\\]")


class EnvelopeError(InvalidRequest):
    """An envelope field breaks the contract; the message names no personal data."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


# -- addresses -----------------------------------------------------------------------


def normalize_eaddress(value: object, field: str = "recipient") -> str:
    """The canonical e-address, or EnvelopeError for anything else."""
    text = value.strip() if isinstance(value, str) else ""
    if text.upper().startswith(DEFAULT):
        number = text[len(DEFAULT) :]
        if is_registracijas_numurs(number):
            return DEFAULT + number
        raise EnvelopeError(field, "nederīgs reģistrācijas numurs e-adresē")
    if text.upper().startswith(PRIVATE):
        code = text[len(PRIVATE) :]
        if is_personas_kods(code):
            return PRIVATE + normalize_personas_kods(code).replace("-", "")
        raise EnvelopeError(field, "nederīgs personas kods e-adresē")
    raise EnvelopeError(field, "e-adresei jābūt _DEFAULT@… vai _PRIVATE@…")


def eaddress_for(identifier: str) -> str:
    """The e-address of a registration number or a personal code."""
    text = identifier.strip() if isinstance(identifier, str) else ""
    if is_registracijas_numurs(text):
        return DEFAULT + text
    if is_personas_kods(text):
        return PRIVATE + normalize_personas_kods(text).replace("-", "")
    raise EnvelopeError("identifier", "nav ne reģistrācijas numurs, ne personas kods")


def is_private(address: str) -> bool:
    return address.startswith(PRIVATE)


def mask_eaddress(address: str) -> str:
    """``_PRIVATE@16****-****7``: enough to tell two people apart on a demo page."""
    prefix, _, code = address.partition("@")
    if not is_private(address) or len(code) != 11:
        return address
    return f"{prefix}@{code[:2]}****-****{code[-1]}"


def check_message_id(value: object, field: str = "client_message_id") -> str:
    text = value if isinstance(value, str) else ""
    if not _ID_RE.fullmatch(text):
        raise EnvelopeError(field, "1-128 burti, cipari vai . _ : -")
    return text


# -- attachments ---------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """One file of a message: a PDF or an ASiC-E container (.edoc)."""

    name: str
    mime: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @classmethod
    def from_base64(cls, name: str, mime: str, content_base64: object) -> Attachment:
        if not isinstance(content_base64, str):
            raise EnvelopeError("attachments", "content_base64 jābūt tekstam")
        # Refuse before decoding what would be over the limit anyway.
        if len(content_base64) > (MAX_ATTACHMENT_BYTES + 2) // 3 * 4 + 4:
            raise EnvelopeError("attachments", "pielikums ir lielāks par 10 MiB")
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeError("attachments", "content_base64 nav base64") from exc
        return cls(name=name, mime=mime, content=content).checked()

    def checked(self) -> Attachment:
        """This attachment, or EnvelopeError naming what is wrong with it."""
        name = self.name.strip() if isinstance(self.name, str) else ""
        if not name or len(name) > 255 or _BAD_NAME_RE.search(name):
            raise EnvelopeError("attachments", "nederīgs faila nosaukums")
        if name.startswith("."):
            raise EnvelopeError("attachments", "nederīgs faila nosaukums")
        endings = ALLOWED_TYPES.get(self.mime)
        if endings is None:
            raise EnvelopeError(
                "attachments", "atļauti tikai PDF un ASiC-E (.edoc) dokumenti"
            )
        if not name.lower().endswith(endings):
            raise EnvelopeError(
                "attachments", f"faila paplašinājums neatbilst tipam {self.mime}"
            )
        if not isinstance(self.content, bytes) or not self.content:
            raise EnvelopeError("attachments", "tukšs pielikums")
        if self.size > MAX_ATTACHMENT_BYTES:
            raise EnvelopeError("attachments", "pielikums ir lielāks par 10 MiB")
        if not _content_matches(self.mime, self.content):
            raise EnvelopeError("attachments", "saturs neatbilst faila tipam")
        return self if name == self.name else Attachment(name, self.mime, self.content)


def _content_matches(mime: str, content: bytes) -> bool:
    if mime == PDF:
        return content.startswith(b"%PDF-")
    # ASiC-E (ETSI EN 319 162): a ZIP whose first entry is "mimetype", stored
    # uncompressed, holding the MIME type itself.
    if not content.startswith(b"PK\x03\x04") or len(content) < 30:
        return False
    method = int.from_bytes(content[8:10], "little")
    name_len = int.from_bytes(content[26:28], "little")
    extra_len = int.from_bytes(content[28:30], "little")
    start = 30 + name_len + extra_len
    return (
        method == 0
        and content[30 : 30 + name_len] == b"mimetype"
        and content[start : start + len(ASICE)] == ASICE.encode()
    )


def check_attachments(attachments: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    if not attachments:
        raise EnvelopeError("attachments", "vajadzīgs vismaz viens dokuments")
    if len(attachments) > MAX_ATTACHMENTS:
        raise EnvelopeError("attachments", f"ne vairāk kā {MAX_ATTACHMENTS} pielikumi")
    return tuple(a.checked() for a in attachments)


# -- messages ------------------------------------------------------------------------


def check_document_kind(value: object) -> str:
    if value not in DOCUMENT_KINDS:
        raise EnvelopeError("document_kind", "nezināms dokumenta veids")
    return str(value)


def check_title(value: object) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not title or len(title) > MAX_TITLE:
        raise EnvelopeError("title", f"nosaukumam jābūt 1-{MAX_TITLE} zīmēm")
    return title


@dataclass(frozen=True)
class OutgoingMessage:
    """What a sender hands to DEPP; ``client_message_id`` is the idempotency key."""

    sender: str
    recipients: tuple[str, ...]
    document_kind: str
    title: str
    client_message_id: str
    attachments: tuple[Attachment, ...]
    in_reply_to: str | None = None

    def checked(self) -> OutgoingMessage:
        """The message with canonical addresses, or EnvelopeError."""
        recipients = tuple(
            dict.fromkeys(normalize_eaddress(r) for r in self.recipients)
        )
        if not recipients:
            raise EnvelopeError("recipients", "vajadzīgs vismaz viens adresāts")
        if len(recipients) > MAX_RECIPIENTS:
            raise EnvelopeError("recipients", f"ne vairāk kā {MAX_RECIPIENTS} adresāti")
        return OutgoingMessage(
            sender=normalize_eaddress(self.sender, "sender"),
            recipients=recipients,
            document_kind=check_document_kind(self.document_kind),
            title=check_title(self.title),
            client_message_id=check_message_id(self.client_message_id),
            attachments=check_attachments(tuple(self.attachments)),
            in_reply_to=(
                None
                if self.in_reply_to is None
                else check_message_id(self.in_reply_to, "in_reply_to")
            ),
        )

    def fingerprint(self) -> str:
        """Identifies the content, so a reused idempotency key with other content
        is told apart from a true repeat."""
        digest = hashlib.sha256()
        for part in (
            self.sender,
            *self.recipients,
            self.document_kind,
            self.title,
            self.in_reply_to or "",
            *(f"{a.name}|{a.mime}|{a.sha256}" for a in self.attachments),
        ):
            digest.update(part.encode("utf-8") + b"\x00")
        return digest.hexdigest()


@dataclass(frozen=True)
class SendResult:
    message_id: str
    sent_at: datetime
    delivered_on: date
    duplicate: bool = False


@dataclass(frozen=True)
class AttachmentInfo:
    name: str
    mime: str
    size: int


@dataclass(frozen=True)
class MessageSummary:
    """A line of the inbox list."""

    message_id: str
    sender: str
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True)
class Message:
    """A received message, attachments included."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    document_kind: str
    title: str
    sent_at: datetime
    attachments: tuple[Attachment, ...]
    in_reply_to: str | None = None


@dataclass(frozen=True)
class Addressee:
    """The answer of SearchAddresseeUnit."""

    active: bool
    eaddress: str | None


def delivered_on(sent_at: datetime, calendar: WorkingCalendar) -> date:
    """The day a document sent at ``sent_at`` counts as delivered: the second
    working day after the (Riga) day it was sent."""
    return calendar.add_working_days(
        sent_at.astimezone(RIGA).date(), DELIVERY_WORKING_DAYS
    )
