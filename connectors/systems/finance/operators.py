# SPDX-License-Identifier: EUPL-1.2
"""Finance systems (Horizon/GVedis, Ozols): export of approved invoices and received
payments in PKIP's own format (``CONTRACT.md``).

* ``finance.export`` (command) — ``institution_reg_nr``, ``invoices``, ``payments``,
  optional ``period_from``, ``period_to``, ``batch_id``, ``created_at`` (see
  ``export.py``) → ``{import_id, batch_id, invoices, payments, checksum,
  received_at}``; a file the finance system refuses raises ``Rejected`` with the
  line, the field and the reason.

``simulator()`` is the process-wide simulator the web app mounts at ``/sim/finance/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.config import listing_config
from connectors.registry import COMMAND, Operator, Registry
from connectors.restkit import idempotency_key
from connectors.systems.finance.client import SYSTEM, FinanceClient
from connectors.systems.finance.simulator import FinanceSimulator, default_simulator
from core.contracts import CallContext


def simulator() -> FinanceSimulator:
    return default_simulator()


def export(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    with FinanceClient.for_municipality(context.municipality) as client:
        return client.export(params, idempotency_key(context))


def register(registry: Registry) -> None:
    config = listing_config(SYSTEM)
    registry.register(
        Operator(
            name="finance.export",
            system=SYSTEM,
            description=(
                "Nosūtīt apstiprinātos rēķinus un saņemtos maksājumus finanšu"
                " sistēmai (PKIP formāts)"
            ),
            mode=config.mode,
            func=export,
            params=("institution_reg_nr", "invoices", "payments"),
            kind=COMMAND,
            timeout=config.timeout,
        )
    )
