# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from typing import Any

from connectors.systems.pspp.fixtures import service_card


def card(code: str = "RIGA-001", **overrides: Any) -> dict[str, Any]:
    data = service_card(code, "Atļauja ielu tirdzniecībai pasākumā", "20.00")
    data.update(overrides)
    return data


def report(case_id: str = "SN-2026-0001", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "case_id": case_id,
        "service_code": "PKIP-012",
        "channel": "online",
        "status": "in_progress",
        "time": "2026-03-02T09:30:00+02:00",
        "history": [{"status": "registered", "time": "2026-03-02T09:00:00+02:00"}],
    }
    data.update(overrides)
    return data
