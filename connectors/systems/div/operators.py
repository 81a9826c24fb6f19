# SPDX-License-Identifier: EUPL-1.2
"""The DIV operator (``div.send``) and the client factory shared with the polling job.

The municipality's registration number in DIV is the one of its e-address
(``PKIP_DEPP__<CODE>_EADDRESS``): one setting, not two that could disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from connectors.config import http_session, system_config
from connectors.registry import COMMAND, InvalidParameters, Operator, Registry
from connectors.systems.depp.operators import (
    DocumentSource,
    attachments_from_params,
    idempotency_key,
    municipality_eaddress,
    municipality_of,
)
from connectors.systems.div.client import DivClient
from connectors.systems.div.simulator import DivSimulator, default_simulator
from core.contracts import CallContext

SYSTEM = "DIV"


def municipality_registration_number(
    municipality: str, environ: Mapping[str, str] | None = None
) -> str:
    return municipality_eaddress(municipality, environ).partition("@")[2]


_clients: dict[tuple[Any, ...], DivClient] = {}
_clients_lock = threading.Lock()


def div_client(
    municipality: str,
    *,
    simulator: DivSimulator | None = None,
    environ: Mapping[str, str] | None = None,
) -> DivClient:
    """The client for one municipality, from its settings (cached per settings)."""
    config = system_config(SYSTEM, municipality, environ)
    institution = municipality_registration_number(municipality, environ)
    sim = simulator or default_simulator()
    key = (config, institution, sim)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = DivClient(
                address=config.base_url,
                session=http_session(config, sim),
                institution=institution,
                timeout=config.timeout,
            )
        return client


class DivOperators:
    def __init__(
        self,
        documents: DocumentSource | None = None,
        simulator: DivSimulator | None = None,
    ) -> None:
        self.documents = documents
        self.simulator = simulator

    def client(self, municipality: str) -> DivClient:
        return div_client(municipality, simulator=self.simulator)

    def send(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """div.send: {recipient, document_kind, title, attachments | document,
        document_number?, in_reply_to?} -> {document_id, sent_at}."""
        name = "div.send"
        municipality = municipality_of(name, context, SYSTEM)
        recipient = params.get("recipient")
        if not isinstance(recipient, str):
            raise InvalidParameters(f"{name}: recipient is a registration number")
        in_reply_to = params.get("in_reply_to")
        number = params.get("document_number")
        result = self.client(municipality).send_document(
            recipient=recipient,
            document_kind=str(params.get("document_kind") or ""),
            title=str(params.get("title") or ""),
            attachments=attachments_from_params(
                name, params, municipality, self.documents
            ),
            client_document_id=idempotency_key(name, params, context),
            document_number=str(number) if number else None,
            in_reply_to=str(in_reply_to) if in_reply_to else None,
        )
        return {
            "document_id": result.document_id,
            "sent_at": result.sent_at.isoformat(),
        }


def register(
    registry: Registry,
    documents: DocumentSource | None = None,
    simulator: DivSimulator | None = None,
) -> None:
    """Register the operators; ``documents`` resolves document references,
    ``simulator`` replaces the process-wide one (tests)."""
    config = system_config("DIV")
    registry.register(
        Operator(
            name="div.send",
            system="DIV",
            description="Nosūtīt dokumentu citai iestādei (DIV)",
            mode=config.mode,
            func=DivOperators(documents=documents, simulator=simulator).send,
            params=("recipient", "document_kind", "title"),
            kind=COMMAND,
            timeout=config.timeout,
        )
    )
