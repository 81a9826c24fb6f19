# SPDX-License-Identifier: EUPL-1.2
"""The PSPP client in live mode against the simulator on a real loopback socket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connectors.errors import NotFound, Unavailable
from connectors.simkit import serve
from connectors.systems.pspp import PsppClient, PsppSimulator
from tests.connectors.pspp.factories import card, report


@pytest.fixture
def live(sim: PsppSimulator) -> Iterator[PsppClient]:
    with serve(sim) as url:
        environ = {
            "PKIP_PSPP_MODE": "live",
            "PKIP_PSPP_URL": url,
            "PKIP_PSPP_TIMEOUT": "0.3",
        }
        with PsppClient.for_municipality("RIGA", environ=environ) as client:
            assert not client.config.simulated
            yield client
        sim.faults.clear()  # let a held reply go before the server stops


def test_every_operation_over_a_socket(live: PsppClient, sim: PsppSimulator) -> None:
    assert live.publish_service(card(), "p1")["outcome"] == "created"
    assert live.service_card("RIGA-001")["version"] == 1
    assert live.report_case_status(report(), "s1")["history_length"] == 1
    assert live.case("SN-2026-0001")["report"]["status"] == "in_progress"
    with pytest.raises(NotFound):
        live.case("SN-0")


def test_a_real_client_timeout_then_the_retry_is_a_duplicate(
    live: PsppClient, sim: PsppSimulator
) -> None:
    sim.faults.stall_seconds = 5
    sim.inject("case_status", "timeout")
    started = time.perf_counter()
    with pytest.raises(Unavailable, match="nav atbildes"):
        live.report_case_status(report(), "key-1")
    assert time.perf_counter() - started < 3
    sim.faults.clear()
    # The simulator processed the first send; the outbox's retry is recognised.
    live.report_case_status(report(), "key-1")
    assert (sim.ledger.unique, sim.ledger.duplicates) == (1, 1)


def test_connection_refused_is_unavailable(sim: PsppSimulator) -> None:
    with serve(sim) as url:
        pass  # the server is gone: nobody listens on that port any more
    environ = {"PKIP_PSPP_MODE": "live", "PKIP_PSPP_URL": url}
    with (
        PsppClient.for_municipality(None, environ=environ) as client,
        pytest.raises(Unavailable, match="savienojums"),
    ):
        client.case("SN-1")
