# SPDX-License-Identifier: EUPL-1.2
"""The simulator as an HTTP service: hostile and broken requests, its page, the WSDL."""

from __future__ import annotations

import pytest
from lxml import etree
from werkzeug.test import Client, TestResponse

from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.contract import COMMON_NS, SOAP_ENV_NS, WSDL_PATH
from connectors.systems.viss.simulator import VissSimulator

from .conftest import OWNER

HEADER = (
    '<c:header xmlns:c="urn:pkip:viss:ldc:1">'
    '<h:requestId xmlns:h="urn:pkip:viss:common:1">abcdefgh-1</h:requestId>'
    '<h:institution xmlns:h="urn:pkip:viss:common:1">PKIP</h:institution>'
    '<h:purpose xmlns:h="urn:pkip:viss:common:1">Pārbaude testam</h:purpose>'
    "</c:header>"
)


def envelope(body: str, prolog: str = "") -> bytes:
    return (
        f"{prolog}<soap:Envelope xmlns:soap='{SOAP_ENV_NS}'>"
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def dogs_request(owner: str = OWNER) -> str:
    return (
        '<l:GetDogsByOwnerRequest xmlns:l="urn:pkip:viss:ldc:1">'
        f"{HEADER.replace('c:header', 'l:header').replace('xmlns:c=', 'xmlns:x=')}"
        f"<l:ownerCode>{owner}</l:ownerCode></l:GetDogsByOwnerRequest>"
    )


def error_code(response: TestResponse) -> str | None:
    root = etree.fromstring(response.get_data())
    return root.findtext(f".//{{{COMMON_NS}}}ServiceError/{{{COMMON_NS}}}code")


def post(sim: VissSimulator, data: bytes, **headers: str) -> TestResponse:
    return Client(sim).post("/", data=data, headers=headers, content_type="text/xml")


def test_a_hand_written_request_is_answered(sim: VissSimulator) -> None:
    response = post(sim, envelope(dogs_request()))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert b"Reksis" in response.get_data()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>"""
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("prolog", "owner"),
    [
        (BILLION_LAUGHS, "&lol4;"),
        (EXTERNAL, "&e;"),
        ('<!DOCTYPE x SYSTEM "x.dtd">', OWNER),
    ],
)
def test_xml_bombs_and_entities_are_refused(
    sim: VissSimulator, prolog: str, owner: str
) -> None:
    response = post(sim, envelope(dogs_request(owner), prolog))
    assert response.status_code == 500
    assert error_code(response) == "INVALID_REQUEST"
    assert "DTD" in response.get_data(as_text=True)
    assert sim.received() == []


def test_oversized_requests_are_refused_unread(sim: VissSimulator) -> None:
    padding = "<!--" + "x" * (70 * 1024) + "-->"
    response = post(sim, envelope(dogs_request() + padding))
    assert response.status_code == 413
    assert error_code(response) == "INVALID_REQUEST"


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<Envelope/>",  # not SOAP
        envelope(""),  # nothing asked
        envelope("<x:Unknown xmlns:x='urn:pkip:viss:ldc:1'/>"),
        envelope(dogs_request("161175-19998")),  # check digit
        envelope(dogs_request("not-a-code")),  # breaks the schema
        envelope(
            dogs_request().replace(HEADER[:0] + "<l:ownerCode>", "<l:x/><l:ownerCode>")
        ),
    ],
)
def test_broken_requests_get_a_client_fault(sim: VissSimulator, data: bytes) -> None:
    response = post(sim, data)
    assert response.status_code == 500
    assert error_code(response) == "INVALID_REQUEST"
    root = etree.fromstring(response.get_data())
    assert root.findtext(f".//{{{SOAP_ENV_NS}}}Fault/faultcode") == "soap:Client"


def test_soap_action_must_match(sim: VissSimulator) -> None:
    wrong = post(
        sim, envelope(dogs_request()), SOAPAction='"urn:pkip:viss:1/GetPerson"'
    )
    assert error_code(wrong) == "INVALID_REQUEST"
    right = post(
        sim, envelope(dogs_request()), SOAPAction='"urn:pkip:viss:1/GetDogsByOwner"'
    )
    assert right.status_code == 200


def test_the_page_lists_requests_with_masked_codes(
    sim: VissSimulator, client: VissClient, requester: Requester
) -> None:
    empty = Client(sim).get("/")
    assert "Pieprasījumu vēl nav" in empty.get_data(as_text=True)
    client.dogs(OWNER, requester)
    client.company("40003521600", requester)
    sim.inject("pmlp.person", "soap_fault")
    response = Client(sim).get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="lv">' in page and "VISS simulators" in page
    assert "ldc.dogs" in page and "161175-*****" in page and "atbildēts" in page
    assert OWNER not in page
    assert "40003521600" in page  # a company's number is not personal data
    assert "Gaidošās kļūmes: pmlp.person: soap_fault" in page


def test_the_page_escapes_what_it_shows(sim: VissSimulator) -> None:
    request = envelope(dogs_request()).replace(b">PKIP<", b">&lt;b&gt;X&lt;/b&gt;<")
    post(sim, request)
    page = Client(sim).get("/").get_data(as_text=True)
    assert "<b>X</b>" not in page and "&lt;b&gt;X&lt;/b&gt;" in page


def test_the_contract_is_served(sim: VissSimulator) -> None:
    wsdl = Client(sim).get("/?wsdl")
    assert wsdl.get_data() == WSDL_PATH.read_bytes()
    assert b"targetNamespace" in Client(sim).get("/common.xsd").get_data()
    assert Client(sim).get("/../viss.wsdl").status_code == 404
    assert Client(sim).get("/nothing").status_code == 404
    assert Client(sim).put("/").status_code == 405


def test_clear_forgets_requests_and_faults(
    sim: VissSimulator, client: VissClient, requester: Requester
) -> None:
    client.dogs(OWNER, requester)
    sim.inject("*", "http500")
    sim.clear()
    assert sim.received() == [] and sim.pending() == {}
