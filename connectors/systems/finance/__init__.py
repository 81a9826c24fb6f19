# SPDX-License-Identifier: EUPL-1.2
"""Finance systems (Horizon/GVedis, Ozols): export of approved invoices and received
payments in PKIP's own format (``CONTRACT.md``).

``client`` sends a batch, ``simulator`` imports it, ``contract`` writes and reads the
file, ``export`` turns records into it, ``operators`` holds ``finance.export`` and
``register``.
"""

from __future__ import annotations

from connectors.systems.finance.client import SYSTEM, BatchRejected, FinanceClient
from connectors.systems.finance.operators import register, simulator
from connectors.systems.finance.simulator import FinanceSimulator

__all__ = [
    "SYSTEM",
    "BatchRejected",
    "FinanceClient",
    "FinanceSimulator",
    "register",
    "simulator",
]
