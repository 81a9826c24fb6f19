# SPDX-License-Identifier: EUPL-1.2
"""PSPP, the state's service platform: service cards and service case statuses.

The state has not published PSPP's interface; PKIP speaks its own provisional contract
(``openapi.yaml``) through ``client.py``, replaceable as one module. The operators:

* ``pspp.publish_service`` (command) — ``card``: a service card (see the contract's
  ``ServiceCard``) → ``{code, version, outcome, published_at}``;
* ``pspp.case_status`` (command) — ``case_id``, ``service_code``, ``channel``,
  ``status``, ``time`` and optionally ``history`` (``[{status, time, note?}]``, oldest
  first) → ``{case_id, status, received_at, history_length}``;
* ``pspp.case_event`` (command) — ``event``: one status change (the contract's
  ``CaseEvent``, with its own ``event_id`` and the case's ``sequence``) →
  ``{case_id, event_id, sequence, status, received_at}``; queued by case accounting
  (domain/accounting) with the event id as the idempotency key, in order per case;
* ``pspp.ensure_service`` (command) — ``card``: published unless PSPP has the code
  already → ``{code, version, outcome, published_at}`` (``exists`` when it had);
* ``pspp.case_events`` (query) — ``case_id`` → ``{case_id, events}`` as PSPP holds
  them (empty when it knows none): ``pkip pspp reconcile`` compares them with ours.

``simulator()`` is the process-wide simulator the web app mounts at ``/sim/pspp/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connectors.config import listing_config
from connectors.registry import COMMAND, QUERY, InvalidParameters, Operator, Registry
from connectors.restkit import idempotency_key
from connectors.systems.pspp.client import SYSTEM, PsppClient
from connectors.systems.pspp.simulator import PsppSimulator, default_simulator
from core.contracts import CallContext


def simulator() -> PsppSimulator:
    return default_simulator()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def publish_service(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    card = params["card"]
    if not isinstance(card, Mapping):
        raise InvalidParameters("pspp.publish_service: card must be an object")
    with PsppClient.for_municipality(context.municipality) as client:
        return client.publish_service(card, idempotency_key(context))


def case_status(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    history = params.get("history") or []
    if not isinstance(history, list | tuple):
        raise InvalidParameters("pspp.case_status: history must be a list")
    report = {
        "case_id": params["case_id"],
        "service_code": params["service_code"],
        "channel": params["channel"],
        "status": params["status"],
        "time": _iso(params["time"]),
        "history": [
            {k: _iso(v) for k, v in dict(entry).items()}
            if isinstance(entry, Mapping)
            else entry
            for entry in history
        ],
    }
    with PsppClient.for_municipality(context.municipality) as client:
        return client.report_case_status(report, idempotency_key(context))


def _object(params: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = params.get(name)
    if not isinstance(value, Mapping):
        raise InvalidParameters(f"{where}: {name} must be an object")
    return value


def case_event(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    event = _object(params, "event", "pspp.case_event")
    with PsppClient.for_municipality(context.municipality) as client:
        return client.report_case_event(event, idempotency_key(context))


def ensure_service(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    card = _object(params, "card", "pspp.ensure_service")
    with PsppClient.for_municipality(context.municipality) as client:
        return client.ensure_service(card, idempotency_key(context))


def case_events(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    case_id = str(params["case_id"])
    with PsppClient.for_municipality(context.municipality) as client:
        return {"case_id": case_id, "events": client.case_events(case_id)}


def register(registry: Registry) -> None:
    config = listing_config(SYSTEM)
    registry.register(
        Operator(
            name="pspp.publish_service",
            system=SYSTEM,
            description="Publicēt pakalpojuma kartīti PSPP katalogā (pagaidu līgums)",
            mode=config.mode,
            timeout=config.timeout,
            func=publish_service,
            params=("card",),
            kind=COMMAND,
        )
    )
    registry.register(
        Operator(
            name="pspp.case_status",
            system=SYSTEM,
            description="Paziņot PSPP pakalpojuma gadījuma statusu un vēsturi",
            mode=config.mode,
            timeout=config.timeout,
            func=case_status,
            params=("case_id", "service_code", "channel", "status", "time"),
            kind=COMMAND,
        )
    )
    for name, description, func, params, kind in (
        (
            "pspp.case_event",
            "Pievienot PSPP gadījuma vēsturei vienu statusa notikumu (secībā)",
            case_event,
            ("event",),
            COMMAND,
        ),
        (
            "pspp.ensure_service",
            "Publicēt pakalpojuma kartīti PSPP, ja tās tur vēl nav",
            ensure_service,
            ("card",),
            COMMAND,
        ),
        (
            "pspp.case_events",
            "Nolasīt PSPP saņemtos gadījuma statusu notikumus",
            case_events,
            ("case_id",),
            QUERY,
        ),
    ):
        registry.register(
            Operator(
                name=name,
                system=SYSTEM,
                description=description,
                mode=config.mode,
                timeout=config.timeout,
                func=func,
                params=params,
                kind=kind,
            )
        )
