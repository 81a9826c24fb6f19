# SPDX-License-Identifier: EUPL-1.2
"""DIV fixtures: a fresh simulator on the test clock and Riga's client to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.systems.div.client import DivClient
from connectors.systems.div.simulator import DivSimulator
from connectors.transport import in_process_session
from engine.clock import ManualClock

BASE_URL = "http://div.sim.pkip"
RIGA = "90011524360"
OTHER_INSTITUTION = "90000010008"


@pytest.fixture
def div_sim(clock: ManualClock) -> Iterator[DivSimulator]:
    simulator = DivSimulator(clock=clock)
    yield simulator
    simulator.close()
    assert simulator.internal_errors == []


@pytest.fixture
def div(div_sim: DivSimulator) -> DivClient:
    return DivClient(
        address=BASE_URL,
        session=in_process_session(BASE_URL, div_sim),
        institution=RIGA,
        timeout=5,
    )
