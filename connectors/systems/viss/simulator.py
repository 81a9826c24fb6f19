# SPDX-License-Identifier: EUPL-1.2
"""A WSGI simulator of VISS: the same SOAP contract, deterministic registry data.

``POST /`` answers the operations of ``wsdl/viss.wsdl`` with the records of
:mod:`connectors.systems.viss.fixtures`; ``GET /`` is a small Latvian page of the
requests it answered (personal codes masked); ``GET /?wsdl`` and ``GET /<name>.xsd``
serve the contract itself.

Requests are read defensively: at most ``max_body`` bytes, refused before parsing
when they declare a DTD or entities (defusedxml), then parsed by lxml without entity
resolution or network, checked against the XSD and the identifier rules. A refusal
is a SOAP 1.1 fault whose detail holds a ``c:ServiceError`` code.

**Fault injection.** ``simulator.inject("ur.company", "http500", count=2)`` makes the
next two ``ur.company`` requests fail that way (``"*"`` matches any operation); the
faults are kept in the shared ``simkit.FaultPlan`` (per operation, in order, under a
lock, so tests may inject while other threads call). The kinds:

* ``timeout`` — the reply does not come in time. In-process (the default,
  ``hang_seconds=None``) there is no socket whose timeout could fire, so the
  simulator raises :class:`SimulatedTimeout`, a ``requests.ReadTimeout``: exactly
  what ``requests`` raises when a socket read times out, and the in-process adapter
  lets it through unchanged. Served on a real socket, build the simulator with
  ``hang_seconds`` longer than the client's timeout: it then holds the reply that
  long (or until :meth:`VissSimulator.release`) and the client's own socket timeout
  fires.
* ``http500`` — an HTML error page with status 500, as a failing proxy sends.
* ``soap_fault`` — a SOAP ``Server`` fault (``INTERNAL``).
* ``malformed`` — a well-formed envelope whose reply breaks the schema.
* ``truncated`` — the first half of a good reply (not XML at all).
* ``rejected`` — a SOAP ``Client`` fault ``ACCESS_DENIED``.
"""

from __future__ import annotations

import html
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

import requests
from lxml import etree
from werkzeug.wrappers import Request, Response

from connectors.simkit import Fault, FaultPlan
from connectors.soapkit import (
    DTD,
    NOT_XML,
    SOAP11,
    TOO_LARGE,
    RequestRefused,
    SoapServer,
)
from connectors.systems.viss import fixtures
from connectors.systems.viss.contract import (
    ACCESS_DENIED,
    BY_OPERATOR,
    BY_REQUEST_TAG,
    COMMON_NS,
    INTERNAL,
    INVALID_REQUEST,
    NOT_FOUND,
    NS,
    SCHEMA_FILES,
    WSDL_DIR,
    WSDL_PATH,
    Operation,
    schema_errors,
    wsdl_document,
)
from connectors.systems.viss.fixtures import Refusal
from connectors.systems.viss.keys import mask
from forms.identifiers import atvk_message, is_personas_kods, is_registracijas_numurs

log = logging.getLogger(__name__)

TIMEOUT = "timeout"
FAULTS: Final = (TIMEOUT, "http500", "soap_fault", "malformed", "truncated", "rejected")
MAX_BODY: Final = 64 * 1024
_XML: Final = "text/xml; charset=utf-8"
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_OUTCOME_LV: Final = {
    "ok": "atbildēts",
    NOT_FOUND: "nav atrasts",
    INVALID_REQUEST: "nederīgs pieprasījums",
    ACCESS_DENIED: "atteikts",
}

Clock = Callable[[], datetime]
Handler = Callable[[Operation, etree._Element, datetime], dict[str, Any]]


class SimulatedTimeout(requests.exceptions.ReadTimeout):
    """Raised by an in-process simulator in place of a reply that never comes."""


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Received:
    """One request the simulator answered, as its page shows it."""

    at: datetime
    operation: str
    key: str  # masked
    institution: str
    municipality: str
    request_id: str
    outcome: str


class VissSimulator(SoapServer):
    """The WSGI app. Thread-safe: requests may arrive from several threads."""

    version = SOAP11

    def __init__(
        self,
        *,
        hang_seconds: float | None = None,
        clock: Clock | None = None,
        max_body: int = MAX_BODY,
        history: int = 100,
    ) -> None:
        # the messages are checked by contract.schema_errors (one XSD per registry)
        super().__init__(
            None, FaultPlan(BY_OPERATOR, hang_seconds or 0.0, kinds=FAULTS)
        )
        self.hang_seconds = hang_seconds
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.max_body = self.max_request_bytes = max_body
        self._lock = threading.Lock()
        self._received: deque[Received] = deque(maxlen=history)

    # -- control --------------------------------------------------------------------
    def pending(self) -> dict[str, list[str]]:
        """Faults injected and not yet used, per operation."""
        return self.faults.pending()

    def clear(self) -> None:
        """Forget injected faults and recorded requests; wake held replies."""
        self.faults.clear()
        with self._lock:
            self._received.clear()

    def release(self) -> None:
        """Let every reply held by a ``timeout`` fault go now."""
        self.faults.release()

    def received(self) -> list[Received]:
        """The requests answered, newest first."""
        with self._lock:
            return list(reversed(self._received))

    def _record(self, entry: Received) -> None:
        with self._lock:
            self._received.append(entry)

    # -- WSGI -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if request.method == "POST" and path == "/":
            return self._soap(request)
        if request.method in ("GET", "HEAD"):
            if path == "/" and "wsdl" in request.args:
                return Response(WSDL_PATH.read_bytes(), mimetype="text/xml")
            if path == "/":
                return Response(self.page(), mimetype="text/html")
            if path.lstrip("/") in SCHEMA_FILES:
                return Response(
                    (WSDL_DIR / path.lstrip("/")).read_bytes(), mimetype="text/xml"
                )
            return Response("Nav atrasts", status=404, mimetype="text/plain")
        return Response("Metode nav atļauta", status=405, mimetype="text/plain")

    def _soap(self, request: Request) -> Response:
        try:
            payload = self._read_payload(request)
            operation = self._operation(request, payload)
        except _BadRequest as exc:
            return self.service_error(
                "Client", INVALID_REQUEST, exc.message, status=exc.status
            )
        header = _header(payload)
        key = payload.findtext(f"{{{operation.namespace}}}{operation.key}") or ""

        def record(outcome: str) -> None:
            self._record(
                Received(
                    at=self.clock(),
                    operation=operation.operator,
                    key=mask(key),
                    institution=header.get("institution", ""),
                    municipality=header.get("municipality", ""),
                    request_id=header.get("requestId", ""),
                    outcome=outcome,
                )
            )

        fault = self.faults.take(operation.operator)
        if fault is not None:
            record(fault.kind)
            log.info(
                "VISS simulator: injected %s on %s", fault.kind, operation.operator
            )
            return self._faulty(fault, operation, payload, header)
        try:
            body = HANDLERS[operation.operator](operation, payload, self.clock())
        except Refusal as exc:
            record(exc.code)
            return self.service_error(
                "Client", exc.code, exc.message, header.get("requestId")
            )
        record("ok")
        return self.respond(self._reply(operation, header, body))

    def _read_payload(self, request: Request) -> etree._Element:
        try:
            children = self.read_envelope(self.read_body(request))
        except RequestRefused as exc:
            if exc.reason == TOO_LARGE:
                raise _BadRequest("Pieprasījums ir pārāk liels", status=413) from exc
            if exc.reason == DTD:
                raise _BadRequest(
                    f"XML ar DTD vai entītijām netiek pieņemts ({exc.cause})"
                ) from exc
            if exc.reason == NOT_XML:
                raise _BadRequest("Pieprasījums nav korekts XML") from exc
            children = []
        if len(children) != 1:
            raise _BadRequest("Gaidīta SOAP 1.1 aploksne ar vienu pieprasījumu")
        payload: etree._Element = children[0]
        return payload

    def _operation(self, request: Request, payload: etree._Element) -> Operation:
        operation = BY_REQUEST_TAG.get(payload.tag)
        if operation is None:
            raise _BadRequest("Nezināma operācija")
        action = (request.headers.get("SOAPAction") or "").strip('"')
        if action and action != f"{NS}/{operation.soap_name}":
            raise _BadRequest("SOAPAction neatbilst pieprasījumam")
        problem = schema_errors(payload)
        if problem is not None:
            raise _BadRequest(f"Pieprasījums neatbilst shēmai ({problem})")
        return operation

    def _reply(
        self, operation: Operation, header: dict[str, str], body: dict[str, Any]
    ) -> etree._Element:
        element: Any = wsdl_document().types.get_element(operation.response_tag)
        value = element(
            header={"requestId": header["requestId"], "answeredAt": self.clock()},
            **body,
        )
        envelope, soap_body = self.new_envelope()
        element.render(soap_body, value)
        return envelope

    def _faulty(
        self,
        planned: Fault,
        operation: Operation,
        payload: etree._Element,
        header: dict[str, str],
    ) -> Response:
        fault = planned.kind
        if fault == TIMEOUT:
            if self.hang_seconds is None:
                raise SimulatedTimeout("VISS simulators: atbilde nepienāca laikā")
            self.faults.stall(planned)
        elif fault == "http500":
            page = "<html><body><h1>500 Iekšēja servera kļūda</h1></body></html>"
            return Response(page, status=500, mimetype="text/html")
        elif fault == "soap_fault":
            return self.service_error(
                "Server",
                INTERNAL,
                "Reģistrs īslaicīgi nav pieejams",
                header.get("requestId"),
            )
        elif fault == "rejected":
            return self.service_error(
                "Client",
                ACCESS_DENIED,
                "Iestādei nav tiesību uz šiem datiem",
                header.get("requestId"),
            )
        try:
            body = HANDLERS[operation.operator](operation, payload, self.clock())
        except Refusal as exc:
            return self.service_error(
                "Client", exc.code, exc.message, header.get("requestId")
            )
        envelope = self._reply(operation, header, body)
        if fault == "malformed":
            reply = envelope[0][0]
            answered = reply[0][1]
            answered.text = "vakar"
            etree.SubElement(reply, f"{{{operation.namespace}}}unexpected").text = "?"
        raw = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        if fault == "truncated":
            raw = raw[: len(raw) // 2]
        return Response(raw, status=200, content_type=_XML)

    def service_error(
        self,
        kind: str,
        code: str,
        message: str,
        request_id: str | None = None,
        status: int = 500,
    ) -> Response:
        """A SOAP 1.1 fault (``kind`` is Client or Server) with a ServiceError
        detail."""
        common = f"{{{COMMON_NS}}}"
        error = etree.Element(f"{common}ServiceError")
        etree.SubElement(error, f"{common}code").text = code
        etree.SubElement(error, f"{common}message").text = message
        if request_id:
            etree.SubElement(error, f"{common}requestId").text = request_id
        return self.fault(
            sender=kind == "Client",
            reason=message,
            detail=error,
            status=status,
            c=COMMON_NS,
        )

    # -- the page -------------------------------------------------------------------
    def page(self) -> str:
        """A Latvian HTML page of the latest requests and the faults still waiting."""
        rows = "\n".join(
            "<tr>"
            f"<td>{r.at:%Y-%m-%d %H:%M:%S}</td>"
            f"<td><code>{html.escape(r.operation)}</code></td>"
            f"<td>{html.escape(r.key)}</td>"
            f"<td>{html.escape(r.institution)}</td>"
            f"<td>{html.escape(r.municipality)}</td>"
            f"<td>{html.escape(_OUTCOME_LV.get(r.outcome, 'kļūme: ' + r.outcome))}</td>"
            "</tr>"
            for r in self.received()
        )
        pending = ", ".join(
            f"{html.escape(op)}: {html.escape(' '.join(faults))}"
            for op, faults in sorted(self.pending().items())
        )
        empty = '<tr><td colspan="6">Pieprasījumu vēl nav.</td></tr>'
        return _PAGE.format(
            rows=rows or empty,
            pending=f"<p>Gaidošās kļūmes: {pending}</p>" if pending else "",
        )


_PAGE: Final = """<!doctype html>
<html lang="lv">
<head><meta charset="utf-8"><title>VISS simulators</title></head>
<body>
<h1>VISS simulators</h1>
<p>Valsts informācijas sistēmu savietotāja un reģistru simulators (PKIP).
Personas kodi ir maskēti. Līgums: <a href="?wsdl">WSDL</a>.</p>
{pending}
<table>
<thead><tr><th>Laiks</th><th>Operācija</th><th>Atslēga</th><th>Iestāde</th>
<th>Pašvaldība</th><th>Rezultāts</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _header(payload: etree._Element) -> dict[str, str]:
    header = payload[0]
    return {etree.QName(child).localname: child.text or "" for child in header}


# -- the operations -----------------------------------------------------------------
def _key(operation: Operation, payload: etree._Element) -> str:
    return payload.findtext(f"{{{operation.namespace}}}{operation.key}") or ""


def _personal_code(operation: Operation, payload: etree._Element) -> str:
    code = _key(operation, payload)
    if not is_personas_kods(code):
        raise Refusal(INVALID_REQUEST, "Nederīgs personas kods")
    return code


def _company(op: Operation, payload: etree._Element, now: datetime) -> dict[str, Any]:
    number = _key(op, payload)
    if not is_registracijas_numurs(number):
        raise Refusal(INVALID_REQUEST, "Nederīgs reģistrācijas numurs")
    return {"company": fixtures.company(number)}


def _taxpayer(op: Operation, payload: etree._Element, now: datetime) -> dict[str, Any]:
    code = _key(op, payload)
    if not (is_personas_kods(code) or is_registracijas_numurs(code)):
        raise Refusal(INVALID_REQUEST, "Nederīgs nodokļu maksātāja kods")
    return {"taxpayer": fixtures.taxpayer(code, now.date())}


def _addresses(op: Operation, payload: etree._Element, now: datetime) -> dict[str, Any]:
    limit = int(payload.findtext(f"{{{op.namespace}}}maxResults") or 10)
    return {"address": fixtures.addresses(_key(op, payload), limit)}


def _preschools(
    op: Operation, payload: etree._Element, now: datetime
) -> dict[str, Any]:
    code = _key(op, payload)
    # The schema checks the seven digits; the classifier, whether the code is in force.
    problem = atvk_message(code) if code else None
    if problem is not None:
        raise Refusal(INVALID_REQUEST, problem[0])
    return {"preschool": fixtures.preschools(code or None)}


def _client_status(
    op: Operation, payload: etree._Element, now: datetime
) -> dict[str, Any]:
    code = _personal_code(op, payload)
    system = payload.findtext(f"{{{op.namespace}}}requestingSystem") or ""
    return {"clientStatus": fixtures.client_status(code, system)}


HANDLERS: Final[dict[str, Handler]] = {
    "ur.company": _company,
    "pmlp.person": lambda op, p, now: {
        "person": fixtures.person(_personal_code(op, p))
    },
    "vid.taxpayer": _taxpayer,
    "vzd.parcel": lambda op, p, now: {"parcel": fixtures.parcel(_key(op, p))},
    "vzd.building": lambda op, p, now: {"building": fixtures.building(_key(op, p))},
    "vzd.address": _addresses,
    "ldc.dogs": lambda op, p, now: {"dog": fixtures.dogs(_personal_code(op, p))},
    "viis.preschools": _preschools,
    "viis.child": lambda op, p, now: {"child": fixtures.child(_personal_code(op, p))},
    "plus.client_status": _client_status,
}


@lru_cache(maxsize=1)
def default_simulator() -> VissSimulator:
    """The process's simulator: the one simulated clients talk to in-process and
    the one the web app mounts under /sim/viss/, so its page shows their calls."""
    return VissSimulator()
