# SPDX-License-Identifier: EUPL-1.2
"""A finance system's import (Horizon/GVedis, Ozols style) simulated.

``POST /batches`` takes a file in PKIP finanšu eksports v1 (``CONTRACT.md``), checks it
with ``format.parse`` — structure, totals, checksum — and imports it once per
``Idempotency-Key``; a broken file is refused with 422 naming the line and the field.
``GET /`` lists imported and refused batches. Faults: operation ``export``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connectors.simkit import (
    Counted,
    FaultPlan,
    IdempotencyConflict,
    IdempotencyLedger,
    dispatch,
    fingerprint,
    heading,
    html_page,
    html_table,
    json_response,
    mask_personas_kods,
    problem,
    with_faults,
)
from connectors.systems.finance.contract import Batch, FormatError, parse

OPERATIONS = ("export",)
_KEEP_REFUSED = 50


@dataclass(frozen=True)
class ImportedBatch:
    import_id: str
    batch: Batch
    received_at: datetime


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class _Request(Request):
    max_content_length = 20 * 1024 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _content(batch: Batch) -> tuple[Any, ...]:
    # What makes two files the same batch: everything but the creation time.
    header = {k: v for k, v in batch.header.items() if k != "izveidots"}
    return (header, batch.invoices, batch.payments)


def _pair(batch: Batch, kind: str) -> str:
    return f"{batch.totals[kind + '_skaits']} / {batch.totals[kind + '_summa']}"


class FinanceSimulator(Counted):
    def __init__(
        self, *, clock: Callable[[], datetime] = _utc_now, stall_seconds: float = 2.0
    ) -> None:
        self.clock = clock
        self.faults = FaultPlan(OPERATIONS, stall_seconds)
        self._lock = threading.RLock()
        self.ledger = IdempotencyLedger(self._lock)
        self._urls = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule("/batches", endpoint="batches", methods=["POST"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.ledger.clear()
            self.imported: list[ImportedBatch] = []
            self.refused: list[dict[str, str]] = []

    def inject(self, operation: str, fault: str, count: int = 1) -> None:
        self.faults.inject(operation, fault, count)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return dispatch(self, self._urls, _Request, environ, start_response)

    def _on_batches(self, request: Request) -> Response:
        return with_faults(self.faults, "export", lambda: self._import(request))

    def _refuse(self, error: FormatError) -> _Refused:
        with self._lock:
            self.refused.append(
                {
                    "at": self.clock().isoformat(),
                    "where": error.where,
                    "reason": error.reason,
                }
            )
            del self.refused[:-_KEEP_REFUSED]
        errors = [{"path": error.where or "(fails)", "message": error.reason}]
        return _Refused(problem(422, "Pakete noraidīta", error.reason, errors))

    def _import(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            return problem(
                400,
                "Trūkst Idempotency-Key galvenes",
                errors=[{"path": "Idempotency-Key", "message": "Obligāta galvene"}],
            )
        data = request.get_data()
        try:
            batch = parse(data)
        except FormatError as error:
            return self._refuse(error).response

        def action() -> tuple[int, dict[str, Any]]:
            for earlier in self.imported:
                if earlier.batch.batch_id == batch.batch_id:
                    if _content(earlier.batch) != _content(batch):
                        raise _Refused(
                            problem(
                                409,
                                "Pakete ar šo paketes_id jau importēta ar citu saturu",
                            )
                        )
                    return 201, self._receipt(earlier)
            imported = ImportedBatch(
                f"IMP-{len(self.imported) + 1:06d}", batch, self.clock()
            )
            self.imported.append(imported)
            return 201, self._receipt(imported)

        try:
            (status, reply), _ = self.ledger.run(
                "export", key, fingerprint(_content(batch)), action
            )
        except _Refused as refused:
            return refused.response
        except IdempotencyConflict:
            return problem(409, "Idempotency-Key jau izmantota citai paketei")
        return json_response(reply, status)

    @staticmethod
    def _receipt(imported: ImportedBatch) -> dict[str, Any]:
        return {
            "import_id": imported.import_id,
            "batch_id": imported.batch.batch_id,
            "invoices": len(imported.batch.invoices),
            "payments": len(imported.batch.payments),
            "checksum": imported.batch.checksum,
            "received_at": imported.received_at.isoformat(),
        }

    def _on_page(self, request: Request) -> Response:
        return self.page()

    def page(self) -> Response:
        with self._lock:
            imported = list(reversed(self.imported))
            refused = list(reversed(self.refused))
            counts = (
                self.ledger.received_total,
                self.ledger.unique,
                self.ledger.duplicates,
            )
        batch_rows = [
            (
                i.import_id,
                i.batch.batch_id,
                i.batch.header["pasvaldiba"],
                f"{i.batch.header['periods_no']} – {i.batch.header['periods_lidz']}",
                _pair(i.batch, "rekinu"),
                _pair(i.batch, "maksajumu"),
                i.batch.checksum[:12] + "…",
                i.received_at.strftime("%d.%m.%Y %H:%M"),
            )
            for i in imported
        ]
        payment_rows = [
            (
                i.batch.batch_id,
                p["maksajuma_id"],
                p["atsauce"],
                p["maksataja_nosaukums"],
                mask_personas_kods(p["maksataja_kods"])
                if "-" in p["maksataja_kods"]
                else p["maksataja_kods"],
                p["samaksats"],
                p["summa"],
            )
            for i in imported
            for p in i.batch.payments
        ]
        return html_page(
            "Finanšu sistēmas simulators — saņemtās paketes",
            heading("Importētās paketes"),
            html_table(
                (
                    "Imports",
                    "Pakete",
                    "Pašvaldība",
                    "Periods",
                    "Rēķini (skaits / summa)",
                    "Maksājumi (skaits / summa)",
                    "Kontrolsumma",
                    "Saņemts",
                ),
                batch_rows,
            ),
            heading("Saņemtie maksājumi"),
            html_table(
                (
                    "Pakete",
                    "Maksājums",
                    "Atsauce",
                    "Maksātājs",
                    "Kods",
                    "Datums",
                    "Summa",
                ),
                payment_rows,
            ),
            heading("Noraidītās paketes"),
            html_table(
                ("Laiks", "Vieta", "Iemesls"),
                [(r["at"], r["where"], r["reason"]) for r in refused],
                empty="Nav.",
            ),
            heading("Pieprasījumi"),
            html_table(("Kopā", "Unikāli", "Dublikāti"), [counts], empty="Nav."),
        )


_default: FinanceSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> FinanceSimulator:
    """The process-wide simulator that simulated exports and /sim/finance/ share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = FinanceSimulator()
        return _default
