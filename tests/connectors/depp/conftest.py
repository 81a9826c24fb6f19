# SPDX-License-Identifier: EUPL-1.2
"""DEPP fixtures: a fresh simulator on the shared test clock, and a client to it."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from connectors.systems.depp import contract as env
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.fixtures import demo_edoc, demo_pdf
from connectors.systems.depp.simulator import DeppSimulator
from connectors.transport import in_process_session
from engine.clock import ManualClock

BASE_URL = "http://depp.sim.pkip"
RIGA_EADDRESS = "_DEFAULT@90011524360"
RESIDENT = "161175-19997"  # has an active e-address in the simulator
RESIDENT_EADDRESS = "_PRIVATE@16117519997"
NO_EADDRESS = "328673-00679"  # a valid code without an active e-address
COMPANY = "40003521600"


def pdf(name: str = "lemums.pdf", text: str = "Lemums") -> env.Attachment:
    return env.Attachment(name, env.PDF, demo_pdf(text))


def edoc(name: str = "lemums.edoc") -> env.Attachment:
    return env.Attachment(name, env.ASICE, demo_edoc())


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[DeppSimulator]:
    simulator = DeppSimulator(clock=clock)
    yield simulator
    simulator.close()
    # Every reply the simulator built fitted the XSD, and it never failed itself.
    assert simulator.internal_errors == []


@pytest.fixture
def client(sim: DeppSimulator) -> DeppClient:
    return DeppClient(
        address=BASE_URL,
        session=in_process_session(BASE_URL, sim),
        own_address=RIGA_EADDRESS,
        timeout=5,
    )


def send(
    client: DeppClient, key: str = "outbox-1", **overrides: object
) -> env.SendResult:
    values: dict[str, object] = {
        "recipients": [RESIDENT_EADDRESS],
        "document_kind": "Lēmums",
        "title": "Lēmums par koku ciršanas atļauju",
        "attachments": [pdf()],
        "client_message_id": key,
    }
    values.update(overrides)
    return client.send_message(**values)  # type: ignore[arg-type]
