# SPDX-License-Identifier: EUPL-1.2
"""DVS clients: the same three calls over SOAP (zeep, ``wsdl/dvs.wsdl``) or REST/JSON.

Which one a municipality uses is configuration: ``PKIP_DVS_PROTOCOL`` (``soap``, the
default, or ``rest``), per municipality ``PKIP_DVS__<CODE>_PROTOCOL``. Both check
their input the same way first, and both name refused fields by the operator's
parameter names (``document_date``, ``correspondent_code``, ``personal_code``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Protocol, TypeVar

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.helpers import serialize_object
from zeep.transports import Transport
from zeep.wsdl import Document

from connectors.config import (
    ConnectorConfigError,
    SystemConfig,
    http_session,
    system_config,
)
from connectors.errors import InvalidRequest, NotFound, Rejected, Unavailable
from connectors.restkit import (
    FieldProblem,
    FieldsRefused,
    json_object,
    send,
)
from connectors.systems.dvs.contract import (
    WIRE_OF_SOAP,
    as_params,
    check_document,
    check_personal_code,
    normalize_code,
)
from connectors.systems.dvs.simulator import default_simulator
from connectors.systems.dvs.soap_server import NS, WSDL_PATH
from connectors.transport import WSGIApp

SYSTEM: Final = "DVS"
SOAP: Final = "soap"
REST: Final = "rest"
_BINDING: Final = f"{{{NS}}}DvsSoapBinding"
T = TypeVar("T")

# zeep's transport logs whole envelopes (personal codes included) at DEBUG; ours gets
# a logger of its own that never goes below INFO, whatever the root level.
_TRANSPORT_LOG: Final = logging.getLogger(__name__ + ".transport")
_TRANSPORT_LOG.setLevel(logging.INFO)


class DvsClient(Protocol):
    """What the platform asks of a document system, whatever the protocol."""

    protocol: str

    def register_document(
        self, document: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Register a document (the wire shape of ``contract``); returns
        ``{document_id, registration_number, registered_at}``."""
        ...

    def unfinished_count(self, personal_code: str) -> dict[str, Any]:
        """``{count, overdue, url}`` of a user's unfinished work."""
        ...

    def user_systems(self, personal_code: str) -> dict[str, Any]:
        """``{checked_at, systems: [{code, name, url, roles}]}``."""
        ...

    def close(self) -> None: ...


def dvs_protocol(
    municipality: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    env = os.environ if environ is None else environ
    value = (
        municipality and env.get(f"PKIP_DVS__{municipality.upper()}_PROTOCOL")
    ) or env.get("PKIP_DVS_PROTOCOL")
    protocol = (value or SOAP).lower()
    if protocol not in (SOAP, REST):
        raise ConnectorConfigError(f"PKIP_DVS_PROTOCOL: soap or rest, not {value!r}")
    return protocol


def dvs_client(
    municipality: str | None,
    simulator: WSGIApp | None = None,
    environ: Mapping[str, str] | None = None,
) -> DvsClient:
    """The client a municipality's configuration asks for."""
    config = system_config(SYSTEM, municipality, environ)
    session = http_session(config, simulator or default_simulator())
    if dvs_protocol(municipality, environ) == REST:
        return DvsRestClient(config, session)
    return DvsSoapClient(config, session)


def _checked_document(document: Mapping[str, Any], where: str) -> None:
    problems = check_document(document)
    if problems:
        raise FieldsRefused(where, as_params(problems))


def _checked_code(personal_code: str, where: str) -> str:
    problems = check_personal_code(personal_code)
    if problems:
        raise FieldsRefused(where, problems)
    return normalize_code(personal_code)


class _Closing:
    session: requests.Session

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()


class DvsRestClient(_Closing):
    protocol = REST

    def __init__(self, config: SystemConfig, session: requests.Session) -> None:
        self.config = config
        self.session = session

    def _post(
        self, path: str, where: str, body: Mapping[str, Any], key: str | None = None
    ) -> requests.Response:
        try:
            return send(
                self.session,
                "POST",
                f"{self.config.base_url}/api/{path}",
                where=where,
                timeout=self.config.timeout,
                json=dict(body),
                headers={"Idempotency-Key": key} if key is not None else None,
            )
        except FieldsRefused as refused:
            raise FieldsRefused(where, as_params(refused.fields)) from None

    def register_document(
        self, document: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        where = "dvs.register_document"
        _checked_document(document, where)
        response = self._post("documents", where, document, idempotency_key)
        return json_object(response, where, "document_id", "registration_number")

    def unfinished_count(self, personal_code: str) -> dict[str, Any]:
        where = "dvs.unfinished_count"
        code = _checked_code(personal_code, where)
        response = self._post("unfinished-work", where, {"personal_code": code})
        return json_object(response, where, "count", "overdue", "url")

    def user_systems(self, personal_code: str) -> dict[str, Any]:
        where = "dvs.user_systems"
        code = _checked_code(personal_code, where)
        response = self._post("user-systems", where, {"personal_code": code})
        data = json_object(response, where, "systems")
        if not isinstance(data["systems"], list):
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return data


_document_lock = threading.Lock()
_document: Document | None = None


def _wsdl() -> Document:
    """The WSDL parsed once per process (zeep clients per call share it)."""
    global _document
    with _document_lock:
        if _document is None:
            # zeep 4.3's annotations are incomplete (and say type[Transport] here).
            transport = Transport()  # type: ignore[no-untyped-call]
            _document = Document(str(WSDL_PATH), transport, settings=_settings())  # type: ignore[arg-type]
        return _document


def _settings() -> zeep.Settings:
    return zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True)


def _fault_error(fault: zeep.exceptions.Fault, where: str) -> Exception:
    detail = fault.detail
    found = detail.find(f".//{{{NS}}}DvsFault") if detail is not None else None
    if found is None:
        return Unavailable(f"{where}: SOAP kļūda bez DvsFault")
    code = found.findtext(f"{{{NS}}}code") or ""
    message = (found.findtext(f"{{{NS}}}message") or "")[:200]
    field = found.findtext(f"{{{NS}}}field")
    if code == "NotFound":
        return NotFound(f"{where}: {message}")
    if code == "Rejected":
        return Rejected(f"{where}: {message}")
    if code == "InvalidRequest":
        if field:
            wire = WIRE_OF_SOAP.get(field, field)
            return FieldsRefused(where, as_params([FieldProblem(wire, message)]))
        return InvalidRequest(f"{where}: {message}")
    return Unavailable(f"{where}: {message}")


class DvsSoapClient(_Closing):
    protocol = SOAP

    def __init__(self, config: SystemConfig, session: requests.Session) -> None:
        self.config = config
        self.session = session
        transport = Transport(  # type: ignore[no-untyped-call]
            session=session, operation_timeout=config.timeout
        )
        transport.logger = _TRANSPORT_LOG
        client = zeep.Client(  # type: ignore[no-untyped-call]
            _wsdl(), transport=transport, settings=_settings()
        )
        self.service = client.create_service(  # type: ignore[no-untyped-call]
            _BINDING, f"{config.base_url}/soap"
        )

    def _call(self, where: str, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            result = call()
        except zeep.exceptions.Fault as fault:
            raise _fault_error(fault, where) from None
        except zeep.exceptions.ValidationError as exc:
            raise InvalidRequest(f"{where}: pieprasījums neatbilst shēmai") from exc
        except requests.Timeout as exc:
            raise Unavailable(
                f"{where}: nav atbildes {self.config.timeout:g} s laikā"
            ) from exc
        except (zeep.exceptions.Error, requests.RequestException, etree.Error) as exc:
            # zeep's own message may quote the reply: name only the kind.
            raise Unavailable(
                f"{where}: nederīga atbilde ({type(exc).__name__})"
            ) from None
        data = serialize_object(result, dict)  # type: ignore[no-untyped-call]
        if not isinstance(data, dict):
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return data

    def register_document(
        self, document: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        where = "dvs.register_document"
        _checked_document(document, where)
        correspondent = dict(document["correspondent"])
        data = self._call(
            where,
            lambda: self.service.RegisterDocument(
                idempotencyKey=idempotency_key,
                direction=document["direction"],
                documentType=document["document_type"],
                title=document["title"],
                documentDate=document["document_date"],
                correspondent=correspondent,
                caseNumber=document.get("case_number"),
                summary=document.get("summary"),
            ),
        )
        registered_at = data.get("registeredAt")
        if not isinstance(registered_at, datetime) or not data.get(
            "registrationNumber"
        ):
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return {
            "document_id": data["documentId"],
            "registration_number": data["registrationNumber"],
            "registered_at": registered_at.isoformat(),
        }

    def unfinished_count(self, personal_code: str) -> dict[str, Any]:
        where = "dvs.unfinished_count"
        code = _checked_code(personal_code, where)
        data = self._call(
            where, lambda: self.service.GetUnfinishedWorkCount(personalCode=code)
        )
        if data.get("count") is None or data.get("overdue") is None:
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return {
            "count": int(data["count"]),
            "overdue": int(data["overdue"]),
            "url": data["url"],
        }

    def user_systems(self, personal_code: str) -> dict[str, Any]:
        where = "dvs.user_systems"
        code = _checked_code(personal_code, where)
        data = self._call(where, lambda: self.service.GetUserSystems(personalCode=code))
        checked_at = data.get("checkedAt")
        if not isinstance(checked_at, datetime):
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return {
            "checked_at": checked_at.isoformat(),
            "systems": [
                {
                    "code": s["code"],
                    "name": s["name"],
                    "url": s["url"],
                    "roles": list(s.get("role") or []),
                }
                for s in data.get("system") or []
            ],
        }
