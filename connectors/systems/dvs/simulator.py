# SPDX-License-Identifier: EUPL-1.2
"""A municipal document system (Namejs, Lietvaris style) simulated, over SOAP and REST.

One state behind both protocols: ``POST /soap`` (the WSDL in ``wsdl/``, served at
``GET /soap``) and ``/api/documents``, ``/api/unfinished-work``, ``/api/user-systems``
(JSON). Queries about a person are POSTs so that personal codes never appear in a URL
(and so in no access log). ``GET /`` lists what was received, codes masked. Faults:
operations ``register_document``, ``unfinished_count``, ``user_systems``, on either
protocol (``http500`` is a SOAP server fault on SOAP).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connectors.simkit import (
    Counted,
    FaultPlan,
    IdempotencyConflict,
    IdempotencyLedger,
    dispatch,
    fingerprint,
    heading,
    html_page,
    html_table,
    json_response,
    mask_personas_kods,
    problem,
    read_json,
    with_faults,
)
from connectors.systems.dvs import fixtures, soap_server
from connectors.systems.dvs.contract import (
    DvsError,
    check_document,
    check_personal_code,
    normalize_code,
)

OPERATIONS = ("register_document", "unfinished_count", "user_systems")
_DIRECTION_LABELS = {"incoming": "Ienākošais", "outgoing": "Nosūtītais"}
_KEEP_RECEIVED = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Request(Request):
    max_content_length = 1024 * 1024


class DvsSimulator(Counted):
    def __init__(
        self,
        *,
        product: str = "NAMEJS",
        clock: Callable[[], datetime] = _utc_now,
        stall_seconds: float = 2.0,
    ) -> None:
        if product not in fixtures.SYSTEMS:
            raise ValueError(f"unknown product {product!r}")
        self.product = product
        self.clock = clock
        self.faults = FaultPlan(OPERATIONS, stall_seconds)
        self._soap = soap_server.DvsSoapServer(self)
        self._lock = threading.RLock()
        self.ledger = IdempotencyLedger(self._lock)
        self._urls = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule("/soap", endpoint="soap", methods=["GET", "POST"]),
                Rule("/dvs.xsd", endpoint="xsd", methods=["GET"]),
                Rule("/api/documents", endpoint="rest_register", methods=["POST"]),
                Rule(
                    "/api/unfinished-work", endpoint="rest_unfinished", methods=["POST"]
                ),
                Rule("/api/user-systems", endpoint="rest_systems", methods=["POST"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.ledger.clear()
            self.documents: list[dict[str, Any]] = []
            self.received: list[dict[str, str]] = []
            self._numbers: dict[tuple[str, int], int] = {}

    def inject(self, operation: str, fault: str, count: int = 1) -> None:
        self.faults.inject(operation, fault, count)

    # -- the system, protocol-neutral -------------------------------------------------
    def _note(self, protocol: str, operation: str, subject: str) -> None:
        with self._lock:
            self.received.append(
                {
                    "at": self.clock().strftime("%d.%m.%Y %H:%M:%S"),
                    "protocol": protocol,
                    "operation": operation,
                    "subject": subject,
                }
            )
            del self.received[:-_KEEP_RECEIVED]

    def register(self, doc: dict[str, Any], key: str, protocol: str) -> dict[str, Any]:
        """Register a document once per idempotency key; raises DvsError."""

        def action() -> dict[str, Any]:
            problems = check_document(doc)
            if problems:
                first = problems[0]
                raise DvsError("InvalidRequest", first.message, first.path)
            now = self.clock()
            direction = doc["direction"]
            counter = (direction, now.year)
            self._numbers[counter] = self._numbers.get(counter, 0) + 1
            prefix = "IEN" if direction == "incoming" else "NOS"
            number = f"{prefix}/{now.year}/{self._numbers[counter]:05d}"
            stored = {
                "document_id": f"DOC-{len(self.documents) + 1:06d}",
                "registration_number": number,
                "registered_at": now.isoformat(),
            }
            self.documents.append(stored | {"document": doc, "protocol": protocol})
            return stored

        if not key or len(key) > 128:
            raise DvsError(
                "InvalidRequest", "Obligāta idempotences atslēga", "idempotency_key"
            )
        try:
            reply, _ = self.ledger.run(
                "register_document", key, fingerprint(doc), action
            )
        except IdempotencyConflict:
            raise DvsError(
                "Rejected", "Idempotences atslēga jau izmantota citam dokumentam"
            ) from None
        self._note(protocol, "Dokumenta reģistrācija", reply["registration_number"])
        return dict(reply)

    def _person(self, code: object, protocol: str, operation: str) -> str:
        problems = check_personal_code(code)
        if problems:
            raise DvsError("InvalidRequest", problems[0].message, "personal_code")
        assert isinstance(code, str)
        normalized = normalize_code(code)
        self._note(protocol, operation, mask_personas_kods(normalized))
        return normalized

    def unfinished(self, code: object, protocol: str) -> dict[str, Any]:
        person = self._person(code, protocol, "Nepabeigtie darbi")
        found = fixtures.unfinished_of(person, self.product)
        if found is None:
            raise DvsError("NotFound", "Persona nav šīs sistēmas lietotājs")
        count, overdue = found
        url = fixtures.SYSTEMS[self.product][1] + "uzdevumi"
        return {"count": count, "overdue": overdue, "url": url}

    def systems(self, code: object, protocol: str) -> dict[str, Any]:
        person = self._person(code, protocol, "Lietotāja sistēmas")
        return {
            "checked_at": self.clock().isoformat(),
            "systems": [
                {
                    "code": system,
                    "name": fixtures.SYSTEMS[system][0],
                    "url": fixtures.SYSTEMS[system][1],
                    "roles": roles,
                }
                for system, roles in sorted(
                    fixtures.systems_of(person, self.product).items()
                )
            ],
        }

    # -- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return dispatch(self, self._urls, _Request, environ, start_response)

    def _on_soap(self, request: Request) -> Response:
        if request.method == "GET":
            return soap_server.wsdl_response()
        return self._soap.handle(request)

    def _on_xsd(self, request: Request) -> Response:
        return soap_server.xsd_response()

    def _rest(
        self, request: Request, operation: str, run: Callable[[Any], dict[str, Any]]
    ) -> Response:
        def answer() -> Response:
            try:
                body = read_json(request.get_data())
            except ValueError:
                return problem(400, "Pieprasījuma saturs nav JSON")
            if not isinstance(body, dict):
                return problem(400, "Pieprasījuma saturam jābūt objektam")
            try:
                return json_response(
                    run(body), 201 if operation == "register_document" else 200
                )
            except DvsError as error:
                errors = (
                    [{"path": error.field, "message": error.message}]
                    if error.field
                    else None
                )
                return problem(error.http_status, error.message, errors=errors)

        return with_faults(self.faults, operation, answer)

    def _on_rest_register(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        return self._rest(
            request, "register_document", lambda body: self.register(body, key, "REST")
        )

    def _on_rest_unfinished(self, request: Request) -> Response:
        return self._rest(
            request,
            "unfinished_count",
            lambda body: self.unfinished(body.get("personal_code"), "REST"),
        )

    def _on_rest_systems(self, request: Request) -> Response:
        return self._rest(
            request,
            "user_systems",
            lambda body: self.systems(body.get("personal_code"), "REST"),
        )

    # -- the page ---------------------------------------------------------------------
    def _on_page(self, request: Request) -> Response:
        return self.page()

    def page(self) -> Response:
        with self._lock:
            documents = list(reversed(self.documents))
            received = list(reversed(self.received))
            counts = (
                self.ledger.received_total,
                self.ledger.unique,
                self.ledger.duplicates,
            )
        doc_rows = []
        for d in documents:
            doc = d["document"]
            correspondent = doc["correspondent"]
            code = correspondent.get("code")
            shown = ""
            if code:
                shown = mask_personas_kods(code) if "-" in code else code
            doc_rows.append(
                (
                    d["registration_number"],
                    _DIRECTION_LABELS[doc["direction"]],
                    doc["document_type"],
                    doc["title"],
                    doc["document_date"],
                    f"{correspondent['name']} {shown}".strip(),
                    doc.get("case_number", ""),
                    d["protocol"],
                )
            )
        name = fixtures.SYSTEMS[self.product][0]
        return html_page(
            f"DVS simulators — {name}",
            heading("Reģistrētie dokumenti"),
            html_table(
                (
                    "Reģ. nr.",
                    "Virziens",
                    "Veids",
                    "Nosaukums",
                    "Datums",
                    "Korespondents",
                    "Lieta",
                    "Protokols",
                ),
                doc_rows,
            ),
            heading("Saņemtie pieprasījumi"),
            html_table(
                ("Laiks", "Protokols", "Darbība", "Par ko"),
                [
                    (r["at"], r["protocol"], r["operation"], r["subject"])
                    for r in received
                ],
            ),
            heading("Reģistrācijas pieprasījumi"),
            html_table(("Kopā", "Unikāli", "Dublikāti"), [counts], empty="Nav."),
        )


_default: DvsSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> DvsSimulator:
    """The process-wide simulator that simulated DVS calls and /sim/dvs/ share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DvsSimulator()
        return _default
