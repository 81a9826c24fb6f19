# SPDX-License-Identifier: EUPL-1.2
"""The SOAP side of the DVS simulator: envelopes in and out, per ``wsdl/dvs.wsdl``.

Reading and writing SOAP is ``connectors.soapkit.SoapServer``'s (SOAP 1.1 here):
requests are parsed without DTDs, entities or network access and validated against
``wsdl/dvs.xsd``; a refusal is a SOAP 1.1 fault (HTTP 500) whose detail is a
``DvsFault`` naming the kind of error and the field. The fault plan is the
simulator's own, shared with its REST side.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from lxml import etree
from lxml.builder import ElementMaker
from werkzeug.wrappers import Request, Response

from connectors.soapkit import (
    DTD,
    NOT_SOAP,
    NOT_XML,
    SOAP11,
    SOAP11_NS,
    TOO_LARGE,
    RequestRefused,
    SoapServer,
)
from connectors.systems.dvs.contract import SOAP_OF_WIRE, DvsError

if TYPE_CHECKING:
    from connectors.simkit import FaultPlan


class DvsSimulator(Protocol):
    """What the SOAP side needs of the simulator (``simulator.DvsSimulator``); a
    protocol, so that the simulator imports its SOAP side and not the reverse."""

    faults: FaultPlan

    def register(self, doc: dict[str, Any], key: str, protocol: str) -> dict[str, Any]:
        """Register a document (idempotent per ``key``)."""
        ...

    def unfinished(self, code: object, protocol: str) -> dict[str, Any]:
        """A user's count of unfinished work."""
        ...

    def systems(self, code: object, protocol: str) -> dict[str, Any]:
        """The systems a user may use."""
        ...


NS: Final = "urn:pkip:dvs:1"
SOAP_ENV: Final = SOAP11_NS
WSDL_DIR: Final = Path(__file__).with_name("wsdl")
WSDL_PATH: Final = WSDL_DIR / "dvs.wsdl"
XSD_PATH: Final = WSDL_DIR / "dvs.xsd"
XML: Final = "text/xml; charset=utf-8"
MALFORMED: Final = (
    b'<soap:Envelope xmlns:soap="' + SOAP_ENV.encode() + b'"><soap:Body><'
)

_OPERATIONS: Final = {
    "RegisterDocumentRequest": "register_document",
    "GetUnfinishedWorkCountRequest": "unfinished_count",
    "GetUserSystemsRequest": "user_systems",
}
_E = ElementMaker(namespace=NS, nsmap={"tns": NS})
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_ELEMENT_RE = re.compile(r"Element '(?:\{[^}]*\})?([A-Za-z]+)'")
_EXPECTED_RE = re.compile(r"Expected is .*?\{[^}]*\}([A-Za-z]+)")


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH), _PARSER))


def wsdl_response() -> Response:
    return Response(WSDL_PATH.read_bytes(), content_type=XML)


def xsd_response() -> Response:
    return Response(XSD_PATH.read_bytes(), content_type=XML)


def _field_of(message: str) -> str | None:
    expected = _EXPECTED_RE.search(message)
    missing = "Missing child" in message or "not expected" in message
    found = expected if (expected and missing) else _ELEMENT_RE.search(message)
    if found is None:
        return None
    name = found.group(1)
    wire = {"name": "correspondent.name", "code": "correspondent.code"}.get(name)
    if wire:
        return wire
    return next((w for w, s in SOAP_OF_WIRE.items() if s == name), name)


def _text(element: etree._Element, name: str) -> str | None:
    child = element.find(f"{{{NS}}}{name}")
    return child.text if child is not None else None


def _register(sim: DvsSimulator, payload: etree._Element) -> etree._Element:
    doc: dict[str, Any] = {
        "direction": _text(payload, "direction"),
        "document_type": _text(payload, "documentType"),
        "title": _text(payload, "title"),
        "document_date": _text(payload, "documentDate"),
    }
    correspondent = payload.find(f"{{{NS}}}correspondent")
    if correspondent is not None:
        doc["correspondent"] = {"name": _text(correspondent, "name")}
        code = _text(correspondent, "code")
        if code is not None:
            doc["correspondent"]["code"] = code
    for wire, soap in (("case_number", "caseNumber"), ("summary", "summary")):
        value = _text(payload, soap)
        if value is not None:
            doc[wire] = value
    reply = sim.register(doc, _text(payload, "idempotencyKey") or "", "SOAP")
    return _E.RegisterDocumentResponse(
        _E.documentId(reply["document_id"]),
        _E.registrationNumber(reply["registration_number"]),
        _E.registeredAt(reply["registered_at"]),
    )


def _unfinished(sim: DvsSimulator, payload: etree._Element) -> etree._Element:
    reply = sim.unfinished(_text(payload, "personalCode"), "SOAP")
    return _E.GetUnfinishedWorkCountResponse(
        _E.count(str(reply["count"])),
        _E.overdue(str(reply["overdue"])),
        _E.url(reply["url"]),
    )


def _systems(sim: DvsSimulator, payload: etree._Element) -> etree._Element:
    reply = sim.systems(_text(payload, "personalCode"), "SOAP")
    response = _E.GetUserSystemsResponse(_E.checkedAt(reply["checked_at"]))
    for system in reply["systems"]:
        response.append(
            _E.system(
                _E.code(system["code"]),
                _E.name(system["name"]),
                _E.url(system["url"]),
                *(_E.role(role) for role in system["roles"]),
            )
        )
    return response


_HANDLERS: Final = {
    "register_document": _register,
    "unfinished_count": _unfinished,
    "user_systems": _systems,
}


_REFUSALS: Final = {
    TOO_LARGE: "Pieprasījums ir par lielu",
    DTD: "DTD nav atļauts",
    NOT_XML: "Pieprasījums nav XML",
    NOT_SOAP: "Nav SOAP 1.1 aploksnes",
}


class DvsSoapServer(SoapServer):
    """``POST /soap`` of the DVS simulator."""

    version = SOAP11
    max_request_bytes = None  # the simulator's request class limits the size

    def __init__(self, sim: DvsSimulator) -> None:
        super().__init__(_schema(), sim.faults)
        self.sim = sim

    def refuse(self, error: DvsError) -> Response:
        detail = _E.DvsFault(_E.code(error.code))
        if error.field:
            detail.append(_E.field(SOAP_OF_WIRE.get(error.field, error.field)))
        detail.append(_E.message(error.message))
        return self.fault(
            sender=error.code != "Unavailable", reason=error.message, detail=detail
        )

    def _payload(self, request: Request) -> etree._Element:
        try:
            children = self.read_envelope(self.read_body(request))
        except RequestRefused as exc:
            raise DvsError("InvalidRequest", _REFUSALS[exc.reason]) from None
        if not children:
            raise DvsError("InvalidRequest", _REFUSALS[NOT_SOAP])
        payload: etree._Element = children[0]
        return payload

    def _validate(self, payload: etree._Element) -> None:
        error = self.schema_error(payload)
        if error is None:
            return
        # lxml's message quotes the value (possibly a personal code): keep the field.
        field = _field_of(str(error.message))
        raise DvsError("InvalidRequest", "Neatbilst shēmai", field)

    def handle(self, request: Request) -> Response:
        try:
            payload = self._payload(request)
        except DvsError as error:
            return self.refuse(error)
        tag = payload.tag
        name = etree.QName(payload).localname if tag.startswith(f"{{{NS}}}") else ""
        operation = _OPERATIONS.get(name)
        if operation is None:
            return self.refuse(DvsError("InvalidRequest", "Nezināma operācija"))
        planned = self.faults.take(operation)
        kind = planned.kind if planned is not None else None
        if kind == "http500":
            return self.refuse(
                DvsError("Unavailable", "Iekšēja servera kļūda (simulēta)")
            )
        try:
            self._validate(payload)
            response = self.envelope(_HANDLERS[operation](self.sim, payload))
        except DvsError as error:
            response = self.refuse(error)
        if kind == "timeout":
            self.faults.stall(planned)
            return Response(
                "Gateway Timeout (simulēts)", status=504, content_type="text/plain"
            )
        if kind == "malformed":
            return Response(MALFORMED, status=200, content_type=XML)
        return response
