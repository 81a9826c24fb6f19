# SPDX-License-Identifier: EUPL-1.2
"""DEPP, the official e-address: send and receive official correspondence.

``wsdl/`` holds our contract (SOAP 1.2, in the shape of the state's unified service
interface for e-address); ``client`` speaks it through zeep, ``simulator`` serves it
in memory, ``operators`` are what diagrams call, ``models`` stores what the polling
job (``tasks.edelivery.poll_depp``) received. ``soap`` and ``store`` are shared with
the DIV connector.
"""

from __future__ import annotations

from connectors.config import system_config
from connectors.registry import COMMAND, QUERY, Operator, Registry
from connectors.systems.depp.operators import DeppOperators, DocumentSource
from connectors.systems.depp.simulator import DeppSimulator


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
