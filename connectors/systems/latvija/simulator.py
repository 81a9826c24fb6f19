# SPDX-License-Identifier: EUPL-1.2
"""A latvija.lv identity provider simulator speaking SAML 2.0 Web SSO (pysaml2).

``GET /metadata`` — the identity provider's metadata (its signing certificate and
the single sign-on address); ``GET /sso`` — takes an HTTP-Redirect AuthnRequest
from a service provider it trusts (metadata in ``<key dir>/sp/``), and shows the
tester a Latvian page to pick a test person, or a person acting for a company they
are authorised for; ``POST /sso`` — answers with a signed Response (the response
and its assertion signed) in an HTTP-POST form to the service provider's assertion
consumer service, or an ``AuthnFailed`` status when the tester cancels; ``GET /`` —
the test persons and the last sign-ins.

Faults (operation ``sso``): ``tampered`` (the personal code changed after
signing).
"""

from __future__ import annotations

import base64
import hashlib
import html
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import UnknownPrincipal, UnsupportedBinding
from saml2.saml import NAME_FORMAT_URI, NameID
from saml2.samlp import STATUS_AUTHN_FAILED
from saml2.server import Server
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connectors.simkit import (
    FaultPlan,
    dispatch,
    heading,
    html_page,
    html_table,
    mask_personas_kods,
)
from connectors.systems.latvija import contract, fixtures
from connectors.systems.latvija.keys import (
    key_dir,
    key_pair,
    trusted_sp_metadata,
    xmlsec_binary,
)

OPERATIONS = ("sso",)
FAULT_KINDS = ("tampered",)
TAMPERED_CODE = "120586-12340"
"""What ``tampered`` puts in place of the personal code after signing."""
_MAX_SIGN_INS = 50


@dataclass(frozen=True)
class SignIn:
    at: datetime
    person: str
    """The masked personal code."""
    company: str
    service_provider: str


class _Request(Request):
    max_content_length = 256 * 1024
    max_form_memory_size = 256 * 1024


def _choices() -> list[tuple[str, fixtures.TestPerson, str | None]]:
    """Every sign-in the page offers: ``(value, person, company or None)``."""
    found: list[tuple[str, fixtures.TestPerson, str | None]] = []
    for i, person in enumerate(fixtures.PERSONS):
        found.append((f"p{i}", person, None))
        for j, reg in enumerate(person.companies):
            found.append((f"p{i}c{j}", person, reg))
    return found


class LatvijaSimulator:
    """The identity provider; ``keys`` is its key directory (None: the setting,
    read at each use). The base URL of its pages comes from each request."""

    def __init__(self, keys: Path | None = None) -> None:
        self._keys = keys
        self.faults = FaultPlan(OPERATIONS, kinds=FAULT_KINDS)
        self.sign_ins: list[SignIn] = []
        self._servers: dict[tuple[Any, ...], Server] = {}
        self._lock = threading.Lock()
        self.urls = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule("/metadata", endpoint="metadata", methods=["GET"]),
                Rule("/sso", endpoint="sso", methods=["GET"]),
                Rule("/sso", endpoint="answer", methods=["POST"]),
            ]
        )

    @property
    def keys(self) -> Path:
        return self._keys or key_dir()

    # -- the identity provider -------------------------------------------------------
    def config(self, base_url: str, trusted: Iterable[Path] = ()) -> dict[str, Any]:
        key_file, cert_file = key_pair(self.keys, "idp")
        base = base_url.rstrip("/")
        return {
            "entityid": f"{base}/metadata",
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "xmlsec_binary": xmlsec_binary(),
            "metadata": {"local": [str(p) for p in trusted]},
            "accepted_time_diff": contract.CLOCK_SKEW_SECONDS,
            "service": {
                "idp": {
                    "name": "latvija.lv (simulators)",
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base}/sso", contract.REQUEST_BINDING)
                        ],
                    },
                    "name_id_format": [contract.NAME_ID_FORMAT],
                    "want_authn_requests_signed": False,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": contract.ASSERTION_MINUTES},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
        }

    def metadata_xml(self, base_url: str) -> str:
        """The identity provider's metadata for its pages at ``base_url``."""
        conf = IdPConfig()
        conf.load(self.config(base_url))
        return str(entity_descriptor(conf))

    def server(self, base_url: str) -> Server:
        trusted = trusted_sp_metadata(self.keys)
        key = (
            base_url,
            str(self.keys),
            *((str(p), p.stat().st_mtime_ns) for p in trusted),
        )
        with self._lock:
            found = self._servers.get(key)
            if found is None:
                conf = IdPConfig()
                conf.load(self.config(base_url, trusted))
                found = self._servers[key] = Server(config=conf)
            return found

    def respond(
        self,
        base_url: str,
        saml_request: str,
        person: fixtures.TestPerson | None,
        company: str | None = None,
    ) -> tuple[str, str]:
        """``(ACS URL, base64 Response)`` answering ``saml_request`` for ``person``
        (None: the tester cancelled), with the fault queued for ``sso``, if any."""
        idp = self.server(base_url)
        request = idp.parse_authn_request(saml_request, contract.REQUEST_BINDING)
        message = request.message
        issuer = message.issuer.text
        _, destination = idp.pick_binding(
            "assertion_consumer_service",
            bindings=[contract.RESPONSE_BINDING],
            entity_id=issuer,
            request=message,
        )
        if person is None:
            response = idp.create_error_response(
                message.id, destination, (STATUS_AUTHN_FAILED, "Atcelts"), sign=True
            )
            return destination, base64.b64encode(str(response).encode()).decode()
        fault = self.faults.take("sso")
        kind = fault.kind if fault is not None else None
        identity = {
            contract.PERSONAL_CODE: [person.personal_code],
            contract.GIVEN_NAME: [person.given_name],
            contract.SURNAME: [person.surname],
            contract.AUTHN_METHOD: ["simulators"],
        }
        if company is not None:
            identity[contract.LEGAL_ENTITY_CODE] = [company]
            identity[contract.LEGAL_ENTITY_NAME] = [fixtures.COMPANIES[company]]
        pairwise = hashlib.sha256(f"{issuer}|{person.personal_code}".encode())
        response = idp.create_authn_response(
            identity,
            in_response_to=message.id,
            destination=destination,
            sp_entity_id=issuer,
            name_id=NameID(
                format=contract.NAME_ID_FORMAT, text=pairwise.hexdigest()[:32]
            ),
            sign_response=True,
            sign_assertion=True,
            authn={"class_ref": contract.AUTHN_CONTEXT},
        )
        xml = str(response)
        if kind == "tampered":
            xml = xml.replace(person.personal_code, TAMPERED_CODE, 1)
        self._remember(person, company, issuer)
        return destination, base64.b64encode(xml.encode()).decode()

    def _remember(
        self, person: fixtures.TestPerson, company: str | None, issuer: str
    ) -> None:
        with self._lock:
            self.sign_ins.append(
                SignIn(
                    datetime.now(UTC),
                    mask_personas_kods(person.personal_code),
                    fixtures.COMPANIES.get(company or "", ""),
                    issuer,
                )
            )
            del self.sign_ins[:-_MAX_SIGN_INS]

    # -- WSGI --------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return dispatch(self, self.urls, _Request, environ, start_response)

    @staticmethod
    def _base(request: Request) -> str:
        return (request.host_url.rstrip("/") + request.script_root).rstrip("/")

    def _on_metadata(self, request: Request) -> Response:
        return Response(
            self.metadata_xml(self._base(request)),
            content_type="application/samlmetadata+xml; charset=utf-8",
        )

    def _on_sso(self, request: Request) -> Response:
        saml_request = request.args.get("SAMLRequest", "")
        relay = request.args.get("RelayState", "")
        refusal = self._check(request, saml_request)
        if refusal is not None:
            return refusal
        return _choice_page(self._base(request), saml_request, relay)

    def _on_answer(self, request: Request) -> Response:
        saml_request = request.form.get("SAMLRequest", "")
        relay = request.form.get("RelayState", "")
        refusal = self._check(request, saml_request)
        if refusal is not None:
            return refusal
        choice = request.form.get("who", "")
        chosen = next((c for c in _choices() if c[0] == choice), None)
        if chosen is None and "cancel" not in request.form:
            return _choice_page(
                self._base(request), saml_request, relay, "Izvēlieties, kā pieteikties."
            )
        person, company = (chosen[1], chosen[2]) if chosen else (None, None)
        acs, response = self.respond(self._base(request), saml_request, person, company)
        return _post_page(acs, response, relay)

    def _check(self, request: Request, saml_request: str) -> Response | None:
        if not saml_request:
            return _refusal("Nav SAML autentifikācijas pieprasījuma (SAMLRequest).")
        try:
            idp = self.server(self._base(request))
            message = idp.parse_authn_request(
                saml_request, contract.REQUEST_BINDING
            ).message
            idp.pick_binding(
                "assertion_consumer_service",
                bindings=[contract.RESPONSE_BINDING],
                entity_id=message.issuer.text,
                request=message,
            )
        except (UnknownPrincipal, UnsupportedBinding, KeyError):
            return _refusal(
                "Pakalpojumu sniedzējs nav reģistrēts (metadati nav zināmi)."
            )
        except Exception:  # noqa: BLE001 - any unreadable request is the caller's fault
            return _refusal("SAML pieprasījumu nevar nolasīt.")
        return None

    def _on_page(self, request: Request) -> Response:
        rows = [
            (
                mask_personas_kods(p.personal_code),
                p.full_name,
                ", ".join(fixtures.COMPANIES[c] for c in p.companies) or "—",
            )
            for p in fixtures.PERSONS
        ]
        recent = [
            (
                s.at.strftime("%d.%m.%Y %H:%M:%S"),
                s.person,
                s.company or "—",
                s.service_provider,
            )
            for s in reversed(self.sign_ins)
        ]
        link = html.escape(self._base(request)) + "/metadata"
        metadata = f'<p><a href="{link}">Metadati (SAML 2.0)</a></p>'
        return html_page(
            "latvija.lv — identitātes pārbaude (simulators)",
            metadata,
            heading("Testa personas"),
            html_table(("Personas kods", "Vārds, uzvārds", "Pārstāv"), rows),
            heading("Pēdējās pieteikšanās"),
            html_table(
                ("Laiks", "Persona", "Uzņēmums", "Pakalpojuma sniedzējs"),
                recent,
                "Neviens vēl nav pieteicies.",
            ),
        )


def _refusal(text: str) -> Response:
    response = html_page(
        "latvija.lv — kļūda (simulators)", f"<p>{html.escape(text)}</p>"
    )
    response.status_code = 400
    return response


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{html.escape(value)}">'


def _choice_page(
    base: str, saml_request: str, relay: str, error: str | None = None
) -> Response:
    options = []
    for value, person, company in _choices():
        who = html.escape(person.full_name)
        label = (
            f"{who} — pārstāv {html.escape(fixtures.COMPANIES[company])}"
            if company
            else f"{who} ({mask_personas_kods(person.personal_code)})"
        )
        options.append(
            f'<li><label><input type="radio" name="who" value="{value}"> '
            f"{label}</label></li>"
        )
    alert = (
        f'<p role="alert"><strong>{html.escape(error)}</strong></p>' if error else ""
    )
    form = (
        f'{alert}<form method="post" action="{html.escape(base)}/sso">'
        + _hidden("SAMLRequest", saml_request)
        + _hidden("RelayState", relay)
        + '<fieldset><legend>Pieteikties kā</legend><ul class="choices">'
        + "".join(options)
        + "</ul></fieldset>"
        '<p><button type="submit" name="login" value="1">Pieteikties</button> '
        '<button type="submit" name="cancel" value="1">Atcelt</button></p></form>'
    )
    return html_page(
        "latvija.lv — autentifikācija (simulators)",
        "<p>Izvēlieties testa personu vai personu, kas pārstāv uzņēmumu, kuru tā ir "
        "pilnvarota pārstāvēt.</p>",
        form,
    )


def _post_page(acs: str, response: str, relay: str) -> Response:
    # The real provider posts the form with a script; the simulator's pages carry
    # none (the CSP), so the tester presses the button: the same HTTP-POST binding.
    form = (
        f'<form method="post" action="{html.escape(acs)}">'
        + _hidden("SAMLResponse", response)
        + _hidden("RelayState", relay)
        + '<button type="submit">Turpināt uz pakalpojumu</button></form>'
    )
    return html_page("latvija.lv — atgriešanās pakalpojumā (simulators)", form)


_default: LatvijaSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> LatvijaSimulator:
    """The process-wide simulator (webapp/sim.py mounts it at /sim/latvija/)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = LatvijaSimulator()
        return _default
