# SPDX-License-Identifier: EUPL-1.2
"""VISS test fixtures: a fresh simulator per test, a client talking to it in-process,
and a real loopback HTTP server for the tests that need a socket."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

import pytest
from werkzeug.serving import make_server

from connectors.config import SystemConfig
from connectors.registry import Registry
from connectors.systems.viss import register
from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.simulator import VissSimulator
from connectors.transport import WSGIApp

FIXED = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
OWNER = "161175-19997"  # two dogs, two children, one ward
NO_DOGS = "328673-00679"

Serve = Callable[[WSGIApp], AbstractContextManager[str]]


@pytest.fixture
def sim() -> Iterator[VissSimulator]:
    simulator = VissSimulator(clock=lambda: FIXED)
    yield simulator
    simulator.clear()


@pytest.fixture
def client(sim: VissSimulator) -> Iterator[VissClient]:
    with VissClient(SystemConfig("VISS"), sim) as c:
        yield c


@pytest.fixture
def requester() -> Requester:
    return Requester(
        purpose="Pašvaldības pakalpojuma lietas izskatīšana: tests",
        municipality="RIGA",
        user="anna",
        process_instance="inst-1",
    )


@pytest.fixture
def registry(sim: VissSimulator) -> Registry:
    registry = Registry(backoff=0)
    register(registry, simulator=sim, environ={})
    return registry


@contextmanager
def _serve(app: WSGIApp) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def serve() -> Serve:
    """``with serve(app) as url:`` — the app on a real loopback socket."""
    return _serve
