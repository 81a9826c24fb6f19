# SPDX-License-Identifier: EUPL-1.2
"""The SOAP kit every SOAP connector shares (DEPP, DIV, DVS, VISS): both sides of
the wire, as ``restkit`` is for REST and ``simkit`` for every simulator.

Client side: a zeep service bound to a WSDL in the repository and to a requests
session (the simulator in-process, or the live endpoint), and :func:`soap_errors`,
which turns everything that can go wrong on the wire into the four connector errors.

Simulator side: :class:`SoapServer`, the one base of the SOAP simulators — reads a
request safely (a size limit; defusedxml refuses any DTD or entity before lxml sees
the bytes), validates against the contract's XSD, writes SOAP 1.1 or 1.2 envelopes
and faults, and keeps the fault plan (``simkit.FaultPlan``, the one every simulator
uses). :class:`SoapSimulator` is its SOAP 1.2 WSGI app for the DEPP and DIV
contracts: dispatch by the payload element's name, ``ServiceFault`` details.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as safe_etree
import requests
import zeep
import zeep.exceptions as zx
from lxml import etree
from werkzeug.wrappers import Request, Response

from connectors.errors import (
    ConnectorError,
    InvalidRequest,
    NotFound,
    Rejected,
    Unavailable,
)
from connectors.simkit import Fault, FaultPlan

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP11_CONTENT_TYPE = "text/xml; charset=utf-8"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# The codes of a fault's Detail and Subcode, and the error each becomes in the client.
FAULT_ERRORS: dict[str, type[ConnectorError]] = {
    "InvalidRequest": InvalidRequest,
    "NotFound": NotFound,
    "Rejected": Rejected,
    "Unavailable": Unavailable,
}

_IDENTIFIER_RE = re.compile(r"(?<![0-9])([0-9]{2})[0-9]{4}-?[0-9]{4}([0-9])(?![0-9])")


def mask_identifiers(text: str) -> str:
    """Mask every personal code / registration number in ``text`` (``16****-****7``).

    Messages of errors and log lines go through this: a fault reason from an outside
    system may quote the code it refused.
    """
    return _IDENTIFIER_RE.sub(r"\1****-****\2", text)


# -- client side ---------------------------------------------------------------------


def zeep_service(
    wsdl: Path,
    binding: str,
    address: str,
    session: requests.Session,
    timeout: float,
) -> Any:
    """A zeep service proxy for ``binding`` of the WSDL file, posting to ``address``.

    DTDs in replies are refused, entities are never expanded; ``xml_huge_tree`` lets
    libxml2 read a text node over 10 MB (a 10 MiB attachment is ~14 MB of base64),
    which is safe only because no DTD gets through.
    """
    settings = zeep.Settings(
        strict=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        xml_huge_tree=True,
    )
    # zeep has no type hints
    transport = zeep.Transport(  # type: ignore[no-untyped-call]
        session=session, timeout=timeout, operation_timeout=timeout
    )
    client = zeep.Client(  # type: ignore[no-untyped-call]
        str(wsdl), transport=transport, settings=settings
    )
    return client.create_service(binding, address)  # type: ignore[no-untyped-call]


@contextmanager
def soap_errors(system: str, operation: str) -> Iterator[None]:
    """Map a failed call to a connector error; the message names no personal data."""
    where = f"{system} {operation}"
    try:
        yield
    except zx.Fault as fault:
        raise fault_error(where, fault) from None
    except requests.Timeout as exc:
        raise Unavailable(f"{where}: no reply in time") from exc
    except requests.RequestException as exc:
        raise Unavailable(f"{where}: connection failed ({type(exc).__name__})") from exc
    except zx.TransportError as exc:
        if exc.status_code == 200:
            raise Unavailable(f"{where}: malformed reply (not XML)") from exc
        raise Unavailable(f"{where}: HTTP {exc.status_code}") from exc
    except (
        zx.XMLSyntaxError,
        zx.XMLParseError,
        zx.DTDForbidden,
        zx.EntitiesForbidden,
        zx.ExternalReferenceForbidden,
        zx.UnexpectedElementError,
        zx.LookupError,
        etree.XMLSyntaxError,
    ) as exc:
        raise Unavailable(f"{where}: malformed reply ({type(exc).__name__})") from exc
    except zx.ValidationError as exc:
        raise InvalidRequest(f"{where}: request does not fit the contract") from exc


def fault_error(where: str, fault: Any) -> ConnectorError:
    """The connector error for a SOAP fault: by its subcode, else by Sender/Receiver."""
    if fault.code is None and not fault.subcodes:
        # zeep's name for an error status whose body is XML but not a SOAP fault
        return Unavailable(f"{where}: error reply that is not a SOAP fault")
    reason = mask_identifiers(str(fault.message or "SOAP fault"))[:300]
    for subcode in fault.subcodes or ():
        error = FAULT_ERRORS.get(getattr(subcode, "localname", str(subcode)))
        if error is not None:
            return error(f"{where}: {reason}")
    code = str(fault.code or "")
    if code.endswith("Sender") or code.endswith("Client"):
        return InvalidRequest(f"{where}: {reason}")
    return Unavailable(f"{where}: {reason}")


def aware_datetime(value: Any, where: str) -> datetime:
    """An xs:dateTime of a reply as aware UTC; one without a zone is malformed."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Unavailable(f"{where}: malformed reply (a time without a zone)")
    return value.astimezone(UTC)


def required(value: Any, name: str, where: str) -> Any:
    """A reply field the contract requires; its absence is a malformed reply."""
    if value is None:
        raise Unavailable(f"{where}: malformed reply (no {name})")
    return value


# -- simulator side ------------------------------------------------------------------


@dataclass(frozen=True)
class SoapVersion:
    """What differs on the wire between SOAP 1.1 and 1.2."""

    envelope_ns: str
    content_type: str
    prefix: str  # of the envelope namespace, as fault codes name it


SOAP11 = SoapVersion(SOAP11_NS, SOAP11_CONTENT_TYPE, "soap")
SOAP12 = SoapVersion(SOAP12_NS, SOAP12_CONTENT_TYPE, "env")

# Why a request could not be read; each simulator words it in its own reply.
TOO_LARGE = "too_large"
DTD = "dtd"
NOT_XML = "not_xml"
NOT_SOAP = "not_soap"


class RequestRefused(Exception):
    """A request :class:`SoapServer` could not read: ``reason`` is one of
    :data:`TOO_LARGE`, :data:`DTD`, :data:`NOT_XML`, :data:`NOT_SOAP`."""

    def __init__(self, reason: str, cause: Exception | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = type(cause).__name__ if cause is not None else ""


class SoapServer:
    """The one base of PKIP's SOAP simulators (DEPP, DIV, DVS, VISS): reading a
    request safely, checking it against the contract, writing envelopes and faults,
    in SOAP 1.1 or 1.2, with a :class:`~connectors.simkit.FaultPlan`.

    Reading: at most ``max_request_bytes`` (None: no limit of its own); defusedxml
    refuses any DTD or entity before lxml sees the bytes; lxml then parses without
    entities, network or comments (``huge_tree`` only where long base64 text nodes
    are expected, which is safe because no DTD gets through).
    """

    version: SoapVersion = SOAP12
    max_request_bytes: int | None = 1024 * 1024
    huge_tree = False

    def __init__(self, schema: Any, faults: FaultPlan) -> None:
        self.schema = schema
        self.faults = faults
        # one validation at a time: the schema's error log is shared state
        self._schema_lock = threading.Lock()

    def inject(self, operation: str, kind: str, count: int = 1, **options: Any) -> None:
        """The next ``count`` calls of ``operation`` (``"*"``: any) fail as ``kind``
        says; ``options`` as :meth:`FaultPlan.inject`."""
        self.faults.inject(operation, kind, count, **options)

    # -- reading -------------------------------------------------------------------
    def read_body(self, request: Request) -> bytes:
        limit = self.max_request_bytes
        if limit is None:
            return bytes(request.get_data())
        if request.content_length is not None and request.content_length > limit:
            raise RequestRefused(TOO_LARGE)
        data = request.stream.read(limit + 1)
        if len(data) > limit:
            raise RequestRefused(TOO_LARGE)
        return bytes(data)

    def read_envelope(self, data: bytes) -> list[Any]:
        """The element children of the envelope's Body."""
        try:
            safe_etree.fromstring(
                data, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
        except defusedxml.DefusedXmlException as exc:
            raise RequestRefused(DTD, exc) from exc
        except ParseError as exc:
            raise RequestRefused(NOT_XML, exc) from exc
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=self.huge_tree,
            remove_comments=True,
        )
        root = etree.fromstring(data, parser)
        ns = self.version.envelope_ns
        body = root.find(f"{{{ns}}}Body")
        if root.tag != f"{{{ns}}}Envelope" or body is None:
            raise RequestRefused(NOT_SOAP)
        return [child for child in body if isinstance(child.tag, str)]

    def schema_error(self, element: Any) -> Any:
        """lxml's last error of ``element`` against the contract, None if it fits."""
        with self._schema_lock:
            if self.schema.validate(element):
                return None
            return self.schema.error_log.last_error

    # -- writing -------------------------------------------------------------------
    def new_envelope(self, **nsmap: str) -> tuple[Any, Any]:
        """An empty envelope and its Body (``nsmap``: more prefixes to declare)."""
        ns = self.version.envelope_ns
        envelope = etree.Element(
            f"{{{ns}}}Envelope", nsmap={self.version.prefix: ns, **nsmap}
        )
        return envelope, etree.SubElement(envelope, f"{{{ns}}}Body")

    def respond(self, envelope: Any, status: int = 200) -> Response:
        data = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        return Response(data, status=status, content_type=self.version.content_type)

    def envelope(self, payload: Any, status: int = 200) -> Response:
        envelope, body = self.new_envelope()
        body.append(payload)
        return self.respond(envelope, status)

    def fault(
        self,
        *,
        sender: bool,
        reason: str,
        detail: Any,
        status: int = 500,
        subcode: str | None = None,
        **nsmap: str,
    ) -> Response:
        """A SOAP fault: Client/Sender when the request is at fault, else
        Server/Receiver; ``detail`` is the contract's fault element."""
        v = self.version
        envelope, body = self.new_envelope(**nsmap)
        fault = etree.SubElement(body, f"{{{v.envelope_ns}}}Fault")
        if v is SOAP11:
            side = "Client" if sender else "Server"
            etree.SubElement(fault, "faultcode").text = f"{v.prefix}:{side}"
            etree.SubElement(fault, "faultstring").text = reason
            etree.SubElement(fault, "detail").append(detail)
            return self.respond(envelope, status)
        s = f"{{{v.envelope_ns}}}"
        code = etree.SubElement(fault, f"{s}Code")
        side = "Sender" if sender else "Receiver"
        etree.SubElement(code, f"{s}Value").text = f"{v.prefix}:{side}"
        if subcode is not None:
            sub = etree.SubElement(code, f"{s}Subcode")
            etree.SubElement(sub, f"{s}Value").text = subcode
        text = etree.SubElement(etree.SubElement(fault, f"{s}Reason"), f"{s}Text")
        text.set(f"{{{XML_NS}}}lang", "lv")
        text.text = reason
        etree.SubElement(fault, f"{s}Detail").append(detail)
        return self.respond(envelope, status)


class SoapFault(Exception):
    """A fault the simulator answers with; ``code`` is a key of FAULT_ERRORS."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        assert code in FAULT_ERRORS
        self.code = code
        self.message = message
        self.field = field

    @property
    def from_sender(self) -> bool:
        return self.code != "Unavailable"


FAULT_KINDS = ("timeout", "http500", "soap_fault", "malformed", "xml_bomb")

Handler = Callable[[Any], Any]  # request payload element -> reply payload element

_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
    b"<env:Body>&lol3;</env:Body></env:Envelope>"
)
_REFUSALS = {
    TOO_LARGE: "pieprasījums ir par lielu",
    DTD: "DTD un entītijas nav atļautas",
    NOT_XML: "nekorekts XML",
    NOT_SOAP: "gaidīta SOAP 1.2 aploksne",
}


class SoapSimulator(SoapServer, ABC):
    """A SOAP 1.2 simulator of PKIP's DEPP and DIV contracts: POST is the service,
    GET a page; operations are dispatched by the payload element's name, faults
    carry a ``ServiceFault`` detail.

    Fault kinds (:data:`FAULT_KINDS`): ``timeout`` (wait the fault's ``delay``, 0 by
    default, then 504: a client with a shorter timeout gives up first), ``http500``
    (an HTML error page), ``soap_fault`` (a SOAP fault, Receiver/Unavailable unless
    ``code`` says otherwise), ``malformed`` (200 with broken XML), ``xml_bomb`` (200
    with an entity bomb). ``after_processing`` serves the failure *after* the
    request took effect: a lost reply, the case an idempotency key exists for.
    """

    namespace: str
    schema_path: Path
    huge_tree = True  # attachments travel as base64 text

    def __init__(self) -> None:
        super().__init__(
            etree.XMLSchema(etree.parse(str(self.schema_path))),
            FaultPlan(stall_seconds=0.0, kinds=FAULT_KINDS, codes=FAULT_ERRORS),
        )
        self._handlers: dict[str, Handler] = {}
        # What went wrong inside the simulator itself (tests assert it stays empty).
        self.internal_errors: list[str] = []

    def handle(self, operation: str, handler: Handler) -> None:
        self._handlers[operation] = handler

    def close(self) -> None:
        """Wake a request sleeping in an injected timeout (server shutdown)."""
        self.faults.release()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.method == "GET":
            response = Response(self.page(), content_type="text/html; charset=utf-8")
        elif request.method == "POST":
            response = self._post(request)
        else:
            response = Response("", status=405, headers={"Allow": "GET, POST"})
        result: Iterable[bytes] = response(environ, start_response)
        return result

    @abstractmethod
    def page(self) -> str:
        """The HTML page of what the simulator holds (Latvian)."""

    # -- the service ---------------------------------------------------------------
    def _post(self, request: Request) -> Response:
        operation = "?"
        try:
            payload = self._payload(request)
            operation = etree.QName(payload).localname.removesuffix("Request")
            handler = self._handlers.get(operation)
            if handler is None or etree.QName(payload).namespace != self.namespace:
                raise SoapFault("InvalidRequest", "nezināma operācija")
            self._check(payload, "pieprasījums")
            fault = self.faults.take(operation)
            if fault is not None and not fault.after_processing:
                return self._serve(fault)
            reply = handler(payload)
            self._check(reply, "atbilde")
            if fault is not None:
                return self._serve(fault)
            return self.envelope(reply)
        except SoapFault as exc:
            return self._fault(exc)
        except Exception as exc:  # noqa: BLE001 - a simulator answers, never raises
            self.internal_errors.append(f"{operation}: {type(exc).__name__}: {exc}")
            return self._fault(SoapFault("Unavailable", f"iekšēja kļūda ({operation})"))

    def _payload(self, request: Request) -> Any:
        try:
            children = self.read_envelope(self.read_body(request))
        except RequestRefused as exc:
            raise SoapFault("InvalidRequest", _REFUSALS[exc.reason]) from exc
        if len(children) != 1:
            raise SoapFault("InvalidRequest", "SOAP Body jābūt vienam elementam")
        return children[0]

    def _check(self, element: Any, what: str) -> None:
        error = self.schema_error(element)
        if error is None:
            return
        message = re.sub(r"The value '[^']*'", "The value", str(error.message))
        step = str(error.path or "").rsplit("/", 1)[-1]  # /d:Envelope/d:Title[1]
        field = step.split("[")[0].split(":")[-1] or None
        if what == "atbilde":  # the simulator broke its own contract
            raise RuntimeError(f"reply does not fit the schema: {message}")
        raise SoapFault(
            "InvalidRequest",
            mask_identifiers(f"{what} neatbilst shēmai: {message}"),
            field=field,
        )

    # -- replies -------------------------------------------------------------------
    def element(self, name: str, *children: Any, text: str | None = None) -> Any:
        """A payload element in the contract's namespace."""
        node = etree.Element(f"{{{self.namespace}}}{name}", nsmap={"d": self.namespace})
        if text is not None:
            node.text = text
        for child in children:
            if child is not None:
                node.append(child)
        return node

    def _fault(self, exc: SoapFault) -> Response:
        detail = self.element(
            "ServiceFault",
            self.element("Code", text=exc.code),
            self.element("Field", text=exc.field) if exc.field else None,
        )
        return self.fault(
            sender=exc.from_sender,
            reason=exc.message,
            detail=detail,
            status=400 if exc.from_sender else 500,
            subcode=f"d:{exc.code}",
            d=self.namespace,
        )

    def _serve(self, fault: Fault) -> Response:
        if fault.kind == "timeout":
            self.faults.stall(fault)
            return Response("Gateway Timeout", status=504, content_type="text/plain")
        if fault.kind == "http500":
            return Response(
                "<html><body><h1>500 Internal Server Error</h1></body></html>",
                status=500,
                content_type="text/html",
            )
        if fault.kind == "soap_fault":
            return self._fault(SoapFault(fault.code, "simulēta kļūme"))
        if fault.kind == "malformed":
            body = (
                b'<?xml version="1.0"?><env:Envelope xmlns:env="' + SOAP12_NS.encode()
            )
            return Response(
                body + b'"><env:Body><d:Re', content_type=SOAP12_CONTENT_TYPE
            )
        return Response(_BOMB, content_type=SOAP12_CONTENT_TYPE)


def decode_base64(text: str, field: str = "Content") -> bytes:
    """xs:base64Binary content of a request (whitespace allowed), or a fault."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SoapFault("InvalidRequest", f"{field} nav base64", field) from None


def xs_datetime(value: datetime) -> str:
    """An xs:dateTime in UTC with a Z, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
