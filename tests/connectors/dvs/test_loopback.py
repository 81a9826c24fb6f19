# SPDX-License-Identifier: EUPL-1.2
"""Each DVS protocol in live mode against the simulator on a real loopback socket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connectors.errors import NotFound, Unavailable
from connectors.simkit import serve
from connectors.systems.dvs import DvsClient, DvsSimulator, dvs_client
from tests.connectors.dvs.conftest import CLERK, OUTSIDER, document


@pytest.fixture
def live(sim: DvsSimulator, protocol: str) -> Iterator[DvsClient]:
    with serve(sim) as url:
        environ = {
            "PKIP_DVS_MODE": "live",
            "PKIP_DVS_URL": url,
            "PKIP_DVS_TIMEOUT": "0.3",
            "PKIP_DVS_PROTOCOL": protocol,
        }
        client = dvs_client("RIGA", environ=environ)
        try:
            yield client
        finally:
            client.close()
            sim.faults.clear()


def test_every_operation_over_a_socket(live: DvsClient, sim: DvsSimulator) -> None:
    registered = live.register_document(document(), "k")
    assert registered["registration_number"] == "IEN/2026/00001"
    assert live.unfinished_count(CLERK)["count"] == 7
    assert len(live.user_systems(CLERK)["systems"]) == 3
    with pytest.raises(NotFound):
        live.unfinished_count(OUTSIDER)
    assert [r["protocol"] for r in sim.received] == [live.protocol.upper()] * 4


def test_a_real_client_timeout_then_the_retry_is_a_duplicate(
    live: DvsClient, sim: DvsSimulator
) -> None:
    sim.faults.stall_seconds = 5
    sim.inject("register_document", "timeout")
    started = time.perf_counter()
    with pytest.raises(Unavailable, match="nav atbildes"):
        live.register_document(document(), "outbox-9")
    assert time.perf_counter() - started < 3
    sim.faults.clear()
    live.register_document(document(), "outbox-9")
    assert len(sim.documents) == 1
    assert sim.duplicates == 1
