# SPDX-License-Identifier: EUPL-1.2
"""The connector registry: operator name -> a call to an outside system.

Diagrams name operators (``ldc.dogs``); the engine resolves them through the
``ConnectorRegistry`` protocol and never sees a concrete connector. Each operator
records which system it belongs to, whether it runs live or simulated, and a line of
description (``pkip connectors list`` prints them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.interfaces import CallContext

log = logging.getLogger(__name__)

OperatorFunc = Callable[[Mapping[str, Any], CallContext], Any]


@dataclass(frozen=True)
class Operator:
    name: str
    system: str
    description: str
    mode: str  # "live" or "simulated"
    func: OperatorFunc
    params: tuple[str, ...] = ()


class UnknownOperator(LookupError):
    pass


class InvalidParameters(ValueError):
    pass


class Registry:
    """Operators by name; implements engine.interfaces.ConnectorRegistry."""

    def __init__(self) -> None:
        self._operators: dict[str, Operator] = {}

    def register(self, operator: Operator) -> None:
        if operator.name in self._operators:
            raise ValueError(f"operator {operator.name} registered twice")
        self._operators[operator.name] = operator

    def has_operator(self, name: str) -> bool:
        return name in self._operators

    def operators(self) -> list[Operator]:
        return sorted(self._operators.values(), key=lambda o: o.name)

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        operator = self._operators.get(name)
        if operator is None:
            raise UnknownOperator(f"unknown operator {name}")
        missing = [p for p in operator.params if p not in params]
        if missing:
            raise InvalidParameters(f"{name}: missing parameters {', '.join(missing)}")
        started = time.perf_counter()
        outcome = "error"
        try:
            result = operator.func(params, context)
            outcome = "ok"
            return result
        finally:
            # Ids and outcome only: parameters may hold personal codes.
            log.info(
                "connector call %s system=%s instance=%s outcome=%s ms=%.1f",
                name,
                operator.system,
                context.instance_id,
                outcome,
                (time.perf_counter() - started) * 1000,
            )


def default_registry() -> Registry:
    """The registry of the embedded mode: every operator backed by its simulator."""
    from connectors.simulators import ldc

    registry = Registry()
    ldc.register(registry)
    return registry
