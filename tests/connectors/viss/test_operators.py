# SPDX-License-Identifier: EUPL-1.2
"""The VISS operators in the connector registry: names, systems, modes, parameters,
the ldc.dogs contract the sample diagrams rely on, retries, and clean logs."""

from __future__ import annotations

import json
import logging

import pytest

from connectors.errors import InvalidRequest, NotFound, Unavailable
from connectors.registry import (
    QUERY,
    CallRecord,
    InvalidParameters,
    Registry,
)
from connectors.systems import default_registry
from connectors.systems.viss import register
from connectors.systems.viss.simulator import VissSimulator, default_simulator
from core.contracts import CallContext

from .conftest import NO_DOGS, OWNER

CONTEXT = CallContext(
    instance_id="inst-7", municipality="RIGA", element_id="check", actor="anna"
)
OPERATORS = {
    "ur.company": ("VISS/UR", ("reg_number",)),
    "pmlp.person": ("VISS/PMLP", ("personal_code",)),
    "vid.taxpayer": ("VISS/VID", ("code",)),
    "vzd.parcel": ("VISS/VZD", ("cadastre_number",)),
    "vzd.building": ("VISS/VZD", ("cadastre_designation",)),
    "vzd.address": ("VISS/VZD", ("query",)),
    "ldc.dogs": ("VISS/LDC", ("owner_code",)),
    "viis.preschools": ("VISS/VIIS", ()),
    "viis.child": ("VISS/VIIS", ("personal_code",)),
    "plus.client_status": ("VISS/PLUS", ("personal_code",)),
}
GOOD_PARAMS = {
    "ur.company": {"reg_number": "40003521600"},
    "pmlp.person": {"personal_code": OWNER},
    "vid.taxpayer": {"code": "40003521600"},
    "vzd.parcel": {"cadastre_number": "01000120345"},
    "vzd.building": {"cadastre_designation": "01000120345001"},
    "vzd.address": {"query": "Zīļu iela"},
    "ldc.dogs": {"owner_code": OWNER},
    "viis.preschools": {},
    "viis.child": {"personal_code": "150621-20019"},
    "plus.client_status": {"personal_code": "010190-10052"},
}


def test_operators_are_registered_as_simulated_queries(registry: Registry) -> None:
    found = {op.name: op for op in registry.operators()}
    assert set(found) == set(OPERATORS)
    for name, (system, params) in OPERATORS.items():
        op = found[name]
        assert (op.system, op.params, op.kind, op.mode) == (
            system,
            params,
            QUERY,
            "simulated",
        )
        assert op.description and "\n" not in op.description
        assert op.timeout == 10.0


def test_mode_and_timeout_come_from_the_settings(sim: VissSimulator) -> None:
    registry = Registry()
    environ = {
        "PKIP_VISS_MODE": "live",
        "PKIP_VISS_URL": "https://viss.example.invalid/",
        "PKIP_VISS_TIMEOUT": "4",
    }
    register(registry, simulator=sim, environ=environ)
    op = registry.operator("pmlp.person")
    assert (op.mode, op.timeout) == ("live", 4.0)


def test_default_registry_discovers_viss() -> None:
    registry = default_registry()
    for name in OPERATORS:
        assert registry.has_operator(name) and not registry.is_command(name)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_answers_through_the_registry(
    registry: Registry, sim: VissSimulator, name: str
) -> None:
    result = registry.call(name, GOOD_PARAMS[name], CONTEXT)
    assert result and json.loads(json.dumps(result)) == result
    (seen,) = sim.received()
    assert (seen.operation, seen.municipality) == (name, "RIGA")


def test_ldc_dogs_keeps_its_contract(registry: Registry) -> None:
    dogs = registry.call("ldc.dogs", {"owner_code": OWNER}, CONTEXT)
    assert [(d["name"], d["chip"]) for d in dogs] == [
        ("Reksis", "985112004412345"),
        ("Muris", "985112004412346"),
    ]
    assert all(set(d) == {"chip", "name", "breed", "born"} for d in dogs)
    assert registry.call("ldc.dogs", {"owner_code": NO_DOGS}, CONTEXT) == []


def test_missing_and_invalid_parameters(registry: Registry, sim: VissSimulator) -> None:
    with pytest.raises(InvalidParameters):
        registry.call("ldc.dogs", {}, CONTEXT)
    with pytest.raises(InvalidRequest):
        registry.call("ldc.dogs", {"owner_code": "161175-19998"}, CONTEXT)
    assert registry.call("viis.preschools", {"atvk": "0023000"}, CONTEXT)[0]["name"]
    assert sim.received()[0].operation == "viis.preschools"


def test_retry_recovers_from_one_injected_fault(sim: VissSimulator) -> None:
    records: list[CallRecord] = []
    registry = Registry(audit=records.append, backoff=0)
    register(registry, simulator=sim, environ={})
    sim.inject("pmlp.person", "timeout")
    person = registry.call("pmlp.person", {"personal_code": OWNER}, CONTEXT)
    assert person["name"] == "Jānis"
    assert [(r.attempt, r.outcome) for r in records] == [(1, "unavailable"), (2, "ok")]
    assert all(r.system == "VISS/PMLP" and r.instance_id == "inst-7" for r in records)


def test_retries_end_and_not_found_is_not_retried(sim: VissSimulator) -> None:
    records: list[CallRecord] = []
    registry = Registry(audit=records.append, backoff=0)
    register(registry, simulator=sim, environ={})
    sim.inject("ur.company", "soap_fault", count=3)
    with pytest.raises(Unavailable):
        registry.call("ur.company", {"reg_number": "40003521600"}, CONTEXT)
    assert len(records) == 3
    records.clear()
    with pytest.raises(NotFound):
        registry.call("ur.company", {"reg_number": "40203000005"}, CONTEXT)
    assert [r.outcome for r in records] == ["not_found"]


def test_no_personal_code_in_any_log(
    registry: Registry, sim: VissSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    registry.call("pmlp.person", {"personal_code": OWNER}, CONTEXT)
    sim.inject("ldc.dogs", "malformed", count=3)  # the registry retries twice
    with pytest.raises(Unavailable):
        registry.call("ldc.dogs", {"owner_code": OWNER}, CONTEXT)
    with pytest.raises(InvalidRequest):
        registry.call("pmlp.person", {"personal_code": "161175-19998"}, CONTEXT)
    text = caplog.text
    assert "161175-*****" in text
    for secret in ("19997", "19998", "070710-20044", "150621-20019"):
        assert secret not in text


def test_the_process_simulator_is_shared() -> None:
    assert default_simulator() is default_simulator()
