# SPDX-License-Identifier: EUPL-1.2
"""Client of a finance system's batch import (``CONTRACT.md``, ``POST /batches``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import requests

from connectors.config import SystemConfig, http_session, system_config
from connectors.errors import Rejected
from connectors.restkit import (
    FieldProblem,
    FieldsRefused,
    json_object,
    send,
)
from connectors.systems.finance.export import WHERE, build_batch
from connectors.systems.finance.simulator import default_simulator
from connectors.transport import WSGIApp

SYSTEM = "FINANCE"


class BatchRejected(Rejected):
    """The finance system refused the file; ``problems`` say where and why."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        reason = "; ".join(f"{p.path}: {p.message}" for p in self.problems)
        super().__init__(f"{WHERE}: pakete noraidīta — {reason}")


class FinanceClient:
    def __init__(
        self, config: SystemConfig, session: requests.Session, municipality: str
    ) -> None:
        self.config = config
        self.session = session
        self.municipality = municipality

    @classmethod
    def for_municipality(
        cls,
        municipality: str | None,
        simulator: WSGIApp | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> FinanceClient:
        config = system_config(SYSTEM, municipality, environ)
        session = http_session(config, simulator or default_simulator())
        return cls(config, session, (municipality or "PKIP").upper())

    def __enter__(self) -> FinanceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def export(self, params: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Build the batch from ``params`` (see ``export.py``), check it, send it."""
        data = build_batch(params, self.municipality, idempotency_key)
        return self.post_batch(data, idempotency_key)

    def post_batch(self, data: bytes, idempotency_key: str) -> dict[str, Any]:
        """Send a ready file; returns ``{import_id, batch_id, invoices, payments,
        checksum, received_at}``. A refused file raises ``BatchRejected``."""
        try:
            response = send(
                self.session,
                "POST",
                self.config.base_url + "/batches",
                where=WHERE,
                timeout=self.config.timeout,
                data=data,
                headers={
                    "Idempotency-Key": idempotency_key,
                    "Content-Type": "text/csv; charset=utf-8",
                },
            )
        except FieldsRefused as refused:
            if "Idempotency-Key" in refused.paths:
                raise
            raise BatchRejected(refused.fields) from None
        return json_object(response, WHERE, "import_id", "batch_id", "checksum")
