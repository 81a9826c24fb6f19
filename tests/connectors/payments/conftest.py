# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.systems.payments import PaymentsClient, PaymentsSimulator

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SECRET = "riga-payments-secret"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def request_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "amount": "60.00",
        "purpose": "Suņu turēšanas nodeva 2026",
        "payer_name": "Jānis Bērziņš",
        "payer_code": "161175-19997",
        "reference": "SN-2026-0001",
        "return_url": "https://pkip.example/e-pakalpojumi/suni",
    }
    params.update(overrides)
    return params


@pytest.fixture
def sim_clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(sim_clock: Clock) -> Iterator[PaymentsSimulator]:
    simulator = PaymentsSimulator(
        clock=sim_clock, secret_for=lambda merchant: SECRET, stall_seconds=0
    )
    yield simulator
    simulator.faults.clear()


@pytest.fixture
def client(sim: PaymentsSimulator) -> Iterator[PaymentsClient]:
    with PaymentsClient.for_municipality("RIGA", sim, environ={}) as c:
        yield c
