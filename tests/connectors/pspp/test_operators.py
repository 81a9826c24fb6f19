# SPDX-License-Identifier: EUPL-1.2
"""The PSPP operators through the registry, as the engine and the outbox call them."""

from __future__ import annotations

import pytest

from connectors.errors import InvalidRequest
from connectors.registry import COMMAND
from connectors.systems import default_registry
from connectors.systems.pspp import PsppSimulator
from core.contracts import CallContext
from tests.connectors.pspp.factories import card


def test_operators_are_registered_as_commands() -> None:
    registry = default_registry()
    for name in ("pspp.publish_service", "pspp.case_status"):
        operator = registry.operator(name)
        assert operator.kind == COMMAND
        assert operator.system == "PSPP"
        assert operator.mode == "simulated"
        assert registry.is_command(name)


def test_case_status_delivery_is_idempotent(default_sim: PsppSimulator) -> None:
    registry = default_registry()
    context = CallContext(
        instance_id="i-1", municipality="RIGA", idempotency_key="outbox-42"
    )
    params = {
        "case_id": "SN-2026-0007",
        "service_code": "PKIP-012",
        "channel": "online",
        "status": "registered",
        "time": "2026-03-02T09:00:00+02:00",
    }
    first = registry.call("pspp.case_status", params, context)
    again = registry.call("pspp.case_status", params, context)
    assert first == again
    assert first["history_length"] == 0
    assert default_sim.received_total == 2
    assert default_sim.unique == 1


def test_publish_without_outbox_key_still_sends_one(default_sim: PsppSimulator) -> None:
    registry = default_registry()
    result = registry.call(
        "pspp.publish_service", {"card": card()}, CallContext(municipality="RIGA")
    )
    assert result["outcome"] == "created"


def test_card_must_be_an_object() -> None:
    with pytest.raises(InvalidRequest):
        default_registry().call("pspp.publish_service", {"card": "nav"}, CallContext())
