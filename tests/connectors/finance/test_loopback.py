# SPDX-License-Identifier: EUPL-1.2
"""The finance export in live mode against the simulator on a real loopback socket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connectors.errors import Unavailable
from connectors.simkit import serve
from connectors.systems.finance import BatchRejected, FinanceClient, FinanceSimulator
from tests.connectors.finance.conftest import export_params


@pytest.fixture
def live(sim: FinanceSimulator) -> Iterator[FinanceClient]:
    with serve(sim) as url:
        environ = {
            "PKIP_FINANCE_MODE": "live",
            "PKIP_FINANCE_URL": url,
            "PKIP_FINANCE_TIMEOUT": "0.3",
        }
        with FinanceClient.for_municipality("RIGA", environ=environ) as client:
            yield client
        sim.faults.clear()


def test_export_over_a_socket(live: FinanceClient, sim: FinanceSimulator) -> None:
    assert live.export(export_params(), "k")["import_id"] == "IMP-000001"
    with pytest.raises(BatchRejected):
        live.post_batch(b"GALVENE\r\n", "k2")


def test_a_real_client_timeout_then_the_retry_is_a_duplicate(
    live: FinanceClient, sim: FinanceSimulator
) -> None:
    sim.faults.stall_seconds = 5
    sim.inject("export", "timeout")
    started = time.perf_counter()
    with pytest.raises(Unavailable, match="nav atbildes"):
        live.export(export_params(), "outbox-3")
    assert time.perf_counter() - started < 3
    sim.faults.clear()
    live.export(export_params(), "outbox-3")
    assert len(sim.imported) == 1
    assert sim.duplicates == 1
