# SPDX-License-Identifier: EUPL-1.2
"""The SOAP side of the DVS simulator: envelopes in and out, per ``wsdl/dvs.wsdl``.

Requests are parsed without DTDs, entities or network access and validated against
``wsdl/dvs.xsd``; a refusal is a SOAP 1.1 fault (HTTP 500) whose detail is a
``DvsFault`` naming the kind of error and the field.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from lxml import etree
from lxml.builder import ElementMaker
from werkzeug.wrappers import Request, Response

from connectors.systems.dvs.contract import SOAP_OF_WIRE, DvsError

if TYPE_CHECKING:
    from connectors.systems.dvs.simulator import DvsSimulator

NS: Final = "urn:pkip:dvs:1"
SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
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
_S = ElementMaker(namespace=SOAP_ENV, nsmap={"soap": SOAP_ENV})
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_ELEMENT_RE = re.compile(r"Element '(?:\{[^}]*\})?([A-Za-z]+)'")
_EXPECTED_RE = re.compile(r"Expected is .*?\{[^}]*\}([A-Za-z]+)")
_schema_lock = threading.Lock()


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH), _PARSER))


def wsdl_response() -> Response:
    return Response(WSDL_PATH.read_bytes(), content_type=XML)


def xsd_response() -> Response:
    return Response(XSD_PATH.read_bytes(), content_type=XML)


def _envelope(payload: etree._Element) -> Response:
    document = _S.Envelope(_S.Body(payload))
    body = etree.tostring(document, xml_declaration=True, encoding="utf-8")
    return Response(body, content_type=XML)


def fault(error: DvsError) -> Response:
    side = "soap:Server" if error.code == "Unavailable" else "soap:Client"
    detail = _E.DvsFault(_E.code(error.code))
    if error.field:
        detail.append(_E.field(SOAP_OF_WIRE.get(error.field, error.field)))
    detail.append(_E.message(error.message))
    document = _S.Envelope(
        _S.Body(
            _S.Fault(
                etree.Element("faultcode"),
                etree.Element("faultstring"),
                etree.Element("detail"),
            )
        )
    )
    code_el, string_el, detail_el = document[0][0]
    code_el.text = side
    string_el.text = error.message
    detail_el.append(detail)
    body = etree.tostring(document, xml_declaration=True, encoding="utf-8")
    return Response(body, status=500, content_type=XML)


def _payload(raw: bytes) -> etree._Element:
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError:
        raise DvsError("InvalidRequest", "Pieprasījums nav XML") from None
    if root.getroottree().docinfo.doctype:
        raise DvsError("InvalidRequest", "DTD nav atļauts")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) == 0:
        raise DvsError("InvalidRequest", "Nav SOAP 1.1 aploksnes")
    return body[0]


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


def _validate(payload: etree._Element) -> None:
    schema = _schema()
    with _schema_lock:
        if schema.validate(payload):
            return
        message = str(schema.error_log.last_error.message)
    # lxml's message quotes the value (possibly a personal code): keep only the field.
    raise DvsError("InvalidRequest", "Neatbilst shēmai", _field_of(message))


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


def handle(sim: DvsSimulator, request: Request) -> Response:
    try:
        payload = _payload(request.get_data())
    except DvsError as error:
        return fault(error)
    name = etree.QName(payload).localname if payload.tag.startswith(f"{{{NS}}}") else ""
    operation = _OPERATIONS.get(name)
    if operation is None:
        return fault(DvsError("InvalidRequest", "Nezināma operācija"))
    planned = sim.faults.take(operation)
    if planned == "http500":
        return fault(DvsError("Unavailable", "Iekšēja servera kļūda (simulēta)"))
    try:
        _validate(payload)
        response = _envelope(_HANDLERS[operation](sim, payload))
    except DvsError as error:
        response = fault(error)
    if planned == "timeout":
        sim.faults.stall()
        return Response(
            "Gateway Timeout (simulēts)", status=504, content_type="text/plain"
        )
    if planned == "malformed":
        return Response(MALFORMED, status=200, content_type=XML)
    return response
