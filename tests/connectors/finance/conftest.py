# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.systems.finance import FinanceClient, FinanceSimulator

FIXED = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def invoice(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rekina_nr": "INV-2026-117",
        "piegadataja_reg_nr": "40003521600",
        "piegadataja_nosaukums": 'SIA "Koki; Krūmi"',
        "rekina_datums": "2026-02-20",
        "apmaksas_termins": "2026-03-20",
        "summa_bez_pvn": "100.00",
        "pvn": "21.00",
        "apstiprinats": "2026-03-02",
        "iban": "LV80BANK0000435195001",
    }
    data.update(overrides)
    return data


def payment(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "maksajuma_id": "PAY-000001",
        "atsauce": "SN-2026-0001",
        "maksataja_nosaukums": "Jānis Bērziņš",
        "maksataja_kods": "16117519997",
        "samaksats": "2026-03-02",
        "summa": 60,
        "merkis": "Suņu turēšanas nodeva",
    }
    data.update(overrides)
    return data


def export_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "institution_reg_nr": "90011524360",
        "invoices": [invoice()],
        "payments": [payment()],
        "created_at": "2026-03-02T18:00:00+02:00",
    }
    params.update(overrides)
    return params


@pytest.fixture
def sim() -> Iterator[FinanceSimulator]:
    simulator = FinanceSimulator(clock=lambda: FIXED, stall_seconds=0)
    yield simulator
    simulator.faults.clear()


@pytest.fixture
def client(sim: FinanceSimulator) -> Iterator[FinanceClient]:
    with FinanceClient.for_municipality("RIGA", sim, environ={}) as c:
        yield c
