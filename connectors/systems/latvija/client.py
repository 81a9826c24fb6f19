# SPDX-License-Identifier: EUPL-1.2
"""PKIP's SAML 2.0 service provider towards latvija.lv (pysaml2 + xmlsec1).

``sign_in_url`` makes a signed AuthnRequest for the HTTP-Redirect binding;
``identity`` validates the HTTP-POST Response: the signatures of the response and
its assertion against the identity provider's certificate from its metadata, the
audience (our entity id), the destination, the validity window and that it answers
one of *our outstanding* requests (``InResponseTo``). Whether an assertion was
already used is the caller's to record (one-time assertion ids, in PKIP's
database). Every refusal is a ``SignInRefused`` naming the reason, never the data.

The identity provider's metadata: from the simulator in-process when
``PKIP_LATVIJA_MODE`` is simulated (its pages under ``<base>/sim/latvija``), else
from ``PKIP_LATVIJA_URL`` (the metadata address latvija.lv gives a registered
service provider).
"""

from __future__ import annotations

import base64
import gc
import logging
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.response import (
    IncorrectlySigned,
    StatusError,
    UnsolicitedResponse,
)
from saml2.sigver import MissingKey, SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from connectors.config import SystemConfig, http_session, system_config
from connectors.errors import Rejected, Unavailable
from connectors.systems.latvija import contract
from connectors.systems.latvija.keys import (
    key_dir,
    key_pair,
    publish_sp_metadata,
    xmlsec_binary,
)
from connectors.systems.latvija.simulator import LatvijaSimulator, default_simulator

SYSTEM = contract.SYSTEM
SIMULATOR_PATH = "/sim/latvija"
# pysaml2 writes whole responses (personal codes in them) to its log at DEBUG.
logging.getLogger("saml2").setLevel(logging.WARNING)


class SignInRefused(Rejected):
    """The identity provider's answer is not accepted; ``reason`` says why:
    ``cancelled``, ``signature``, ``audience``, ``unsolicited``, ``expired``,
    ``attributes`` or ``invalid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"sign-in refused: {reason}")
        self.reason = reason


class LatvijaClient:
    """One service provider: its entity id and endpoints under ``base_url``."""

    def __init__(
        self,
        *,
        base_url: str,
        acs_path: str,
        metadata_path: str,
        keys: Path,
        idp_metadata: str,
    ) -> None:
        base = base_url.rstrip("/")
        self.entity_id = f"{base}{metadata_path}"
        self.acs_url = f"{base}{acs_path}"
        key_file, cert_file = key_pair(keys, "sp")
        self._settings: dict[str, Any] = {
            "entityid": self.entity_id,
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "xmlsec_binary": xmlsec_binary(),
            "allow_unknown_attributes": True,
            "accepted_time_diff": contract.CLOCK_SKEW_SECONDS,
            "service": {
                "sp": {
                    "name": "PKIP e-pakalpojumi",
                    "endpoints": {
                        "assertion_consumer_service": [
                            (self.acs_url, contract.RESPONSE_BINDING)
                        ],
                    },
                    "authn_requests_signed": True,
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": False,
                    "name_id_format": contract.NAME_ID_FORMAT,
                }
            },
        }
        own = SPConfig()
        own.load(dict(self._settings))
        self._metadata = str(entity_descriptor(own))
        publish_sp_metadata(keys, self.entity_id, self._metadata)
        conf = SPConfig()
        conf.load({**self._settings, "metadata": {"inline": [idp_metadata]}})
        self._sp = Saml2Client(conf)
        idps = list(self._sp.metadata.identity_providers())
        if len(idps) != 1:
            raise Unavailable("the identity provider's metadata names no one provider")
        self.idp_entity_id = idps[0]
        self._lock = threading.Lock()

    def metadata_xml(self) -> str:
        """Our metadata, for registering with the identity provider."""
        return self._metadata

    def sign_in_url(self, relay_state: str) -> tuple[str, str]:
        """``(request id, URL)``: send the browser to the URL; keep the id as an
        outstanding request until its answer arrives."""
        with self._lock:
            request_id, info = self._sp.prepare_for_authenticate(
                entityid=self.idp_entity_id,
                relay_state=relay_state,
                binding=contract.REQUEST_BINDING,
            )
        location = dict(info["headers"])["Location"]
        return str(request_id), str(location)

    def _parse(
        self, saml_response: str, outstanding: Mapping[str, str]
    ) -> tuple[Any, str | None]:
        try:
            with self._lock:
                return self._sp.parse_authn_request_response(
                    saml_response,
                    contract.RESPONSE_BINDING,
                    outstanding=dict(outstanding),
                ), None
        except Exception as exc:  # noqa: BLE001 - sorted by _reason
            return None, _reason(exc)

    def identity(
        self, saml_response: str, outstanding: Mapping[str, str]
    ) -> contract.Identity:
        """The validated identity in an HTTP-POST ``SAMLResponse`` answering one of
        ``outstanding`` (request id → where to go); ``SignInRefused`` otherwise."""
        if not saml_response or len(saml_response) > 200_000:
            raise SignInRefused("invalid")
        if _destination(saml_response) not in (None, self.acs_url):
            raise SignInRefused("audience")  # a response for another service
        response, reason = self._parse(saml_response, outstanding)
        if reason is not None:
            _forget_temporary_files()
            raise SignInRefused(reason)
        if response is None or response.assertion is None:
            raise SignInRefused("invalid")
        found = contract.identity_from(
            response.ava,
            assertion_id=str(response.assertion.id),
            in_response_to=str(response.in_response_to),
            name_id=str(getattr(response.name_id, "text", "") or ""),
        )
        if found is None:
            raise SignInRefused("attributes")
        return found


def _destination(saml_response: str) -> str | None:
    """The Response's Destination (None when absent); ``SignInRefused`` when the
    text is not base64 XML. defusedxml refuses DTDs and entities."""
    try:
        root = safe_xml.fromstring(base64.b64decode(saml_response, validate=True))
    except (ValueError, safe_xml.ParseError, DefusedXmlException) as exc:
        raise SignInRefused("invalid") from exc
    value = root.get("Destination")
    return str(value) if value is not None else None


def _reason(exc: Exception) -> str:
    if isinstance(exc, StatusError):
        return "cancelled"
    if isinstance(exc, SignatureError | IncorrectlySigned | MissingKey):
        return "signature"
    if isinstance(exc, UnsolicitedResponse):
        return "unsolicited"
    if isinstance(exc, ResponseLifetimeExceed | ToEarly):
        return "expired"
    # pysaml2 raises plain Exceptions too; the audience check is one of them.
    return "audience" if "audience" in str(exc).lower() else "invalid"


def _forget_temporary_files() -> None:
    """pysaml2 leaves the temporary PEM files of a failed check in reference
    cycles with the exception; collect them now, quietly, not at a random later
    moment as unclosed-file warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


_clients: dict[tuple[str, str], LatvijaClient] = {}
_clients_lock = threading.Lock()


def idp_metadata(
    base_url: str,
    config: SystemConfig,
    simulator: LatvijaSimulator | None = None,
) -> str:
    """The identity provider's metadata (see the module's docstring)."""
    if config.simulated:
        sim = simulator or default_simulator()
        return sim.metadata_xml(base_url.rstrip("/") + SIMULATOR_PATH)
    url = config.base_url
    with http_session(config, simulator or default_simulator()) as session:
        try:
            reply = session.get(url, timeout=config.timeout)
        except Exception as exc:  # noqa: BLE001 - any transport failure
            raise Unavailable("latvija.lv metadata unreachable") from exc
    if reply.status_code != 200:
        raise Unavailable(f"latvija.lv metadata: HTTP {reply.status_code}")
    return reply.text


def portal_client(
    base_url: str,
    *,
    acs_path: str,
    metadata_path: str,
    keys: Path | None = None,
    simulator: LatvijaSimulator | None = None,
    environ: Mapping[str, str] | None = None,
) -> LatvijaClient:
    """The service provider for a portal served at ``base_url`` (made once per
    base URL and key directory: loading keys and metadata is not free)."""
    folder = keys or key_dir(dict(environ) if environ is not None else None)
    host = urlsplit(base_url).netloc
    cache_key = (base_url.rstrip("/"), str(folder))
    with _clients_lock:
        found = _clients.get(cache_key)
        if found is None:
            config = system_config(SYSTEM, None, environ)
            found = LatvijaClient(
                base_url=base_url,
                acs_path=acs_path,
                metadata_path=metadata_path,
                keys=folder,
                idp_metadata=idp_metadata(base_url, config, simulator),
            )
            if host:
                _clients[cache_key] = found
        return found
