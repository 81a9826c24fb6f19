# SPDX-License-Identifier: EUPL-1.2
"""DIV: documents between institutions (our provisional SOAP 1.2 contract in
``wsdl/``). Sending is the ``div.send`` command; receiving is the polling job
``tasks.edelivery.poll_div``, which stores beside the e-address messages."""

from __future__ import annotations

from connectors.config import system_config
from connectors.registry import COMMAND, Operator, Registry
from connectors.systems.depp.operators import DocumentSource
from connectors.systems.div.operators import DivOperators
from connectors.systems.div.simulator import DivSimulator


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
