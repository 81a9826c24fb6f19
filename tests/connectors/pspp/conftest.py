# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.systems.pspp import PsppClient, PsppSimulator
from connectors.systems.pspp.simulator import default_simulator

FIXED = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[PsppSimulator]:
    simulator = PsppSimulator(clock=lambda: FIXED, stall_seconds=0)
    yield simulator
    simulator.faults.clear()


@pytest.fixture
def client(sim: PsppSimulator) -> Iterator[PsppClient]:
    with PsppClient.for_municipality("RIGA", sim, environ={}) as c:
        yield c


@pytest.fixture
def default_sim() -> Iterator[PsppSimulator]:
    """The process-wide simulator the operators use, emptied around the test."""
    simulator = default_simulator()
    simulator.reset()
    yield simulator
    simulator.reset()
