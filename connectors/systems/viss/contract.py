# SPDX-License-Identifier: EUPL-1.2
"""The VISS contract as data: where the WSDL lives, its operations, its fault codes.

The client and the simulator both read the same files in ``wsdl/``: one SOAP 1.1
document/literal service (``viss.wsdl``) whose operations each reach one registry, with
one schema per registry (``ur.xsd``, ``pmlp.xsd``, …) and the shared header, address
and error types in ``common.xsd``. Both sides also check every message against those
schemas with lxml, independently of zeep, so a drift on either side is caught.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import zeep
from lxml import etree
from zeep.wsdl import Document

WSDL_DIR: Final = Path(__file__).resolve().parent / "wsdl"
WSDL_PATH: Final = WSDL_DIR / "viss.wsdl"
SCHEMA_FILES: Final = tuple(sorted(p.name for p in WSDL_DIR.glob("*.xsd")))

NS: Final = "urn:pkip:viss:1"
COMMON_NS: Final = "urn:pkip:viss:common:1"
SOAP_ENV_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
BINDING: Final = f"{{{NS}}}VissSoapBinding"

# zeep ships py.typed, but its constructors carry no annotations.
untyped_zeep: Any = zeep

# Codes of c:ServiceError in a fault's detail.
NOT_FOUND: Final = "NOT_FOUND"
INVALID_REQUEST: Final = "INVALID_REQUEST"
ACCESS_DENIED: Final = "ACCESS_DENIED"
INTERNAL: Final = "INTERNAL"


@dataclass(frozen=True)
class Operation:
    """One SOAP operation and the PKIP operator that calls it."""

    operator: str  # "ur.company"
    soap_name: str  # "GetCompany"
    registry: str  # "UR"
    key: str  # the request element that identifies the record (logged masked)

    @property
    def prefix(self) -> str:
        return self.operator.split(".", 1)[0]

    @property
    def namespace(self) -> str:
        return f"urn:pkip:viss:{self.prefix}:1"

    @property
    def request_tag(self) -> str:
        return f"{{{self.namespace}}}{self.soap_name}Request"

    @property
    def response_tag(self) -> str:
        return f"{{{self.namespace}}}{self.soap_name}Response"

    @property
    def system(self) -> str:
        return f"VISS/{self.registry}"


OPERATIONS: Final = (
    Operation("ur.company", "GetCompany", "UR", "registrationNumber"),
    Operation("pmlp.person", "GetPerson", "PMLP", "personalCode"),
    Operation("vid.taxpayer", "GetTaxpayer", "VID", "code"),
    Operation("vzd.parcel", "GetParcel", "VZD", "cadastreNumber"),
    Operation("vzd.building", "GetBuilding", "VZD", "cadastreDesignation"),
    Operation("vzd.address", "SearchAddress", "VZD", "query"),
    Operation("ldc.dogs", "GetDogsByOwner", "LDC", "ownerCode"),
    Operation("viis.preschools", "GetPreschools", "VIIS", "atvk"),
    Operation("viis.child", "GetChildEnrolment", "VIIS", "personalCode"),
    Operation("plus.client_status", "GetClientStatus", "PLUS", "personalCode"),
)
BY_OPERATOR: Final = {op.operator: op for op in OPERATIONS}
BY_REQUEST_TAG: Final = {op.request_tag: op for op in OPERATIONS}


@lru_cache(maxsize=1)
def wsdl_document() -> Document:
    """The parsed WSDL, loaded once per process and shared by every client.

    A zeep ``Document`` is read-only once loaded; each client brings its own
    transport (the one here only reads the local files).
    """
    document: Document = untyped_zeep.wsdl.Document(
        str(WSDL_PATH), untyped_zeep.Transport(), settings=zeep_settings()
    )
    return document


def zeep_settings() -> zeep.Settings:
    """Strict parsing; no DTDs, entities or remote imports in anything we read."""
    return zeep.Settings(
        strict=True,
        xml_huge_tree=False,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


_schemas = threading.local()
_ELEMENT: Final = re.compile(r"Element '([^']+)'")


def schema() -> etree.XMLSchema:
    """Every message element of the contract, for lxml validation.

    One compiled schema per thread: lxml keeps a validator's error log on the object.
    """
    compiled: etree.XMLSchema | None = getattr(_schemas, "schema", None)
    if compiled is None:
        imports = "".join(
            f'<xs:import namespace="urn:pkip:viss:{name[:-4]}:1"'
            f' schemaLocation="{name}"/>'
            for name in SCHEMA_FILES
        )
        source = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f"{imports}</xs:schema>"
        )
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(
            source, parser=parser, base_url=(WSDL_DIR / "all.xsd").as_uri()
        )
        compiled = etree.XMLSchema(root)
        _schemas.schema = compiled
    return compiled


def schema_errors(element: etree._Element) -> str | None:
    """None when ``element`` is a valid message of the contract, else why not.

    Only the element's name is given: lxml's messages repeat the offending value,
    which may be a personal code.
    """
    checker = schema()
    if checker.validate(element):
        return None
    error = checker.error_log.last_error
    if error is None:
        return "invalid"
    match = _ELEMENT.match(error.message)
    name = etree.QName(match.group(1)).localname if match else "?"
    return f"element {name}"
