# SPDX-License-Identifier: EUPL-1.2
"""PSPP, the state's service platform: service cards and service case statuses.

``openapi.yaml`` is PKIP's provisional contract (``contract`` reads it for code),
``interfaces`` what PKIP needs from PSPP, ``client`` and ``simulator`` both sides of
it, ``operators`` the ``pspp.*`` operators and ``register``, ``fixtures`` the
simulator's data.
"""

from __future__ import annotations

from connectors.systems.pspp.client import SYSTEM, PsppClient
from connectors.systems.pspp.operators import register, simulator
from connectors.systems.pspp.simulator import PsppSimulator

__all__ = ["SYSTEM", "PsppClient", "PsppSimulator", "register", "simulator"]
