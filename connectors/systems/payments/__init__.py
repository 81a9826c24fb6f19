# SPDX-License-Identifier: EUPL-1.2
"""Payments in the manner of the latvija.lv payment module.

``client`` (REST/JSON), ``simulator``, ``contract`` (the wire format and its checks),
``callback`` (the paid notification), ``operators`` (``pay.*`` and ``register``).
"""

from __future__ import annotations

from connectors.systems.payments.client import SYSTEM, PaymentsClient
from connectors.systems.payments.operators import register, simulator
from connectors.systems.payments.simulator import PaymentsSimulator

__all__ = ["SYSTEM", "PaymentsClient", "PaymentsSimulator", "register", "simulator"]
