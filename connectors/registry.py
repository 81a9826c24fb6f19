# SPDX-License-Identifier: EUPL-1.2
"""The connector registry: operator name -> a call to an outside system.

Diagrams name operators (``ldc.dogs``); the engine resolves them through the
``ConnectorRegistry`` protocol and never sees a concrete connector. Each operator
records its system, whether it runs live or simulated, whether it only reads (a
*query*, called inline with a timeout and retries) or changes the outside world (a
*command*, which the engine delivers through the outbox), and one line of description
(``pkip connectors list`` prints them).

Every call is reported to an audit hook (who, which instance, system, operator,
outcome, duration) — never the parameters, which may hold personal codes. Calls that
are not operators (the e-delivery polling's list, fetch and confirm) are reported the
same way through :func:`audited_call`. A command may change the outside world, so a
hook that can (:class:`DurableAudit`) records it *before* it is made and completes
the record with the outcome afterwards: a process killed during the call still
leaves its trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from connectors.errors import ConnectorError, InvalidRequest, Unavailable
from core.contracts import CallContext
from core.pii import find_identifiers

log = logging.getLogger(__name__)

OperatorFunc = Callable[[Mapping[str, Any], CallContext], Any]
QUERY = "query"
COMMAND = "command"


@dataclass(frozen=True)
class Operator:
    name: str
    system: str
    description: str
    mode: str  # "live" or "simulated"
    func: OperatorFunc
    params: tuple[str, ...] = ()
    kind: str = QUERY
    timeout: float = 10.0  # seconds; clients pass it to their transport
    retries: int = 2  # extra inline attempts of a query on Unavailable


@dataclass(frozen=True)
class CallRecord:
    """One audited call (no parameters, no result: they may be personal data)."""

    operator: str
    system: str
    mode: str
    instance_id: str | None
    municipality: str | None
    element_id: str | None
    actor: str | None
    outcome: str  # "ok" or an error code
    duration_ms: float
    attempt: int
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    subjects: tuple[str, ...] = ()
    """Personal codes the call was about (found in its parameters): the audit keeps
    only their look-up hash (core/pii.py), so "who looked me up" can be answered."""
    idempotency_key: str | None = None
    """The delivery's key (outbox calls): ties a call to the record written for it
    before the batch was sent. Not stored."""


AuditHook = Callable[[CallRecord], None]
ATTEMPTING = "attempting"
"""The outcome of a durable record while its call is under way (and for good, when
the process died during the call: it may have reached the other side)."""


@runtime_checkable
class DurableAudit(Protocol):
    """An audit hook that can also write a record at once, before the call."""

    def __call__(self, record: CallRecord) -> None: ...

    def begin(self, record: CallRecord) -> object:
        """Store ``record`` (outcome ``attempting``) now; a handle for :meth:`end`."""
        ...

    def end(self, handle: object, record: CallRecord) -> None:
        """Complete the stored record with the call's outcome and duration."""
        ...


class UnknownOperator(LookupError):
    pass


class InvalidParameters(InvalidRequest):
    pass


class Registry:
    """Operators by name; implements core.contracts.ConnectorRegistry."""

    def __init__(self, audit: AuditHook | None = None, backoff: float = 0.2) -> None:
        self._operators: dict[str, Operator] = {}
        self.audit = audit
        self.backoff = backoff

    def register(self, operator: Operator) -> None:
        if operator.name in self._operators:
            raise ValueError(f"operator {operator.name} registered twice")
        if operator.kind not in (QUERY, COMMAND):
            raise ValueError(f"operator {operator.name}: kind must be query or command")
        self._operators[operator.name] = operator

    def has_operator(self, name: str) -> bool:
        return name in self._operators

    def is_command(self, name: str) -> bool:
        return self.operator(name).kind == COMMAND

    def operator(self, name: str) -> Operator:
        try:
            return self._operators[name]
        except KeyError:
            raise UnknownOperator(f"unknown operator {name}") from None

    def operators(self) -> list[Operator]:
        return sorted(self._operators.values(), key=lambda o: o.name)

    def attempt_record(
        self, name: str, params: Mapping[str, Any], context: CallContext
    ) -> CallRecord:
        """The record a call of ``name`` starts with (outcome ``attempting``), for
        a sender that writes the records of a whole batch before making any call
        (the outbox); the call then completes it instead of writing its own."""
        operator = self.operator(name)
        return CallRecord(
            operator=operator.name,
            system=operator.system,
            mode=operator.mode,
            instance_id=context.instance_id,
            municipality=context.municipality,
            element_id=context.element_id,
            actor=context.actor,
            outcome=ATTEMPTING,
            duration_ms=0.0,
            attempt=1,
            subjects=tuple(find_identifiers(dict(params))),
            idempotency_key=context.idempotency_key,
        )

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        """Call an operator; queries are retried on ``Unavailable`` with backoff."""
        operator = self.operator(name)
        missing = [p for p in operator.params if p not in params]
        if missing:
            raise InvalidParameters(f"{name}: missing parameters {', '.join(missing)}")
        attempts = 1 + (operator.retries if operator.kind == QUERY else 0)
        for attempt in range(1, attempts + 1):
            try:
                return self._call_once(operator, params, context, attempt)
            except Unavailable:
                if attempt == attempts:
                    raise
                time.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _call_once(
        self,
        operator: Operator,
        params: Mapping[str, Any],
        context: CallContext,
        attempt: int,
    ) -> Any:
        with audited_call(
            self.audit,
            operator.name,
            system=operator.system,
            mode=operator.mode,
            context=context,
            attempt=attempt,
            subjects=tuple(find_identifiers(dict(params))),
            durable=operator.kind == COMMAND,
        ):
            return operator.func(params, context)


@contextmanager
def audited_call(
    audit: AuditHook | None,
    operator: str,
    *,
    system: str,
    mode: str,
    context: CallContext,
    attempt: int = 1,
    subjects: tuple[str, ...] = (),
    durable: bool = False,
) -> Iterator[None]:
    """Time the block as one call to ``system`` and report it to ``audit``.

    The outcome is ``ok``, the code of the ``ConnectorError`` the block raised, or
    ``error`` for anything else; the exception goes on. Only the names and ids of
    ``context`` are recorded, never what was sent or received. ``durable`` (a call
    that may change the outside world) with a :class:`DurableAudit` hook stores the
    record before the block runs — if that fails, the call is not made.
    """

    def record(outcome: str, elapsed: float) -> CallRecord:
        return CallRecord(
            operator=operator,
            system=system,
            mode=mode,
            instance_id=context.instance_id,
            municipality=context.municipality,
            element_id=context.element_id,
            actor=context.actor,
            outcome=outcome,
            duration_ms=round(elapsed, 1),
            attempt=attempt,
            subjects=subjects,
            idempotency_key=context.idempotency_key,
        )

    handle: object = None
    if durable and isinstance(audit, DurableAudit):
        handle = audit.begin(record(ATTEMPTING, 0.0))
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except ConnectorError as exc:
        outcome = exc.code
        raise
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "connector call %s system=%s instance=%s outcome=%s ms=%.1f",
            operator,
            system,
            context.instance_id,
            outcome,
            elapsed,
        )
        if handle is not None:
            audit.end(handle, record(outcome, elapsed))  # type: ignore[union-attr]
        elif audit is not None:
            audit(record(outcome, elapsed))
