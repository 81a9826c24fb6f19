# SPDX-License-Identifier: EUPL-1.2
"""Contracts that several rooms share: who calls, what a field error is, the port to
outside systems.

They live on the ground floor so that ``forms``, ``connectors``, ``engine`` and
``domain`` can all speak them without importing one another. A room's own ports stay in
that room (the engine's are in ``engine/interfaces.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class CallContext:
    """Who is calling an operator and on behalf of which instance (for the audit)."""

    instance_id: str | None = None
    municipality: str | None = None
    element_id: str | None = None
    actor: str | None = None
    idempotency_key: str | None = None
    """Set on outbox deliveries: the receiver must treat a repeat as the same call."""


class ConnectorRegistry(Protocol):
    """Resolves an operator named in a diagram (``pmlp.person``) to a call.

    The one port through which the engine and domain services reach outside systems;
    ``connectors.registry.Registry`` implements it.
    """

    def has_operator(self, name: str) -> bool:
        """True when the operator is known (checked at deploy time)."""
        ...

    def is_command(self, name: str) -> bool:
        """True when the operator changes the outside world (a send, a status report,
        a payment request): the engine then delivers it through the outbox instead
        of calling it inline."""
        ...

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        """Call the operator and return a JSON-serialisable result.

        Raises an exception on failure; the engine turns it into an incident.
        """
        ...


@dataclass
class FieldError:
    """One invalid field of a form: a dotted path, the reason in Latvian and English."""

    path: str
    message: str
    message_en: str = ""
    code: str = ""


class FormValidationError(Exception):
    """Submitted data does not satisfy the form's JSON schema."""

    def __init__(self, form_key: str, errors: list[FieldError]) -> None:
        self.form_key = form_key
        self.errors = errors
        summary = "; ".join(f"{e.path or '(forma)'}: {e.message}" for e in errors[:5])
        super().__init__(f"Forma '{form_key}' nav derīga: {summary}")
