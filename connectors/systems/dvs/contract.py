# SPDX-License-Identifier: EUPL-1.2
"""The DVS request shapes and their checks, shared by both protocols, the client and
the simulator (the XSD in ``wsdl/dvs.xsd`` says the same for SOAP).

A document on the REST wire (and inside the simulator)::

    {"direction": "incoming", "document_type": "iesniegums", "title": "…",
     "document_date": "2026-03-02", "correspondent": {"name": "…", "code": "…"},
     "case_number": "SN-2026-0001", "summary": "…"}   (code, case_number, summary
                                                       optional)

Errors name wire paths (``correspondent.code``); the client renames them to its
operator's parameters (``correspondent_code``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from connectors.restkit import FieldProblem
from forms.formats import is_date
from forms.identifiers import (
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
)

_STATUS: Final = {
    "NotFound": 404,
    "InvalidRequest": 422,
    "Rejected": 409,
    "Unavailable": 503,
}
DIRECTIONS: Final = ("incoming", "outgoing")
REQUIRED: Final = "Obligāts lauks"

# wire path -> operator parameter, for the client's messages
PARAM_OF_WIRE: Final = {
    "correspondent": "correspondent_name",
    "correspondent.name": "correspondent_name",
    "correspondent.code": "correspondent_code",
}
# wire path -> SOAP element path (a fault's ``field``), and back
SOAP_OF_WIRE: Final = {
    "idempotency_key": "idempotencyKey",
    "direction": "direction",
    "document_type": "documentType",
    "title": "title",
    "document_date": "documentDate",
    "correspondent": "correspondent",
    "correspondent.name": "correspondent/name",
    "correspondent.code": "correspondent/code",
    "case_number": "caseNumber",
    "summary": "summary",
    "personal_code": "personalCode",
}
WIRE_OF_SOAP: Final = {soap: wire for wire, soap in SOAP_OF_WIRE.items()}


class DvsError(Exception):
    """A refusal, the same on both protocols (a SOAP fault or a problem reply)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def http_status(self) -> int:
        return _STATUS[self.code]


def _text(value: object, limit: int, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        return REQUIRED
    if len(value) > limit:
        return f"Ne garāks par {limit} rakstzīmēm"
    return None


def check_document(doc: Mapping[str, Any]) -> list[FieldProblem]:
    """Every problem of a document to register (messages never repeat a value)."""
    problems: list[FieldProblem] = []

    def bad(path: str, message: str | None) -> None:
        if message:
            problems.append(FieldProblem(path, message))

    if doc.get("direction") not in DIRECTIONS:
        bad("direction", "Jābūt incoming vai outgoing")
    bad("document_type", _text(doc.get("document_type"), 100))
    bad("title", _text(doc.get("title"), 300))
    document_date = doc.get("document_date")
    if not isinstance(document_date, str) or not is_date(document_date):
        bad("document_date", "Nederīgs datums (GGGG-MM-DD)")
    correspondent = doc.get("correspondent")
    if not isinstance(correspondent, Mapping):
        bad("correspondent", REQUIRED)
    else:
        bad("correspondent.name", _text(correspondent.get("name"), 300))
        code = correspondent.get("code")
        if code is not None and not (
            isinstance(code, str)
            and (is_personas_kods(code) or is_registracijas_numurs(code))
        ):
            bad(
                "correspondent.code",
                "Nav derīgs personas kods vai reģistrācijas numurs",
            )
    bad("case_number", _text(doc.get("case_number"), 100, required=False))
    bad("summary", _text(doc.get("summary"), 2000, required=False))
    return problems


def check_personal_code(value: object) -> list[FieldProblem]:
    if isinstance(value, str) and is_personas_kods(value):
        return []
    return [FieldProblem("personal_code", "Nederīgs personas kods")]


def normalize_code(code: str) -> str:
    """A personal code with its dash; a registration number as it is."""
    return normalize_personas_kods(code) if is_personas_kods(code) else code.strip()


def document_from_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The wire document from the flat parameters of ``dvs.register_document``."""
    correspondent: dict[str, Any] = {"name": params.get("correspondent_name")}
    code = params.get("correspondent_code")
    if code:
        correspondent["code"] = normalize_code(code) if isinstance(code, str) else code
    doc: dict[str, Any] = {
        "direction": params.get("direction"),
        "document_type": params.get("document_type"),
        "title": params.get("title"),
        "document_date": params.get("document_date"),
        "correspondent": correspondent,
    }
    for optional in ("case_number", "summary"):
        if params.get(optional) is not None:
            doc[optional] = params[optional]
    return doc


def as_params(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Problems renamed from wire paths to the operator's parameter names."""
    return [
        FieldProblem(PARAM_OF_WIRE.get(p.path, p.path), p.message) for p in problems
    ]
