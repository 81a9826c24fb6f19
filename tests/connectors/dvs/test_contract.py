# SPDX-License-Identifier: EUPL-1.2
"""Both DVS clients (SOAP and REST) against the simulator in process."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.config import ConnectorConfigError
from connectors.errors import NotFound, Rejected, Unavailable
from connectors.restkit import FieldsRefused
from connectors.systems.dvs import DvsClient, DvsSimulator, dvs_protocol
from tests.connectors.dvs.conftest import CLERK, OUTSIDER, document


def test_register_numbers_per_direction(client: DvsClient, sim: DvsSimulator) -> None:
    first = client.register_document(document(), "k1")
    assert first == {
        "document_id": "DOC-000001",
        "registration_number": "IEN/2026/00001",
        "registered_at": "2026-03-02T07:00:00+00:00",
    }
    outgoing = client.register_document(
        document(
            direction="outgoing",
            document_type="lēmums",
            correspondent={"name": "SIA X", "code": "40003521600"},
        ),
        "k2",
    )
    assert outgoing["registration_number"] == "NOS/2026/00001"
    assert client.register_document(document(), "k3")["registration_number"] == (
        "IEN/2026/00002"
    )
    held = sim.documents[1]["document"]
    assert held["correspondent"]["code"] == "40003521600"
    assert sim.documents[0]["protocol"] == client.protocol.upper()


def test_register_without_optional_fields(client: DvsClient) -> None:
    doc = document(correspondent={"name": "Anonīms"})
    del doc["case_number"]
    assert client.register_document(doc, "k")["registration_number"]


def test_repeat_with_same_key_registers_once(
    client: DvsClient, sim: DvsSimulator
) -> None:
    first = client.register_document(document(), "same")
    assert client.register_document(document(), "same") == first
    assert len(sim.documents) == 1
    assert (sim.ledger.received_total, sim.ledger.unique, sim.ledger.duplicates) == (
        2,
        1,
        1,
    )
    with pytest.raises(Rejected):
        client.register_document(document(title="Cits"), "same")


def test_unfinished_count(client: DvsClient) -> None:
    assert client.unfinished_count(CLERK) == {
        "count": 7,
        "overdue": 2,
        "url": "https://namejs.example.invalid/uzdevumi",
    }
    other = client.unfinished_count("010190-10001")
    assert other == client.unfinished_count("01019010001")  # deterministic
    assert 0 <= other["overdue"] <= other["count"]
    with pytest.raises(NotFound):
        client.unfinished_count(OUTSIDER)


def test_user_systems(client: DvsClient) -> None:
    found = client.user_systems(CLERK)
    assert found["checked_at"] == "2026-03-02T07:00:00+00:00"
    assert [s["code"] for s in found["systems"]] == ["HORIZON", "NAMEJS", "PKIP"]
    namejs = found["systems"][1]
    assert namejs["roles"] == ["lietvedis"]
    assert namejs["name"].startswith("Namejs")
    assert client.user_systems(OUTSIDER)["systems"] == []
    derived = client.user_systems("010190-10001")["systems"]
    assert "NAMEJS" in {s["code"] for s in derived}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"document_date": "2026-02-30"}, "document_date"),
        ({"title": ""}, "title"),
        (
            {"correspondent": {"name": "X", "code": "161175-19998"}},
            "correspondent_code",
        ),
        ({"correspondent": {"code": CLERK}}, "correspondent_name"),
        ({"summary": "x" * 2001}, "summary"),
    ],
)
def test_client_refuses_bad_documents_naming_the_field(
    client: DvsClient, sim: DvsSimulator, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.register_document(document(**overrides), "k")
    assert field in caught.value.paths
    assert "161175" not in str(caught.value)
    assert sim.ledger.received_total == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"document_date": "2026-02-30"}, "document_date"),
        ({"direction": "sideways"}, "direction"),
        (
            {"correspondent": {"name": "X", "code": "161175-19998"}},
            "correspondent_code",
        ),
        ({"title": "x" * 301}, "title"),
    ],
)
def test_server_refuses_bad_documents_naming_the_field(
    client: DvsClient,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, Any],
    field: str,
) -> None:
    # Skip the client's own check to see the server's refusal on each protocol.
    monkeypatch.setattr(
        "connectors.systems.dvs.client._checked_document", lambda d, w: None
    )
    with pytest.raises(FieldsRefused) as caught:
        client.register_document(document(**overrides), "k")
    assert caught.value.paths == [field]
    assert "161175" not in str(caught.value)


@pytest.mark.parametrize("code", ["161175-19998", "12345", "abcdef-ghijk", ""])
def test_bad_personal_codes_are_refused(client: DvsClient, code: str) -> None:
    for call in (client.unfinished_count, client.user_systems):
        with pytest.raises(FieldsRefused) as caught:
            call(code)
        assert caught.value.paths == ["personal_code"]


def test_server_checks_the_personal_code_check_digit(
    client: DvsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "connectors.systems.dvs.client._checked_code", lambda code, where: code
    )
    with pytest.raises(FieldsRefused) as caught:
        client.unfinished_count("161175-19998")
    assert caught.value.paths == ["personal_code"]


OPERATIONS = {
    "register_document": lambda c: c.register_document(document(), "k"),
    "unfinished_count": lambda c: c.unfinished_count(CLERK),
    "user_systems": lambda c: c.user_systems(CLERK),
}


@pytest.mark.parametrize("fault", ["timeout", "http500", "malformed"])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_fault_is_unavailable(
    client: DvsClient, sim: DvsSimulator, fault: str, operation: str
) -> None:
    sim.inject(operation, fault)
    with pytest.raises(Unavailable):
        OPERATIONS[operation](client)
    assert OPERATIONS[operation](client)  # the fault was used up


@pytest.mark.parametrize("fault", ["timeout", "malformed"])
def test_a_lost_reply_then_the_retry_registers_once(
    client: DvsClient, sim: DvsSimulator, fault: str
) -> None:
    sim.inject("register_document", fault)
    with pytest.raises(Unavailable):
        client.register_document(document(), "outbox-1")
    client.register_document(document(), "outbox-1")
    assert len(sim.documents) == 1
    assert sim.ledger.duplicates == 1


def test_page_lists_what_was_received_with_codes_masked(
    client: DvsClient, sim: DvsSimulator
) -> None:
    client.register_document(document(), "k")
    client.unfinished_count(CLERK)
    client.user_systems(OUTSIDER)
    page = sim.page().get_data(as_text=True)
    assert "IEN/2026/00001" in page
    assert "Ienākošais" in page
    assert "16****-****7" in page and "32****-****9" in page
    assert CLERK not in page and OUTSIDER not in page
    assert client.protocol.upper() in page


def test_protocol_comes_from_configuration() -> None:
    assert dvs_protocol("RIGA", {}) == "soap"
    assert dvs_protocol("RIGA", {"PKIP_DVS_PROTOCOL": "REST"}) == "rest"
    environ = {"PKIP_DVS_PROTOCOL": "rest", "PKIP_DVS__RIGA_PROTOCOL": "soap"}
    assert dvs_protocol("RIGA", environ) == "soap"
    assert dvs_protocol("JELGAVA", environ) == "rest"
    with pytest.raises(ConnectorConfigError, match="PKIP_DVS_PROTOCOL"):
        dvs_protocol(None, {"PKIP_DVS_PROTOCOL": "corba"})
