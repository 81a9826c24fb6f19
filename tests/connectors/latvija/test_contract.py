# SPDX-License-Identifier: EUPL-1.2
"""The SAML 2.0 round trip: PKIP's service provider against the simulated latvija.lv
identity provider, through the real bindings (a redirect URL, an HTTP-POST form)."""

from __future__ import annotations

import base64
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from connectors.systems.latvija import fixtures
from connectors.systems.latvija.client import LatvijaClient, SignInRefused
from connectors.systems.latvija.simulator import TAMPERED_CODE, LatvijaSimulator
from tests.connectors.latvija.conftest import IDP_BASE

JANIS = fixtures.PERSONS[0]
LIGA = fixtures.PERSONS[1]


def _request(sp: LatvijaClient) -> tuple[str, str]:
    request_id, url = sp.sign_in_url("RIGA")
    return request_id, parse_qs(urlsplit(url).query)["SAMLRequest"][0]


def test_a_signed_response_gives_the_person(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    acs, response = idp.respond(IDP_BASE, saml_request, JANIS)
    assert acs == "http://portal.test/portals/saml/acs"
    xml = base64.b64decode(response).decode()
    assert xml.count("SignatureValue>") == 4  # response and assertion
    who = sp.identity(response, {request_id: "/"})
    assert (who.personal_code, who.full_name) == ("161175-19997", "Jānis Bērziņš")
    assert who.company is None
    assert who.in_response_to == request_id and who.assertion_id
    assert len(who.name_id) == 32 and "161175" not in who.name_id


def test_a_representative_gets_the_company(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    _, response = idp.respond(IDP_BASE, saml_request, LIGA, "40003000002")
    who = sp.identity(response, {request_id: "/"})
    assert who.personal_code == "328673-00679"
    assert who.company is not None
    assert who.company.registration_number == "40003000002"
    assert who.company.name == 'SIA "Zaļā Mežsaimniecība"'


def test_a_tampered_signature_is_refused(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    idp.faults.inject("sso", "tampered")
    _, response = idp.respond(IDP_BASE, saml_request, JANIS)
    assert TAMPERED_CODE in base64.b64decode(response).decode()
    with pytest.raises(SignInRefused) as refused:
        sp.identity(response, {request_id: "/"})
    assert refused.value.reason == "signature"


def test_a_changed_personal_code_is_refused(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    _, response = idp.respond(IDP_BASE, saml_request, JANIS)
    xml = base64.b64decode(response).decode().replace("161175-19997", "328673-00679")
    with pytest.raises(SignInRefused) as refused:
        sp.identity(base64.b64encode(xml.encode()).decode(), {request_id: "/"})
    assert refused.value.reason == "signature"


def test_a_response_for_another_audience_is_refused(
    sp: LatvijaClient, idp: LatvijaSimulator, saml_keys: Path
) -> None:
    # A genuine response, signed for another service provider, brought to ours.
    other = LatvijaClient(
        base_url="http://cits.test",
        acs_path="/acs",
        metadata_path="/metadata",
        keys=saml_keys,
        idp_metadata=idp.metadata_xml(IDP_BASE),
    )
    request_id, saml_request = _request(other)
    _, response = idp.respond(IDP_BASE, saml_request, JANIS)
    assert other.identity(response, {request_id: "/"}).personal_code
    with pytest.raises(SignInRefused) as refused:
        sp.identity(response, {request_id: "/"})
    assert refused.value.reason == "audience"


def test_a_response_to_no_outstanding_request_is_refused(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    _, response = idp.respond(IDP_BASE, saml_request, JANIS)
    sp.identity(response, {request_id: "/"})
    # the same response again, its request no longer outstanding: a replay
    with pytest.raises(SignInRefused) as refused:
        sp.identity(response, {})
    assert refused.value.reason == "unsolicited"


def test_a_cancelled_sign_in_is_refused(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    request_id, saml_request = _request(sp)
    _, response = idp.respond(IDP_BASE, saml_request, None)
    with pytest.raises(SignInRefused) as refused:
        sp.identity(response, {request_id: "/"})
    assert refused.value.reason == "cancelled"


def test_garbage_is_refused(sp: LatvijaClient) -> None:
    for junk in ("", "bm90IHhtbA==", "<x/>" * 10):
        with pytest.raises(SignInRefused):
            sp.identity(junk, {"id-1": "/"})


def test_the_simulator_pages_speak_the_bindings(
    sp: LatvijaClient, idp: LatvijaSimulator
) -> None:
    browser = Client(idp)
    request_id, url = sp.sign_in_url("RIGA")
    query = urlsplit(url).query
    page = browser.get("/sso", query_string=query, base_url=IDP_BASE).get_data(
        as_text=True
    )
    assert "Pieteikties kā" in page and "Līga Ozola — pārstāv" in page
    assert "161175-19997" not in page  # masked
    fields = {
        "SAMLRequest": parse_qs(query)["SAMLRequest"][0],
        "RelayState": "RIGA",
        "who": "p1c1",
    }
    answer = browser.post("/sso", data=fields, base_url=IDP_BASE)
    html = answer.get_data(as_text=True)
    assert 'action="http://portal.test/portals/saml/acs"' in html
    response = unescape(re.search(r'name="SAMLResponse" value="([^"]+)"', html)[1])
    who = sp.identity(response, {request_id: "/"})
    assert who.company is not None and who.company.registration_number == "40003000002"
    assert "32****-****9" in browser.get("/", base_url=IDP_BASE).get_data(as_text=True)


def test_an_unknown_service_provider_is_refused(idp: LatvijaSimulator) -> None:
    browser = Client(idp)
    reply = browser.get("/sso?SAMLRequest=bm90aGluZw%3D%3D", base_url=IDP_BASE)
    assert reply.status_code == 400
    assert browser.get("/sso", base_url=IDP_BASE).status_code == 400


def test_the_metadata_names_the_sso_and_the_certificate(idp: LatvijaSimulator) -> None:
    xml = Client(idp).get("/metadata", base_url=IDP_BASE).get_data(as_text=True)
    assert f'Location="{IDP_BASE}/sso"' in xml and "X509Certificate" in xml
