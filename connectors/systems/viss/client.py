# SPDX-License-Identifier: EUPL-1.2
"""The VISS client: zeep over the committed WSDL, errors mapped to connector errors.

One :class:`VissClient` per system configuration (endpoint, certificates, timeout).
It checks each key before calling (a malformed personal code never leaves PKIP),
sends a request header (request id, institution, municipality, user, purpose), checks
that the reply is valid against the contract's XSD and answers the same request, and
returns plain JSON-serialisable dicts (dates as ISO strings, amounts as decimal
strings). Failures become :mod:`connectors.errors`:

| what happened | error |
| --- | --- |
| fault ``NOT_FOUND`` | ``NotFound`` |
| fault ``INVALID_REQUEST``, another Client fault, a key refused before calling | ``InvalidRequest`` |
| fault ``ACCESS_DENIED``, HTTP 401/403 | ``Rejected`` |
| timeout, connection failure, HTTP 5xx, a Server fault, a reply that is not XML or breaks the schema | ``Unavailable`` |

Neither the log nor an error message holds a personal code: keys are masked
(``161175-*****``) and zeep's own debug dump of envelopes is switched off.
"""  # noqa: E501

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests
import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError, ValidationError

from connectors.config import SystemConfig, http_session
from connectors.errors import (
    ConnectorError,
    InvalidRequest,
    NotFound,
    Rejected,
    Unavailable,
)
from connectors.systems.viss import keys, results
from connectors.systems.viss.contract import (
    ACCESS_DENIED,
    BINDING,
    BY_OPERATOR,
    COMMON_NS,
    INVALID_REQUEST,
    NOT_FOUND,
    SOAP_ENV_NS,
    Operation,
    schema_errors,
    untyped_zeep,
    wsdl_document,
    zeep_settings,
)
from connectors.transport import WSGIApp

log = logging.getLogger(__name__)

SOPA = "SOPA"


@dataclass(frozen=True)
class Requester:
    """Who asks and why: the header every VISS request carries."""

    purpose: str
    institution: str = "PKIP"
    municipality: str | None = None
    user: str | None = None
    process_instance: str | None = None

    def header(self, request_id: str) -> dict[str, str]:
        header = {
            "requestId": request_id,
            "institution": self.institution,
            "municipality": self.municipality,
            "user": self.user,
            "purpose": self.purpose,
            "processInstance": self.process_instance,
        }
        return {k: v[:100] if k != "purpose" else v for k, v in header.items() if v}


class MalformedReply(Exception):
    """The reply is XML but not an answer of the contract."""


class _ReplySchemaCheck(zeep.Plugin):
    """Checks each reply against the contract's XSD before zeep reads it.

    zeep is lenient about a reply that breaks the schema (a missing element becomes
    None, a bad date may pass as text); a registry answering outside its contract is
    a failure of the registry, not data.
    """

    def ingress(
        self, envelope: etree._Element, http_headers: Any, operation: Any
    ) -> tuple[etree._Element, Any]:
        body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
        if (
            envelope.tag != f"{{{SOAP_ENV_NS}}}Envelope"
            or body is None
            or len(body) != 1
        ):
            raise MalformedReply("atbilde nav SOAP 1.1 aploksne ar vienu atbildi")
        answer = body[0]
        if answer.tag != f"{{{SOAP_ENV_NS}}}Fault":
            problem = schema_errors(answer)
            if problem is not None:
                raise MalformedReply(f"atbilde neatbilst shēmai ({problem})")
        return envelope, http_headers


class _QuietTransport(zeep.Transport):
    """zeep's transport without its DEBUG dump of every envelope: they hold
    personal codes, and logs must not."""

    def post(self, address: str, message: bytes | str, headers: Any) -> Any:
        return self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout
        )


class VissClient:
    """The registries behind VISS, one method per operation."""

    def __init__(self, config: SystemConfig, simulator: WSGIApp) -> None:
        self.config = config
        self._session = http_session(config, simulator)
        if config.simulated:
            # No network in-process: skip requests' per-call look-up of proxy
            # variables (a sixth of a simulated call's time).
            self._session.trust_env = False
        transport = _QuietTransport(  # type: ignore[no-untyped-call]
            session=self._session,
            timeout=config.timeout,
            operation_timeout=config.timeout,
        )
        client = untyped_zeep.Client(
            wsdl_document(),
            transport=transport,
            settings=zeep_settings(),
            plugins=[_ReplySchemaCheck()],
        )
        self._service = client.create_service(BINDING, config.base_url)

    def close(self) -> None:
        """Close the HTTP session (its pooled connections to a live endpoint)."""
        self._session.close()

    def __enter__(self) -> VissClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the registries -------------------------------------------------------------
    def company(self, reg_number: Any, requester: Requester) -> dict[str, Any]:
        """UR: a company by registration number (``NotFound`` if none)."""
        number = keys.registration_number(reg_number)
        reply = self._call("ur.company", number, requester, registrationNumber=number)
        return results.company(reply.company)

    def person(self, personal_code: Any, requester: Requester) -> dict[str, Any]:
        """PMLP: a person with declared address, children and wards."""
        code = keys.personal_code(personal_code)
        reply = self._call("pmlp.person", code, requester, personalCode=code)
        return results.person(reply.person)

    def taxpayer(self, code: Any, requester: Requester) -> dict[str, Any]:
        """VID: taxpayer status and tax debt of a person or a company."""
        key = keys.taxpayer_code(code)
        reply = self._call("vid.taxpayer", key, requester, code=key)
        return results.taxpayer(reply.taxpayer)

    def parcel(self, cadastre_number: Any, requester: Requester) -> dict[str, Any]:
        """VZD: a land parcel by cadastre number."""
        number = keys.cadastre_number(cadastre_number)
        reply = self._call("vzd.parcel", number, requester, cadastreNumber=number)
        return results.parcel(reply.parcel)

    def building(self, designation: Any, requester: Requester) -> dict[str, Any]:
        """VZD: a building by cadastre designation."""
        key = keys.cadastre_designation(designation)
        reply = self._call("vzd.building", key, requester, cadastreDesignation=key)
        return results.building(reply.building)

    def addresses(
        self, query: Any, requester: Requester, limit: int = 10
    ) -> list[dict[str, Any]]:
        """VZD address register: addresses matching a search text (maybe none)."""
        text = keys.address_query(query)
        if not 1 <= limit <= 50:
            raise InvalidRequest("adreses meklējums: 1 līdz 50 rezultāti")
        reply = self._call("vzd.address", text, requester, query=text, maxResults=limit)
        return [results.address_found(a) for a in reply.address]

    def dogs(self, owner_code: Any, requester: Requester) -> list[dict[str, Any]]:
        """LDC: dogs registered to an owner (maybe none)."""
        code = keys.personal_code(owner_code, "īpašnieka personas kods")
        reply = self._call("ldc.dogs", code, requester, ownerCode=code)
        return [results.dog(d) for d in reply.dog]

    def preschools(self, atvk: Any, requester: Requester) -> list[dict[str, Any]]:
        """VIIS: preschools with their programmes, in one territory or all."""
        territory = keys.atvk(atvk)
        reply = self._call(
            "viis.preschools", territory or "", requester, atvk=territory
        )
        return [results.preschool(p) for p in reply.preschool]

    def child(self, personal_code: Any, requester: Requester) -> dict[str, Any]:
        """VIIS: a child's enrolments in preschools (maybe none)."""
        code = keys.personal_code(personal_code, "bērna personas kods")
        reply = self._call("viis.child", code, requester, personalCode=code)
        return results.child(reply.child)

    def client_status(
        self, personal_code: Any, requester: Requester, requesting_system: str = SOPA
    ) -> dict[str, Any]:
        """PLUS: whether a person is a probation client (disclosed to SOPA only)."""
        code = keys.personal_code(personal_code)
        reply = self._call(
            "plus.client_status",
            code,
            requester,
            personalCode=code,
            requestingSystem=requesting_system,
        )
        return results.client_status(reply.clientStatus)

    # -- the call -------------------------------------------------------------------
    def _call(
        self, operator: str, key: str, requester: Requester, **params: Any
    ) -> Any:
        operation = BY_OPERATOR[operator]
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        outcome = "error"
        try:
            method = getattr(self._service, operation.soap_name)
            reply = method(header=requester.header(request_id), **params)
            if reply.header.requestId != request_id:
                raise Unavailable(f"{operation.system}: atbilde citam pieprasījumam")
            outcome = "ok"
            return reply
        except ConnectorError as exc:
            outcome = exc.code
            raise
        except Exception as exc:
            error = _map_error(operation, exc)
            outcome = error.code
            raise error from exc
        finally:
            log.info(
                "VISS %s request=%s key=%s outcome=%s ms=%.1f",
                operator,
                request_id,
                keys.mask(key),
                outcome,
                (time.perf_counter() - started) * 1000,
            )


def _map_error(operation: Operation, exc: Exception) -> ConnectorError:
    system = operation.system
    if isinstance(exc, Fault):
        return _map_fault(system, exc)
    if isinstance(exc, requests.Timeout):
        return Unavailable(f"{system}: atbilde nepienāca laikā")
    if isinstance(exc, requests.RequestException):
        return Unavailable(f"{system}: savienojuma kļūda ({type(exc).__name__})")
    if isinstance(exc, TransportError):
        status = exc.status_code or 0
        if status in (401, 403):
            return Rejected(f"{system}: piekļuve liegta (HTTP {status})")
        if 400 <= status < 500 and status not in (404, 408, 429):
            return InvalidRequest(f"{system}: pieprasījums noraidīts (HTTP {status})")
        return Unavailable(f"{system}: nederīga atbilde (HTTP {status})")
    if isinstance(exc, MalformedReply):
        return Unavailable(f"{system}: {exc}")
    if isinstance(exc, ValidationError):
        # zeep refused to build our request: a value breaks the schema.
        return InvalidRequest(f"{system}: pieprasījums neatbilst shēmai")
    if isinstance(exc, ZeepError | etree.LxmlError | ValueError):
        return Unavailable(f"{system}: nederīga atbilde ({type(exc).__name__})")
    raise exc  # a bug of ours, not the registry's: let it show as it is


def _map_fault(system: str, fault: Fault) -> ConnectorError:
    code, message = _service_error(fault.detail)
    text = f"{system}: {message or fault.message or 'kļūda'}"
    if code == NOT_FOUND:
        return NotFound(text)
    if code == ACCESS_DENIED:
        return Rejected(text)
    if code == INVALID_REQUEST:
        return InvalidRequest(text)
    if code is None and str(fault.code or "").endswith("Client"):
        return InvalidRequest(text)
    return Unavailable(text)


def _service_error(detail: Any) -> tuple[str | None, str | None]:
    if detail is None:
        return None, None
    error = detail.find(f"{{{COMMON_NS}}}ServiceError")
    if error is None:
        return None, None
    return error.findtext(f"{{{COMMON_NS}}}code"), error.findtext(
        f"{{{COMMON_NS}}}message"
    )
