# SPDX-License-Identifier: EUPL-1.2
"""The diagrams' way to documents: the ``documents.render`` and ``documents.deliver``
operators, wired here (the composition root) because the domain may not import the
connector registry and the registry knows no domain.

Both are *commands*: the engine writes them to the outbox with the step and the
background job runs them with the message's idempotency key, so rendering (WeasyPrint,
up to a second cold) never holds up a clerk's request, and a crash neither loses nor
doubles a document, a number or a send. The outbox makes its calls outside any
transaction, so each operator commits its work (number, PDF, delivery) in a
transaction of its own (``Platform.joined_transaction``; a savepoint when a caller
already holds one); a worker that dies before recording "delivered" sends the
message again with the same key, and the key finds the document already made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from connectors.config import system_config
from connectors.registry import COMMAND, InvalidParameters, Operator, Registry
from core.contracts import CallContext
from core.pii import PiiVault
from domain.documents import notice
from domain.documents.render import TemplateProblem
from domain.documents.services import Issue, deliver_document, issue_document

SYSTEM = "PKIP"


def _municipality(context: CallContext) -> str:
    if not context.municipality:
        raise InvalidParameters("documents: the call has no municipality")
    return context.municipality


def dvs_is_register(municipality: str) -> bool:
    """The municipality numbers its documents in its DVS when a live DVS is
    configured for it; otherwise in PKIP's own register."""
    return not system_config("DVS", municipality).simulated


@dataclass(frozen=True)
class DocumentOperators:
    """What the operators need of the platform (not the platform itself: the
    platform imports this module)."""

    transaction: Callable[[], AbstractContextManager[Session]]
    connectors: Registry
    vault: PiiVault | None
    clock: Callable[[], datetime]

    def render(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """documents.render: {template, fields?} -> {document_id,
        registration_number, sha256}."""
        municipality = _municipality(context)
        fields = params.get("fields") or {}
        if not isinstance(fields, Mapping):
            raise InvalidParameters("documents.render: fields must be an object")
        request = Issue(
            municipality=municipality,
            template=str(params["template"]),
            instance_id=context.instance_id,
            fields=fields,
            idempotency_key=context.idempotency_key,
            use_dvs=dvs_is_register(municipality),
        )
        try:
            with self.transaction() as session:
                document = issue_document(
                    session, self.connectors, request, now=self.clock()
                )
                return {
                    "document_id": document.id,
                    "registration_number": document.registration_number,
                    "sha256": document.sha256,
                }
        except KeyError as exc:
            raise InvalidParameters(f"documents.render: no template {exc}") from None
        except TemplateProblem as exc:
            raise InvalidParameters(f"documents.render: {exc.message_en}") from None

    def deliver(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """documents.deliver: {document_id, channel?} -> {delivery_id, channel, state,
        message_id, delivered_at}."""
        municipality = _municipality(context)
        try:
            document_id = int(params["document_id"])
        except (TypeError, ValueError):
            raise InvalidParameters(
                "documents.deliver: document_id must be a number"
            ) from None
        with self.transaction() as session:
            delivery = deliver_document(
                session,
                self.connectors,
                self.vault,
                municipality=municipality,
                document_id=document_id,
                idempotency_key=context.idempotency_key,
                now=self.clock(),
                paper=str(params.get("channel") or "") == "paper",
            )
            when = notice.delivered_at(delivery)
            return {
                "delivery_id": delivery.id,
                "channel": delivery.channel,
                "state": delivery.state,
                # DEPP's message id (a reply names it); when the client counts
                # as having the result: e-address, the second working day
                "message_id": delivery.message_id or "",
                "delivered_at": when.isoformat() if when else "",
            }


class DocumentPort(Protocol):
    """What ``register`` wires: the platform's operators, or ``pkip bpmn run``'s
    (``pkip/run_documents.py``) over its in-memory store."""

    def render(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]: ...

    def deliver(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]: ...


def register(registry: Registry, operators: DocumentPort) -> None:
    for name, description, func, params in (
        (
            "documents.render",
            "Sagatavot lietas dokumentu (PDF) pēc veidnes un piešķirt reģ. numuru",
            operators.render,
            ("template",),
        ),
        (
            "documents.deliver",
            "Nosūtīt dokumentu uz klienta e-adresi vai nodot drukas rindā"
            ' (channel="paper": tikai drukas rinda)',
            operators.deliver,
            ("document_id",),
        ),
    ):
        registry.register(
            Operator(
                name=name,
                system=SYSTEM,
                description=description,
                mode="live",
                func=func,
                params=params,
                kind=COMMAND,
            )
        )
