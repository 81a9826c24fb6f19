# SPDX-License-Identifier: EUPL-1.2
"""The SOAP endpoint itself: the WSDL it serves, and envelopes it must refuse."""

from __future__ import annotations

import logging

import pytest
from lxml import etree
from werkzeug.test import Client

from connectors.restkit import FieldsRefused
from connectors.systems.dvs import DvsSimulator, dvs_client
from connectors.systems.dvs.soap_server import NS, SOAP_ENV, WSDL_PATH

ENVELOPE = (
    f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:d="{NS}"><soap:Body>'
    "{body}</soap:Body></soap:Envelope>"
)


def _fault(response_body: bytes) -> dict[str, str | None]:
    root = etree.fromstring(response_body)
    detail = root.find(f".//{{{NS}}}DvsFault")
    assert detail is not None
    return {
        "faultcode": root.findtext(".//faultcode"),
        "code": detail.findtext(f"{{{NS}}}code"),
        "field": detail.findtext(f"{{{NS}}}field"),
    }


def test_wsdl_and_xsd_are_served(sim: DvsSimulator) -> None:
    http = Client(sim)
    assert http.get("/soap").data == WSDL_PATH.read_bytes()
    assert b"RegisterDocumentRequest" in http.get("/dvs.xsd").data


def test_unknown_operation_is_a_client_fault(sim: DvsSimulator) -> None:
    response = Client(sim).post("/soap", data=ENVELOPE.format(body="<d:Nothing/>"))
    assert response.status_code == 500
    assert _fault(response.data) == {
        "faultcode": "soap:Client",
        "code": "InvalidRequest",
        "field": None,
    }


def test_missing_element_is_named(sim: DvsSimulator) -> None:
    body = "<d:GetUnfinishedWorkCountRequest/>"
    response = Client(sim).post("/soap", data=ENVELOPE.format(body=body))
    assert _fault(response.data)["field"] == "personalCode"


def test_dtd_and_entities_are_refused(sim: DvsSimulator) -> None:
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + ENVELOPE.format(
            body="<d:GetUserSystemsRequest><d:personalCode>&e;</d:personalCode>"
            "</d:GetUserSystemsRequest>"
        )
    )
    response = Client(sim).post("/soap", data=hostile)
    assert response.status_code == 500
    assert b"root:" not in response.data
    assert _fault(response.data)["code"] == "InvalidRequest"


def test_not_xml_is_a_client_fault(sim: DvsSimulator) -> None:
    response = Client(sim).post("/soap", data=b"hello")
    assert _fault(response.data)["code"] == "InvalidRequest"


def test_http500_fault_is_a_server_fault(sim: DvsSimulator) -> None:
    sim.inject("user_systems", "http500")
    body = (
        "<d:GetUserSystemsRequest><d:personalCode>161175-19997</d:personalCode>"
        "</d:GetUserSystemsRequest>"
    )
    response = Client(sim).post("/soap", data=ENVELOPE.format(body=body))
    assert response.status_code == 500
    assert _fault(response.data)["faultcode"] == "soap:Server"
    assert sim.received == []  # refused before it was processed


def test_no_personal_code_reaches_the_log(
    sim: DvsSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = dvs_client("RIGA", sim, environ={"PKIP_DVS_PROTOCOL": "soap"})
    try:
        client.user_systems("161175-19997")
        with pytest.raises(FieldsRefused):
            client.unfinished_count("161175-19998")
    finally:
        client.close()
    assert "161175" not in caplog.text
