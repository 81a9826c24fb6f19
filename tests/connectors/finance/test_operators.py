# SPDX-License-Identifier: EUPL-1.2
"""``finance.export`` through the connector registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.errors import InvalidRequest
from connectors.registry import COMMAND
from connectors.systems import default_registry
from connectors.systems.finance import FinanceSimulator, simulator
from core.contracts import CallContext
from tests.connectors.finance.conftest import export_params, invoice


@pytest.fixture
def default_sim() -> Iterator[FinanceSimulator]:
    sim = simulator()
    sim.reset()
    yield sim
    sim.reset()


def test_export_through_the_registry(default_sim: FinanceSimulator) -> None:
    registry = default_registry()
    assert registry.operator("finance.export").kind == COMMAND
    context = CallContext(municipality="RIGA", idempotency_key="outbox-5")
    params = export_params()
    del params["created_at"]  # each delivery stamps its own time
    first = registry.call("finance.export", params, context)
    assert registry.call("finance.export", params, context) == first
    assert default_sim.ledger.unique == 1
    assert len(default_sim.imported) == 1


def test_bad_parameter_through_the_registry(default_sim: FinanceSimulator) -> None:
    with pytest.raises(InvalidRequest, match=r"invoices\.0\.pvn"):
        default_registry().call(
            "finance.export",
            export_params(invoices=[invoice(pvn="x")]),
            CallContext(municipality="RIGA"),
        )
