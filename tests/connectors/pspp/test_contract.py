# SPDX-License-Identifier: EUPL-1.2
"""The PSPP client against its simulator in process: every operation, dedup, faults."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from connectors.errors import InvalidRequest, NotFound, Rejected, Unavailable
from connectors.restkit import FieldsRefused
from connectors.systems.pspp import PsppClient, PsppSimulator, contract
from tests.connectors.pspp.factories import card, report


def test_contract_is_marked_provisional_and_every_ref_resolves() -> None:
    doc = contract.document()
    assert doc["openapi"].startswith("3.1")
    assert "PROVISIONAL" in doc["info"]["description"]
    assert set(doc["paths"]) == {
        "/service-cards/{code}",
        "/cases/{case_id}/status",
        "/cases/{case_id}",
        "/cases/{case_id}/events/{event_id}",
        "/cases/{case_id}/events",
    }

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref


def test_publish_creates_then_updates_then_is_unchanged(
    client: PsppClient, sim: PsppSimulator
) -> None:
    first = client.publish_service(card(), "k1")
    assert first["outcome"] == "created"
    assert first["version"] == 1
    assert first["published_at"] == "2026-03-02T07:00:00+00:00"
    changed = client.publish_service(card(name="Jauns nosaukums"), "k2")
    assert (changed["outcome"], changed["version"]) == ("updated", 2)
    same = client.publish_service(card(name="Jauns nosaukums"), "k3")
    assert (same["outcome"], same["version"]) == ("unchanged", 2)
    assert client.service_card("RIGA-001")["card"]["name"] == "Jauns nosaukums"


def test_fixture_catalogue_holds_pkip_services(client: PsppClient) -> None:
    assert client.service_card("PKIP-012")["card"]["name"] == "Suņu turēšanas nodeva"
    with pytest.raises(NotFound):
        client.service_card("NAV-TADA")


def test_case_status_is_stored_with_history(
    client: PsppClient, sim: PsppSimulator
) -> None:
    receipt = client.report_case_status(report(), "s1")
    assert receipt == {
        "case_id": "SN-2026-0001",
        "status": "in_progress",
        "received_at": "2026-03-02T07:00:00+00:00",
        "history_length": 1,
    }
    held = client.case("SN-2026-0001")
    assert held["report"]["history"][0]["status"] == "registered"
    with pytest.raises(NotFound):
        client.case("SN-2026-9999")


def test_repeat_with_same_key_is_deduplicated(
    client: PsppClient, sim: PsppSimulator
) -> None:
    first = client.report_case_status(report(), "same-key")
    again = client.report_case_status(report(), "same-key")
    assert again == first
    client.report_case_status(report(status="decision_made"), "other-key")
    assert (sim.received_total, sim.unique) == (3, 2)
    assert sim.ledger.duplicates == 1
    assert sim.case("SN-2026-0001")["report"]["status"] == "decision_made"  # type: ignore[index]


def test_same_key_with_another_body_is_rejected(client: PsppClient) -> None:
    client.report_case_status(report(), "k")
    with pytest.raises(Rejected):
        client.report_case_status(report(status="completed"), "k")


def test_unknown_service_code_is_rejected(client: PsppClient) -> None:
    with pytest.raises(Rejected, match="katalogā"):
        client.report_case_status(report(service_code="NAV-KATALOGA"), "k")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (card(territory=["12345"]), "territory.0"),
        (
            card(fees=[{"name": "Nodeva", "amount": "20", "currency": "EUR"}]),
            "fees.0.amount",
        ),
        (card(channels=["telegraph"]), "channels.0"),
        (
            card(provider={"name": "X", "registration_number": "40003521601"}),
            "provider.registration_number",
        ),
        ({k: v for k, v in card().items() if k != "legal_acts"}, "legal_acts"),
        (card(colour="zaļš"), "colour"),
    ],
)
def test_client_refuses_a_bad_card_naming_the_field(
    client: PsppClient, sim: PsppSimulator, body: dict[str, Any], path: str
) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.publish_service(body, "k")
    assert path in caught.value.paths
    assert isinstance(caught.value, InvalidRequest)
    assert sim.ledger.received_total == 0  # never sent


def test_server_422_names_the_field(sim: PsppSimulator) -> None:
    with PsppClient.for_municipality(None, sim, environ={}) as raw:
        raw.validate = False
        with pytest.raises(FieldsRefused) as caught:
            raw.report_case_status(report(status="lost"), "k")
    assert caught.value.paths == ["status"]
    assert sim.ledger.refused == 1


def test_server_checks_history_order(client: PsppClient) -> None:
    history = [
        {"status": "registered", "time": "2026-03-02T10:00:00+02:00"},
        {"status": "in_progress", "time": "2026-03-02T09:00:00+02:00"},
    ]
    with pytest.raises(FieldsRefused) as caught:
        client.report_case_status(report(history=history), "k")
    assert caught.value.paths == ["history.1.time"]


def test_missing_idempotency_key_is_refused(client: PsppClient) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.report_case_status(report(), "")
    assert caught.value.paths == ["Idempotency-Key"]


@pytest.mark.parametrize("fault", ["timeout", "http500", "malformed"])
def test_every_fault_is_unavailable(
    client: PsppClient, sim: PsppSimulator, fault: str
) -> None:
    sim.inject("case_status", fault)
    with pytest.raises(Unavailable):
        client.report_case_status(report(), "k")
    # The fault was used up; the retry with the same key goes through once.
    client.report_case_status(report(), "k")
    processed_before = fault != "http500"
    assert sim.ledger.duplicates == (1 if processed_before else 0)
    assert sim.ledger.unique == 1


@pytest.mark.parametrize("fault", ["timeout", "http500", "malformed"])
def test_faults_on_queries_and_publish(
    client: PsppClient, sim: PsppSimulator, fault: str
) -> None:
    sim.inject("get_case", fault)
    sim.inject("publish_service", fault)
    sim.inject("get_service_card", fault, count=2)
    with pytest.raises(Unavailable):
        client.case("SN-1")
    with pytest.raises(Unavailable):
        client.publish_service(card(), "k")
    for _ in range(2):
        with pytest.raises(Unavailable):
            client.service_card("PKIP-012")
    assert client.service_card("PKIP-012")["version"] == 1


def test_inject_refuses_unknown_names(sim: PsppSimulator) -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        sim.inject("nav", "timeout")
    with pytest.raises(ValueError, match="unknown fault"):
        sim.inject("case_status", "fire")


def test_page_lists_case_statuses_in_latvian(
    client: PsppClient, sim: PsppSimulator
) -> None:
    client.report_case_status(report(), "k")
    client.publish_service(card(name="Tirdzniecība <pasākumā>"), "p")
    page = client.session.get(client.config.base_url + "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert 'lang="lv"' in text
    assert "SN-2026-0001" in text
    assert "Izskatīšanā" in text and "Reģistrēts" in text
    assert "Tirdzniecība &lt;pasākumā&gt;" in text


def test_mounted_under_sim_pspp(sim: PsppSimulator) -> None:
    browser = Client(DispatcherMiddleware(lambda e, s: [], {"/sim/pspp": sim}))
    assert browser.get("/sim/pspp/").status_code == 200
    bare = browser.get("/sim/pspp")
    assert bare.status_code == 308
    assert bare.headers["Location"].endswith("/sim/pspp/")
    assert browser.get("/sim/pspp/nav-tadas").status_code == 404


def test_a_catalogue_card_of_0_3_0_is_accepted_and_its_fields_checked(
    client: PsppClient, sim: PsppSimulator
) -> None:
    assert contract.version() == "0.3.0-provisional"
    fuller = card(
        name_en="Permit",
        description_en="A permit.",
        applicants=["person", "company"],
        result="Atļauja.",
        result_en="A permit.",
        result_term={"days": 30, "kind": "calendar"},
        catalogue_version=2,
        fees=[
            {
                "name": "Nodeva",
                "name_en": "Fee",
                "amount": "12.50",
                "currency": "EUR",
                "unit": "par atļauju",
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
            }
        ],
    )
    assert client.publish_service(fuller, "k1")["outcome"] == "created"
    assert sim.cards["RIGA-001"]["card"]["result_term"]["kind"] == "calendar"
    page = sim.page().get_data(as_text=True)
    assert "Nodeva: 12,50 EUR (no 01.01.2026)" in page
    wrong = dict(
        fuller,
        result_term={"days": 30, "kind": "weeks"},
        applicants=["robot"],
        fees=[dict(fuller["fees"][0], valid_from="01.01.2026")],
    )
    with pytest.raises(FieldsRefused) as caught:
        client.publish_service(wrong, "k2")
    assert {"result_term.kind", "applicants.0", "fees.0.valid_from"} <= set(
        caught.value.paths
    )
