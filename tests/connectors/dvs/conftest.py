# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.systems.dvs import DvsClient, DvsSimulator, dvs_client

FIXED = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
CLERK = "161175-19997"  # a Namejs user with 7 unfinished tasks, 2 overdue
OUTSIDER = "328673-00679"  # uses no system of this municipality


def document(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "direction": "incoming",
        "document_type": "iesniegums",
        "title": "Iesniegums par suņa reģistrāciju",
        "document_date": "2026-03-02",
        "correspondent": {"name": "Jānis Bērziņš", "code": CLERK},
        "case_number": "SN-2026-0001",
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def sim() -> Iterator[DvsSimulator]:
    simulator = DvsSimulator(clock=lambda: FIXED, stall_seconds=0)
    yield simulator
    simulator.faults.clear()


@pytest.fixture(params=["soap", "rest"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(sim: DvsSimulator, protocol: str) -> Iterator[DvsClient]:
    c = dvs_client("RIGA", sim, environ={"PKIP_DVS_PROTOCOL": protocol})
    assert c.protocol == protocol
    yield c
    c.close()
