# SPDX-License-Identifier: EUPL-1.2
"""latvija.lv offers diagrams no operator: signing in is the browser's round trip
between the portal and the identity provider (``client.py``), never a step of a
process, and nothing it does changes the outside world through the outbox.
``register`` is here because every system folder has one (the registry calls it);
``simulator()`` is the process-wide simulator the web app mounts at
``/sim/latvija/``."""

from __future__ import annotations

from connectors.registry import Registry
from connectors.systems.latvija.simulator import LatvijaSimulator, default_simulator


def simulator() -> LatvijaSimulator:
    return default_simulator()


def register(registry: Registry) -> None:
    """Nothing to register (see the module's docstring)."""
    del registry
