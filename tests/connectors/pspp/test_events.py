# SPDX-License-Identifier: EUPL-1.2
"""Case events against the simulator: appended in sequence, a repeat is the same
answer, anything out of order or reused is refused the way a real service would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from connectors.errors import Rejected
from connectors.restkit import FieldsRefused
from connectors.systems.pspp import PsppClient, PsppSimulator
from connectors.systems.pspp.operators import case_event, case_events, ensure_service
from core.contracts import CallContext
from tests.connectors.pspp.factories import card


def event(sequence: int, status: str = "in_progress", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event_id": str(uuid.UUID(int=sequence)),
        "case_id": "RIGA-2026-000001",
        "sequence": sequence,
        "service_code": "PKIP-012",
        "channel": "online",
        "status": status,
        "time": f"2026-03-02T09:{sequence:02d}:00+02:00",
    }
    data.update(over)
    return data


def test_events_are_appended_in_sequence_and_listed(
    client: PsppClient, sim: PsppSimulator
) -> None:
    first = client.report_case_event(event(1, "registered"), "k1")
    assert first["sequence"] == 1 and first["status"] == "registered"
    client.report_case_event(event(2, planned_deadline="2026-03-31T20:59:59Z"), "k2")
    listed = client.case_events("RIGA-2026-000001")
    assert [(e["sequence"], e["status"]) for e in listed] == [
        (1, "registered"),
        (2, "in_progress"),
    ]
    assert listed[1]["planned_deadline"] == "2026-03-31T20:59:59Z"
    assert client.case_events("RIGA-2026-000999") == []
    page = sim.page().get_data(as_text=True)
    assert "RIGA-2026-000001" in page and "Reģistrēts" in page
    assert "31.03.2026 20:59" in page


def test_the_same_event_again_gets_the_same_answer(client: PsppClient) -> None:
    first = client.report_case_event(event(1, "registered"), "k1")
    # a retried delivery after a crash, even under another key
    assert client.report_case_event(event(1, "registered"), "k1") == first
    assert client.report_case_event(event(1, "registered"), "other") == first
    assert len(client.case_events("RIGA-2026-000001")) == 1


def test_out_of_order_and_reused_events_are_refused(client: PsppClient) -> None:
    with pytest.raises(Rejected, match="Trūkst iepriekšējo notikumu"):
        client.report_case_event(event(2), "k2")  # 1 has not arrived
    client.report_case_event(event(1, "registered"), "k1")
    with pytest.raises(Rejected, match="jau saņemts"):
        # another event claiming a sequence that is taken
        client.report_case_event(event(1, event_id=str(uuid.uuid4())), "k3")
    with pytest.raises(Rejected, match="citam notikumam"):
        client.report_case_event(event(1, "cancelled"), "k4")  # same id, other body
    with pytest.raises(FieldsRefused) as refused:
        client.report_case_event(event(2, time="2026-03-02T08:00:00+02:00"), "k5")
    assert refused.value.paths == ["time"]
    assert len(client.case_events("RIGA-2026-000001")) == 1


def test_an_event_of_a_service_not_in_the_catalogue_is_refused(
    client: PsppClient,
) -> None:
    with pytest.raises(Rejected, match="nav katalogā"):
        client.report_case_event(event(1, "registered", service_code="RIGA-404"), "k")


def test_the_client_checks_an_event_before_sending(
    client: PsppClient, sim: PsppSimulator
) -> None:
    with pytest.raises(FieldsRefused) as refused:
        client.report_case_event(event(0, "unknown"), "k")
    assert set(refused.value.paths) == {"sequence", "status"}
    assert sim.ledger.received_total == 0


def test_ensure_service_keeps_a_card_pspp_has(
    client: PsppClient, sim: PsppSimulator
) -> None:
    kept = client.ensure_service(card("PKIP-012", name="Cits nosaukums"), "k1")
    assert kept["outcome"] == "exists"
    assert sim.cards["PKIP-012"]["card"]["name"] == "Suņu turēšanas nodeva"
    municipal = card("RIGA-002", provider={"name": "Rīga", "atvk": "0001000"})
    assert client.ensure_service(municipal, "k2")["outcome"] == "created"


def test_the_operators_through_the_default_simulator(
    default_sim: PsppSimulator,
) -> None:
    context = CallContext(municipality="RIGA", idempotency_key=str(uuid.UUID(int=1)))
    ensure_service({"card": card("RIGA-003")}, context)
    case_event({"event": event(1, "registered", service_code="RIGA-003")}, context)
    found = case_events({"case_id": "RIGA-2026-000001"}, CallContext())
    assert [e["status"] for e in found["events"]] == ["registered"]
