# SPDX-License-Identifier: EUPL-1.2
"""Fault injection in the simulator, and how the client maps each fault."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from connectors.errors import ConnectorError, InvalidRequest, Rejected, Unavailable
from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.contract import OPERATIONS
from connectors.systems.viss.simulator import FAULTS, SimulatedTimeout, VissSimulator

from .conftest import OWNER

# One good call per operation.
CALLS: dict[str, Callable[[VissClient, Requester], Any]] = {
    "ur.company": lambda c, r: c.company("40003521600", r),
    "pmlp.person": lambda c, r: c.person(OWNER, r),
    "vid.taxpayer": lambda c, r: c.taxpayer(OWNER, r),
    "vzd.parcel": lambda c, r: c.parcel("01000120345", r),
    "vzd.building": lambda c, r: c.building("01000120345001", r),
    "vzd.address": lambda c, r: c.addresses("Brīvības", r),
    "ldc.dogs": lambda c, r: c.dogs(OWNER, r),
    "viis.preschools": lambda c, r: c.preschools(None, r),
    "viis.child": lambda c, r: c.child("150621-20019", r),
    "plus.client_status": lambda c, r: c.client_status("280295-10069", r),
}
EXPECTED: dict[str, type[ConnectorError]] = {
    "timeout": Unavailable,
    "http500": Unavailable,
    "soap_fault": Unavailable,
    "malformed": Unavailable,
    "truncated": Unavailable,
    "rejected": Rejected,
}


def test_every_operation_and_fault_is_covered() -> None:
    assert set(CALLS) == {op.operator for op in OPERATIONS}
    assert set(EXPECTED) == set(FAULTS)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("operator", sorted(CALLS))
def test_fault_maps_to_error_then_recovers(
    client: VissClient,
    requester: Requester,
    sim: VissSimulator,
    operator: str,
    fault: str,
) -> None:
    call = CALLS[operator]
    sim.inject(operator, fault)
    with pytest.raises(EXPECTED[fault]) as caught:
        call(client, requester)
    assert caught.value.code == EXPECTED[fault].code
    assert "19997" not in str(caught.value)  # no personal code in the message
    assert call(client, requester)  # the fault was used once
    assert [r.outcome for r in sim.received()] == ["ok", fault]


def test_timeout_in_process_is_a_requests_timeout(sim: VissSimulator) -> None:
    # What the in-process adapter lets through is exactly what a socket read
    # timeout raises in requests; the client needs no special case for it.
    assert issubclass(SimulatedTimeout, requests.exceptions.ReadTimeout)
    assert issubclass(SimulatedTimeout, requests.Timeout)


def test_malformed_reply_is_caught_by_the_schema_check(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    sim.inject("ldc.dogs", "malformed")
    with pytest.raises(Unavailable, match="shēm|schema"):
        client.dogs(OWNER, requester)


def test_faults_are_taken_in_order_and_counted(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    sim.inject("pmlp.person", "http500", count=2)
    sim.inject("pmlp.person", "rejected")
    sim.inject("*", "soap_fault")
    assert sim.pending() == {
        "pmlp.person": ["http500", "http500", "rejected"],
        "*": ["soap_fault"],
    }
    outcomes = []
    for _ in range(5):
        try:
            client.person(OWNER, requester)
            outcomes.append("ok")
        except ConnectorError as exc:
            outcomes.append(exc.code)
    assert outcomes == ["unavailable", "unavailable", "rejected", "unavailable", "ok"]
    assert sim.pending() == {}


def test_wildcard_fault_hits_any_operation(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    sim.inject("*", "truncated")
    with pytest.raises(Unavailable):
        client.preschools(None, requester)
    assert client.preschools(None, requester)


def test_inject_refuses_unknown_names(sim: VissSimulator) -> None:
    with pytest.raises(ValueError, match="operation"):
        sim.inject("ur.nothing", "http500")
    with pytest.raises(ValueError, match="fault"):
        sim.inject("ur.company", "explode")
    with pytest.raises(ValueError, match="count"):
        sim.inject("ur.company", "http500", count=0)


def test_injection_is_thread_safe(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    sim.inject("ldc.dogs", "http500", count=40)
    failures: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            try:
                client.dogs(OWNER, requester)
            except Unavailable:
                with lock:
                    failures.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(failures) == 40  # each injected fault used exactly once
    assert sim.pending() == {}


def test_server_fault_without_detail_and_client_fault_without_detail(
    client: VissClient, requester: Requester
) -> None:
    from zeep.exceptions import Fault

    from connectors.systems.viss.client import _map_fault

    assert isinstance(
        _map_fault("VISS/UR", Fault("x", code="soap:Server")), Unavailable
    )
    assert isinstance(
        _map_fault("VISS/UR", Fault("x", code="soap:Client")), InvalidRequest
    )
    assert isinstance(_map_fault("VISS/UR", Fault("x")), Unavailable)
