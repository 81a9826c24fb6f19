# SPDX-License-Identifier: EUPL-1.2
"""Fault injection, each fault's connector error, and what the simulator refuses
from a client that skips the checks (raw SOAP)."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from connectors.errors import (
    ConnectorError,
    InvalidRequest,
    NotFound,
    Rejected,
    Unavailable,
)
from connectors.soapkit import SOAP12_NS, mask_identifiers
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.simulator import DeppSimulator
from connectors.transport import in_process_session
from tests.connectors.depp.conftest import BASE_URL, RESIDENT_EADDRESS, send

NS = "http://pkip.lv/schemas/depp/2026/1"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("timeout", "HTTP 504"),
        ("http500", "not a SOAP fault"),
        ("soap_fault", "simulēta kļūme"),
        ("malformed", "malformed reply"),
        ("xml_bomb", "DTDForbidden"),
    ],
)
def test_every_injected_fault_is_unavailable(
    client: DeppClient, sim: DeppSimulator, kind: str, message: str
) -> None:
    sim.faults.inject("*", kind)
    with pytest.raises(Unavailable, match=message) as caught:
        client.get_message_list()
    assert caught.value.retryable
    assert sim.faults.served[kind] == 1
    assert len(client.get_message_list()) == 2  # served once, then normal again


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("InvalidRequest", InvalidRequest),
        ("NotFound", NotFound),
        ("Rejected", Rejected),
        ("Unavailable", Unavailable),
    ],
)
def test_fault_codes_map_to_connector_errors(
    client: DeppClient, sim: DeppSimulator, code: str, error: type[ConnectorError]
) -> None:
    sim.faults.inject("*", "soap_fault", code=code)
    with pytest.raises(error):
        client.search_addressee("161175-19997")


def test_faults_count_and_target_one_operation(
    client: DeppClient, sim: DeppSimulator
) -> None:
    sim.faults.inject("SendMessage", "http500", count=2)
    assert client.search_addressee("161175-19997").active  # other operations pass
    for _ in range(2):
        with pytest.raises(Unavailable):
            send(client)
    assert sim.faults.pending() == {}
    assert send(client).duplicate is False
    assert (sim.received_total, sim.unique) == (1, 1)


def test_a_lost_reply_then_a_retry_sends_once(
    client: DeppClient, sim: DeppSimulator
) -> None:
    """The outbox's case: the send took effect, the reply was lost, the retry with
    the same key must not send again."""
    sim.faults.inject("SendMessage", "timeout", after_processing=True)
    with pytest.raises(Unavailable):
        send(client, "instance-9:task-3")
    assert sim.unique == 1  # it did arrive
    retry = send(client, "instance-9:task-3")
    assert retry.duplicate is True
    assert (sim.received_total, sim.unique, sim.duplicates) == (2, 1, 1)
    assert len(sim.mailbox(RESIDENT_EADDRESS)) == 1


def test_unknown_fault_kinds_are_refused(sim: DeppSimulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        sim.faults.inject("*", "meteor")
    with pytest.raises(ValueError, match="count"):
        sim.faults.inject("*", "timeout", count=0)


# -- raw SOAP: what the simulator refuses by itself ----------------------------------


def _post(sim: DeppSimulator, body: bytes) -> tuple[int, str | None, str]:
    session = in_process_session(BASE_URL, sim)
    response = session.post(
        BASE_URL + "/",
        data=body,
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
    )
    root = etree.fromstring(response.content)
    subcode = root.findtext(f".//{{{SOAP12_NS}}}Subcode/{{{SOAP12_NS}}}Value")
    reason = root.findtext(f".//{{{SOAP12_NS}}}Reason/{{{SOAP12_NS}}}Text") or ""
    return response.status_code, subcode, reason


def _envelope(payload: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="{SOAP12_NS}"'
        f' xmlns:d="{NS}"><env:Body>{payload}</env:Body></env:Envelope>'
    ).encode()


def _send_payload(recipient: str, name: str, mime: str, content: bytes) -> str:
    return (
        "<d:SendMessageRequest><d:Envelope>"
        "<d:SenderAddress>_DEFAULT@90011524360</d:SenderAddress>"
        f"<d:Recipients><d:Recipient>{recipient}</d:Recipient></d:Recipients>"
        "<d:DocumentKind>Lēmums</d:DocumentKind><d:Title>Lēmums</d:Title>"
        "<d:ClientMessageId>raw-1</d:ClientMessageId>"
        f"<d:Attachments><d:Attachment><d:FileName>{name}</d:FileName>"
        f"<d:MimeType>{mime}</d:MimeType>"
        f"<d:Content>{base64.b64encode(content).decode()}</d:Content>"
        "</d:Attachment></d:Attachments></d:Envelope></d:SendMessageRequest>"
    )


def test_raw_send_of_a_valid_message_is_accepted(sim: DeppSimulator) -> None:
    payload = _send_payload(RESIDENT_EADDRESS, "a.pdf", "application/pdf", demo_pdf())
    session = in_process_session(BASE_URL, sim)
    response = session.post(BASE_URL + "/", data=_envelope(payload))
    assert response.status_code == 200 and sim.unique == 1


@pytest.mark.parametrize(
    ("recipient", "name", "mime", "content", "reason"),
    [
        # fits the XSD pattern, fails the check digit
        ("_PRIVATE@16117519998", "a.pdf", "application/pdf", demo_pdf(), "personas"),
        ("_DEFAULT@40003521601", "a.pdf", "application/pdf", demo_pdf(), "reģistr"),
        # the XSD's enumeration refuses other MIME types
        (RESIDENT_EADDRESS, "a.png", "image/png", b"\x89PNG", "shēmai"),
        (RESIDENT_EADDRESS, "a.pdf", "application/pdf", b"not a pdf", "saturs"),
        (
            RESIDENT_EADDRESS,
            "a.pdf",
            "application/pdf",
            b"%PDF-" + bytes(10 * 1024 * 1024),
            "10 MiB",
        ),
    ],
    ids=["person-check-digit", "company-check-digit", "png", "not-pdf", "oversized"],
)
def test_raw_send_that_breaks_the_rules_is_refused(
    sim: DeppSimulator,
    recipient: str,
    name: str,
    mime: str,
    content: bytes,
    reason: str,
) -> None:
    status, subcode, text = _post(
        sim, _envelope(_send_payload(recipient, name, mime, content))
    )
    assert (status, subcode) == (400, "d:InvalidRequest")
    assert reason in text
    assert "19998" not in text and sim.unique == 0


def test_schema_errors_do_not_echo_personal_codes(sim: DeppSimulator) -> None:
    payload = (
        "<d:SearchAddresseeUnitRequest><d:Identifier>161175-199970"
        "</d:Identifier></d:SearchAddresseeUnitRequest>"
    )
    status, subcode, text = _post(sim, _envelope(payload))
    assert (status, subcode) == (400, "d:InvalidRequest")
    assert "19997" not in text


def test_an_xml_bomb_is_refused(sim: DeppSimulator) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        + _envelope("<d:GetMessageListRequest>&lol3;</d:GetMessageListRequest>")[38:]
    )
    status, subcode, text = _post(sim, bomb)
    assert (status, subcode) == (400, "d:InvalidRequest")
    assert "DTD" in text


def test_external_entities_are_refused(sim: DeppSimulator) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + _envelope(
            "<d:SearchAddresseeUnitRequest><d:Identifier>&xxe;</d:Identifier>"
            "</d:SearchAddresseeUnitRequest>"
        )[38:]
    )
    status, subcode, _ = _post(sim, xxe)
    assert (status, subcode) == (400, "d:InvalidRequest")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<not-closed", "nekorekts XML"),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<s:Body/></s:Envelope>",
            "SOAP 1.2",
        ),
        (_envelope("<d:DeleteEverythingRequest/>"), "nezināma operācija"),
        (_envelope(""), "vienam elementam"),
    ],
)
def test_malformed_requests_are_refused(
    sim: DeppSimulator, body: bytes, reason: str
) -> None:
    status, subcode, text = _post(sim, body)
    assert (status, subcode) == (400, "d:InvalidRequest")
    assert reason in text


def test_requests_over_the_size_limit_are_refused(sim: DeppSimulator) -> None:
    sim.max_request_bytes = 2000
    payload = _send_payload(RESIDENT_EADDRESS, "a.pdf", "application/pdf", demo_pdf())
    status, subcode, text = _post(sim, _envelope(payload) + b" " * 2000)
    assert (status, subcode, text) == (
        400,
        "d:InvalidRequest",
        "pieprasījums ir par lielu",
    )


def test_get_and_other_methods(sim: DeppSimulator) -> None:
    session = in_process_session(BASE_URL, sim)
    assert session.get(BASE_URL + "/").status_code == 200
    assert session.delete(BASE_URL + "/").status_code == 405


def test_mask_identifiers() -> None:
    text = "kods 161175-19997 un 40003521600, ne 123"
    assert mask_identifiers(text) == "kods 16****-****7 un 40****-****0, ne 123"
