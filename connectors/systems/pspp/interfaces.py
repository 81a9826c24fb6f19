# SPDX-License-Identifier: EUPL-1.2
"""What PKIP needs from PSPP, whatever PSPP's interface turns out to be.

``PsppClient`` implements it for PKIP's provisional contract; a client of the state's
real interface, once published, implements the same protocol and the operators in
``__init__`` keep working unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class PsppGateway(Protocol):
    def publish_service(
        self, card: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Publish a service card; returns ``{code, version, outcome, published_at}``.

        ``outcome`` is ``created``, ``updated`` or ``unchanged``.
        """
        ...

    def report_case_status(
        self, report: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Report a case's status and history; returns ``{case_id, status,
        received_at, history_length}``."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
