# SPDX-License-Identifier: EUPL-1.2
"""latvija.lv gives diagrams no operator; the registry still loads its folder."""

from __future__ import annotations

from connectors.registry import Registry
from connectors.systems import default_registry
from connectors.systems.latvija import register, simulator
from connectors.systems.latvija.simulator import default_simulator


def test_register_adds_no_operator() -> None:
    registry = Registry()
    register(registry)
    assert registry.operators() == []
    names = [op.name for op in default_registry().operators()]
    assert names and not [n for n in names if n.startswith("latvija.")]
    assert simulator() is default_simulator()
