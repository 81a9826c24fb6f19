# SPDX-License-Identifier: EUPL-1.2
"""The same client against the simulator on a real loopback HTTP server: a live
configuration, real sockets, and a real read timeout."""

from __future__ import annotations

import socket
import time

import pytest

from connectors.config import system_config
from connectors.errors import NotFound, Unavailable
from connectors.systems.viss import fixtures
from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.simulator import VissSimulator

from .conftest import OWNER, Serve


def _live(url: str, timeout: float = 2.0) -> VissClient:
    environ = {
        "PKIP_VISS_MODE": "live",
        "PKIP_VISS_URL": url,
        "PKIP_VISS_TIMEOUT": str(timeout),
    }
    config = system_config("VISS", "RIGA", environ)
    assert not config.simulated
    # The simulator passed here is ignored in live mode: the session goes to the URL.
    return VissClient(config, VissSimulator())


def test_every_kind_of_answer_over_a_socket(
    sim: VissSimulator, serve: Serve, requester: Requester
) -> None:
    with serve(sim) as url, _live(url) as client:
        assert [d["name"] for d in client.dogs(OWNER, requester)] == ["Reksis", "Muris"]
        assert client.person(OWNER, requester)["wards"][0]["name"] == "Marta"
        with pytest.raises(NotFound):
            client.company(fixtures.MISSING_COMPANY, requester)
        sim.inject("vid.taxpayer", "http500")
        with pytest.raises(Unavailable):
            client.taxpayer(OWNER, requester)
        sim.inject("ldc.dogs", "truncated")
        with pytest.raises(Unavailable):
            client.dogs(OWNER, requester)
    assert len(sim.received()) == 5


def test_a_real_read_timeout(serve: Serve, requester: Requester) -> None:
    # On a socket the simulator really holds the reply; the client's own timeout
    # (PKIP_VISS_TIMEOUT) fires, and the next call gets its answer.
    sim = VissSimulator(hang_seconds=10)
    with serve(sim) as url, _live(url, timeout=0.3) as client:
        sim.inject("pmlp.person", "timeout")
        started = time.perf_counter()
        with pytest.raises(Unavailable, match="laikā"):
            client.person(OWNER, requester)
        assert 0.25 < time.perf_counter() - started < 5
        sim.release()
        assert client.person(OWNER, requester)["name"] == "Jānis"


def test_connection_refused_is_unavailable(requester: Requester) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = _live(f"http://127.0.0.1:{port}", timeout=1)
    with client, pytest.raises(Unavailable, match="savienojuma"):
        client.dogs(OWNER, requester)
