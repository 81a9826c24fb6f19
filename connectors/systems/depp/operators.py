# SPDX-License-Identifier: EUPL-1.2
"""The DEPP operators (``depp.send``, ``depp.search_addressee``) and the client
factory the operators and the polling job share.

The municipality's own e-address comes from ``PKIP_DEPP__<CODE>_EADDRESS`` (or
``PKIP_DEPP_EADDRESS`` for a single-municipality installation). When DEPP is
simulated and none is set, a demo address is used: Rīga's real registration number
for RIGA, for any other code a valid number derived from the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from connectors.config import ConnectorConfigError, http_session, system_config
from connectors.registry import COMMAND, QUERY, InvalidParameters, Operator, Registry
from connectors.systems.depp import contract as env
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.simulator import DeppSimulator, default_simulator
from core.contracts import CallContext

SYSTEM = "DEPP"
KNOWN_EADDRESSES = {"RIGA": "_DEFAULT@90011524360"}
_WEIGHTS = (9, 1, 4, 8, 3, 10, 2, 5, 7, 6)


def demo_registration_number(municipality: str) -> str:
    """A valid public-institution registration number (starts with 9) derived from
    the municipality's code: the same code always gives the same number."""
    seed = hashlib.sha256(municipality.upper().encode()).hexdigest()
    for shift in range(0, 40):
        digits = "9" + str(int(seed[shift : shift + 12], 16))[-9:].zfill(9)
        check = (
            3 - sum(w * int(d) for w, d in zip(_WEIGHTS, digits, strict=True))
        ) % 11
        if check < 10:
            return digits + str(check)
    raise AssertionError("unreachable")  # pragma: no cover


def municipality_eaddress(
    municipality: str, environ: Mapping[str, str] | None = None
) -> str:
    """The municipality's own e-address (the sender of its messages, its inbox)."""
    values = os.environ if environ is None else environ
    code = municipality.upper()
    for name in (f"PKIP_DEPP__{code}_EADDRESS", "PKIP_DEPP_EADDRESS"):
        if values.get(name):
            try:
                return env.normalize_eaddress(values[name], name)
            except env.EnvelopeError as exc:
                raise ConnectorConfigError(f"{name}: {exc.reason}") from None
    if not system_config(SYSTEM, municipality, values).simulated:
        raise ConnectorConfigError(
            f"PKIP_DEPP__{code}_EADDRESS: needed when DEPP is live"
        )
    return KNOWN_EADDRESSES.get(code) or env.DEFAULT + demo_registration_number(code)


_clients: dict[tuple[Any, ...], DeppClient] = {}
_clients_lock = threading.Lock()


def depp_client(
    municipality: str,
    *,
    simulator: DeppSimulator | None = None,
    environ: Mapping[str, str] | None = None,
) -> DeppClient:
    """The client for one municipality, from its settings (cached per settings)."""
    config = system_config(SYSTEM, municipality, environ)
    own = municipality_eaddress(municipality, environ)
    sim = simulator or default_simulator()
    key = (config, own, sim)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = DeppClient(
                address=config.base_url,
                session=http_session(config, sim),
                own_address=own,
                timeout=config.timeout,
            )
        return client


# -- parameters ----------------------------------------------------------------------


class DocumentSource(Protocol):
    """Resolves a document reference (``document: "<ref>"``) to an attachment; the
    document store provides one when it exists."""

    def attachment(self, reference: str, municipality: str) -> env.Attachment:
        """The document's file; raises a ConnectorError when it cannot be had."""
        ...


def attachments_from_params(
    operator: str,
    params: Mapping[str, Any],
    municipality: str,
    documents: DocumentSource | None,
) -> tuple[env.Attachment, ...]:
    """``attachments`` (a list of {name, mime, content_base64}) and/or ``document``
    (one such dict, or a reference the document store resolves)."""
    found: list[env.Attachment] = []
    raw = params.get("attachments") or []
    if not isinstance(raw, list):
        raise InvalidParameters(f"{operator}: attachments must be a list")
    items: list[Any] = list(raw)
    document = params.get("document")
    if isinstance(document, str) and document:
        if documents is None:
            raise InvalidParameters(
                f"{operator}: no document store is configured to resolve 'document'"
            )
        found.append(documents.attachment(document, municipality).checked())
    elif document is not None:
        items.append(document)
    for item in items:
        if not isinstance(item, Mapping):
            raise InvalidParameters(
                f"{operator}: each attachment is {{name, mime, content_base64}}"
            )
        found.append(
            env.Attachment.from_base64(
                str(item.get("name") or ""),
                str(item.get("mime") or ""),
                item.get("content_base64"),
            )
        )
    if not found:
        raise InvalidParameters(f"{operator}: give attachments or a document")
    return tuple(found)


def idempotency_key(
    operator: str, params: Mapping[str, Any], context: CallContext
) -> str:
    """The outbox's key; without one (an inline call), a key from the step and the
    content, so repeating the very same send from the same step sends once."""
    if context.idempotency_key:
        return context.idempotency_key
    blob = json.dumps(
        [operator, context.instance_id, context.element_id, params],
        sort_keys=True,
        default=str,
    )
    return "inline-" + hashlib.sha256(blob.encode()).hexdigest()[:48]


def municipality_of(operator: str, context: CallContext, system: str = SYSTEM) -> str:
    """The calling municipality; a call without one (``pkip bpmn run``) may only
    reach a simulator, as the demo municipality."""
    if context.municipality:
        return context.municipality
    if system_config(system).simulated:
        return os.environ.get("PKIP_DEMO_MUNICIPALITY") or "DEMO"
    raise InvalidParameters(f"{operator}: the calling municipality is unknown")


def recipients_of(operator: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidParameters(f"{operator}: recipients is an e-address or a list of them")


# -- operators -----------------------------------------------------------------------


class DeppOperators:
    """The operator functions, with what they depend on made explicit."""

    def __init__(
        self,
        documents: DocumentSource | None = None,
        simulator: DeppSimulator | None = None,
    ) -> None:
        self.documents = documents
        self.simulator = simulator

    def client(self, municipality: str) -> DeppClient:
        return depp_client(municipality, simulator=self.simulator)

    def send(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """depp.send: {recipients, document_kind, title, attachments | document,
        in_reply_to?} -> {message_id, sent_at, delivered_on}."""
        name = "depp.send"
        municipality = municipality_of(name, context)
        attachments = attachments_from_params(
            name, params, municipality, self.documents
        )
        in_reply_to = params.get("in_reply_to")
        result = self.client(municipality).send_message(
            recipients=recipients_of(name, params.get("recipients")),
            document_kind=str(params.get("document_kind") or ""),
            title=str(params.get("title") or ""),
            attachments=attachments,
            client_message_id=idempotency_key(name, params, context),
            in_reply_to=str(in_reply_to) if in_reply_to else None,
        )
        return {
            "message_id": result.message_id,
            "sent_at": result.sent_at.isoformat(),
            "delivered_on": result.delivered_on.isoformat(),
        }

    def search_addressee(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """depp.search_addressee: {identifier} -> {active, eaddress}."""
        name = "depp.search_addressee"
        municipality = municipality_of(name, context)
        identifier = params.get("identifier")
        if not isinstance(identifier, str):
            raise InvalidParameters(f"{name}: identifier must be text")
        found = self.client(municipality).search_addressee(identifier)
        return {"active": found.active, "eaddress": found.eaddress}


def register(
    registry: Registry,
    documents: DocumentSource | None = None,
    simulator: DeppSimulator | None = None,
) -> None:
    """Register the operators; ``documents`` resolves document references,
    ``simulator`` replaces the process-wide one (tests)."""
    config = system_config("DEPP")
    operators = DeppOperators(documents=documents, simulator=simulator)
    registry.register(
        Operator(
            name="depp.send",
            system="DEPP",
            description=(
                "Nosūtīt dokumentu (PDF vai .edoc) uz oficiālo e-adresi; paziņots"
                " otrajā darba dienā"
            ),
            mode=config.mode,
            func=operators.send,
            params=("recipients", "document_kind", "title"),
            kind=COMMAND,
            timeout=config.timeout,
        )
    )
    registry.register(
        Operator(
            name="depp.search_addressee",
            system="DEPP",
            description=(
                "Vai personai vai organizācijai (pēc koda) ir aktīva oficiālā e-adrese"
            ),
            mode=config.mode,
            func=operators.search_addressee,
            params=("identifier",),
            kind=QUERY,
            timeout=config.timeout,
        )
    )
