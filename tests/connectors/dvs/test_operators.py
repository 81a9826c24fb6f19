# SPDX-License-Identifier: EUPL-1.2
"""The DVS operators through the connector registry, on the configured protocol."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.errors import InvalidRequest
from connectors.registry import COMMAND, QUERY
from connectors.systems import default_registry
from connectors.systems.dvs import DvsSimulator, simulator
from core.contracts import CallContext
from tests.connectors.dvs.conftest import CLERK


@pytest.fixture
def default_sim(
    monkeypatch: pytest.MonkeyPatch, protocol: str
) -> Iterator[DvsSimulator]:
    monkeypatch.setenv("PKIP_DVS_PROTOCOL", protocol)
    sim = simulator()
    sim.reset()
    yield sim
    sim.reset()


def test_kinds() -> None:
    registry = default_registry()
    assert registry.operator("dvs.register_document").kind == COMMAND
    assert registry.operator("dvs.unfinished_count").kind == QUERY
    assert registry.operator("dvs.user_systems").kind == QUERY


def test_operators_on_each_protocol(default_sim: DvsSimulator, protocol: str) -> None:
    registry = default_registry()
    context = CallContext(municipality="RIGA", idempotency_key="outbox-1")
    params = {
        "direction": "incoming",
        "document_type": "iesniegums",
        "title": "Iesniegums",
        "document_date": "2026-03-02",
        "correspondent_name": "Jānis Bērziņš",
        "correspondent_code": "16117519997",
        "case_number": "SN-2026-0001",
    }
    first = registry.call("dvs.register_document", params, context)
    assert registry.call("dvs.register_document", params, context) == first
    assert default_sim.ledger.unique == 1
    stored = default_sim.documents[0]
    assert stored["protocol"] == protocol.upper()
    assert stored["document"]["correspondent"]["code"] == CLERK  # normalised
    count = registry.call("dvs.unfinished_count", {"personal_code": CLERK}, context)
    assert count["count"] == 7
    systems = registry.call("dvs.user_systems", {"personal_code": CLERK}, context)
    assert systems["systems"][0]["code"] == "HORIZON"


def test_bad_parameter_is_named(default_sim: DvsSimulator) -> None:
    registry = default_registry()
    with pytest.raises(InvalidRequest, match="document_date"):
        registry.call(
            "dvs.register_document",
            {
                "direction": "incoming",
                "document_type": "iesniegums",
                "title": "T",
                "document_date": "02.03.2026",
                "correspondent_name": "X",
            },
            CallContext(),
        )
