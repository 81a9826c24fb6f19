# SPDX-License-Identifier: EUPL-1.2
"""The PSPP simulator: serves ``openapi.yaml`` with in-memory, thread-safe state.

Starts with PKIP's own e-services in the catalogue (``fixtures.py``), validates every
body with the same contract the client uses, deduplicates by ``Idempotency-Key``, and
shows on ``GET /`` the case statuses it has received. Faults: ``inject(operation,
fault, count)`` with operations ``publish_service``, ``case_status``,
``get_service_card``, ``get_case`` (see ``simkit`` for what each fault does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
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
    problem,
    read_json,
    with_faults,
)
from connectors.systems.pspp import contract, fixtures
from connectors.systems.pspp.events import CaseEventLog, EventRefused

OPERATIONS = (
    "publish_service",
    "case_status",
    "case_event",
    "get_service_card",
    "get_case",
    "get_case_events",
)

STATUS_LABELS = {
    "registered": "Reģistrēts",
    "in_progress": "Izskatīšanā",
    "waiting_for_client": "Gaida klienta informāciju",
    "decision_made": "Pieņemts lēmums",
    "completed": "Pakalpojums sniegts",
    "rejected": "Atteikts",
    "cancelled": "Atsaukts",
}
CHANNEL_LABELS = {
    "in_person": "Klātienē",
    "online": "E-pakalpojums",
    "e_address": "E-adrese",
    "post": "Pasts",
    "vpvkac": "VPVKAC",
    "phone": "Tālrunis",
    "email": "E-pasts",
}


class _Refused(Exception):
    """A command refused with a problem reply (not remembered by the ledger)."""

    def __init__(self, response: Response) -> None:
        self.response = response


class _Request(Request):
    max_content_length = 1024 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


class PsppSimulator(Counted):
    """A WSGI app; mount it anywhere (the web app puts it under ``/sim/pspp/``)."""

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
                Rule("/service-cards/<code>", endpoint="card", methods=["GET", "PUT"]),
                Rule("/cases/<case_id>/status", endpoint="status", methods=["PUT"]),
                Rule("/cases/<case_id>", endpoint="case", methods=["GET"]),
                Rule(
                    "/cases/<case_id>/events/<event_id>",
                    endpoint="event",
                    methods=["PUT"],
                ),
                Rule("/cases/<case_id>/events", endpoint="events", methods=["GET"]),
            ]
        )
        self.reset()

    # -- state ------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the fixture catalogue, nothing received, no faults queued."""
        with self._lock:
            self.faults.clear()
            self.ledger.clear()
            self.cards: dict[str, dict[str, Any]] = {
                code: {"card": card, "version": 1, "published_at": None}
                for code, card in fixtures.catalogue().items()
            }
            self.published: list[str] = []  # codes published through the API
            self.cases: dict[str, dict[str, Any]] = {}
            self.events = CaseEventLog()

    def inject(self, operation: str, fault: str, count: int = 1) -> None:
        self.faults.inject(operation, fault, count)

    def case_events(self, case_id: str) -> list[dict[str, Any]]:
        """The events received for a case, in order (for tests and the page)."""
        with self._lock:
            found = self.events.listing(case_id)
            return found["events"] if found else []

    def forget_case(self, case_id: str) -> None:
        """Lose what was received for a case (a test of reconciliation)."""
        with self._lock:
            self.events.forget(case_id)
            self.cases.pop(case_id, None)
            self.ledger.clear()

    def case(self, case_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self.cases.get(case_id)
            return dict(found) if found else None

    # -- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return dispatch(self, self._urls, _Request, environ, start_response)

    def _on_page(self, request: Request) -> Response:
        return self.page()

    def _on_card(self, request: Request, code: str) -> Response:
        if request.method == "GET":
            return with_faults(
                self.faults, "get_service_card", lambda: self._get_card(code)
            )
        return with_faults(
            self.faults,
            "publish_service",
            lambda: self._command(request, "publish_service", self._publish, code),
        )

    def _on_status(self, request: Request, case_id: str) -> Response:
        return with_faults(
            self.faults,
            "case_status",
            lambda: self._command(request, "case_status", self._report, case_id),
        )

    def _on_case(self, request: Request, case_id: str) -> Response:
        return with_faults(self.faults, "get_case", lambda: self._get_case(case_id))

    def _on_event(self, request: Request, case_id: str, event_id: str) -> Response:
        def apply(_: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            return self._event(case_id, event_id, body)

        return with_faults(
            self.faults,
            "case_event",
            lambda: self._command(request, "case_event", apply, case_id),
        )

    def _on_events(self, request: Request, case_id: str) -> Response:
        def listing() -> Response:
            with self._lock:
                found = self.events.listing(case_id)
            if found is None:
                return problem(404, "Pakalpojuma gadījums nav atrasts")
            return json_response(found)

        return with_faults(self.faults, "get_case_events", listing)

    # -- queries ----------------------------------------------------------------------
    def _get_card(self, code: str) -> Response:
        with self._lock:
            entry = self.cards.get(code)
            if entry is None:
                return problem(404, "Pakalpojuma kartīte nav atrasta")
            published = entry["published_at"] or "2026-01-01T00:00:00+00:00"
            return json_response(
                {
                    "card": entry["card"],
                    "version": entry["version"],
                    "published_at": published,
                }
            )

    def _get_case(self, case_id: str) -> Response:
        with self._lock:
            entry = self.cases.get(case_id)
            if entry is None:
                return problem(404, "Pakalpojuma gadījums nav atrasts")
            return json_response(
                {"report": entry["report"], "received_at": entry["received_at"]}
            )

    # -- commands ---------------------------------------------------------------------
    def _command(
        self,
        request: Request,
        operation: str,
        apply: Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]],
        target: str,
    ) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            return problem(
                400,
                "Trūkst Idempotency-Key galvenes",
                errors=[{"path": "Idempotency-Key", "message": "Obligāta galvene"}],
            )
        try:
            body = read_json(request.get_data())
        except ValueError:
            return problem(400, "Pieprasījuma saturs nav JSON")

        def action() -> tuple[int, dict[str, Any]]:
            return apply(target, body)

        try:
            (status, reply), _ = self.ledger.run(
                operation, key, fingerprint(request.path, body), action
            )
        except _Refused as refused:
            return refused.response
        except IdempotencyConflict:
            return problem(409, "Idempotency-Key jau izmantota citam pieprasījumam")
        return json_response(reply, status)

    @staticmethod
    def _refuse_invalid(schema: str, body: Any, path_id: str, id_field: str) -> None:
        errors = [
            {"path": p.path, "message": p.message}
            for p in contract.validate(schema, body)
        ]
        if not errors and body[id_field] != path_id:
            errors = [{"path": id_field, "message": "Nesakrīt ar adresi (URL)"}]
        if errors:
            raise _Refused(
                problem(422, "Pieprasījums neatbilst līgumam", errors=errors)
            )

    def _publish(self, code: str, card: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._refuse_invalid(contract.SERVICE_CARD, card, code, "code")
        now = self.clock().isoformat()
        entry = self.cards.get(code)
        if entry is None:
            entry = {"card": card, "version": 1, "published_at": now}
            status, outcome = 201, "created"
        elif entry["card"] == card:
            status, outcome = 200, "unchanged"
        else:
            entry = {"card": card, "version": entry["version"] + 1, "published_at": now}
            status, outcome = 200, "updated"
        self.cards[code] = entry
        self.published.append(code)
        return status, {
            "code": code,
            "version": entry["version"],
            "outcome": outcome,
            "published_at": entry["published_at"] or now,
        }

    def _report(
        self, case_id: str, report: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        self._refuse_invalid(contract.CASE_STATUS_REPORT, report, case_id, "case_id")
        errors = self._history_errors(report)
        if errors:
            raise _Refused(problem(422, "Vēsture nav laika secībā", errors=errors))
        if report["service_code"] not in self.cards:
            raise _Refused(
                problem(409, "Pakalpojums nav katalogā", "Vispirms publicējiet kartīti")
            )
        received_at = self.clock().isoformat()
        self.cases[case_id] = {"report": report, "received_at": received_at}
        return 200, {
            "case_id": case_id,
            "status": report["status"],
            "received_at": received_at,
            "history_length": len(report["history"]),
        }

    def _event(
        self, case_id: str, event_id: str, event: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        self._refuse_invalid(contract.CASE_EVENT, event, case_id, "case_id")
        if event["event_id"] != event_id:
            raise _Refused(
                problem(
                    422,
                    "Pieprasījums neatbilst līgumam",
                    errors=[
                        {"path": "event_id", "message": "Nesakrīt ar adresi (URL)"}
                    ],
                )
            )
        if event["service_code"] not in self.cards:
            raise _Refused(
                problem(409, "Pakalpojums nav katalogā", "Vispirms publicējiet kartīti")
            )
        try:
            return 200, self.events.accept(event, self.clock().isoformat())
        except EventRefused as refused:
            raise _Refused(refused.response) from None

    @staticmethod
    def _history_errors(report: dict[str, Any]) -> list[dict[str, str]]:
        previous = None
        for i, entry in enumerate(report["history"]):
            at = _parse_time(entry["time"])
            if previous is not None and at < previous:
                return [
                    {"path": f"history.{i}.time", "message": "Agrāks par iepriekšējo"}
                ]
            previous = at
        if previous is not None and _parse_time(report["time"]) < previous:
            return [{"path": "time", "message": "Agrāks par pēdējo vēstures ierakstu"}]
        return []

    # -- the page ---------------------------------------------------------------------
    def page(self) -> Response:
        with self._lock:
            cases = sorted(self.cases.items(), key=lambda kv: kv[1]["received_at"])
            published = [
                (code, self.cards[code]) for code in dict.fromkeys(self.published)
            ]
            event_sections = self.events.page_sections(STATUS_LABELS)
            counts = (
                self.ledger.received_total,
                self.ledger.unique,
                self.ledger.duplicates,
            )
        case_rows = [
            (
                case_id,
                entry["report"]["service_code"],
                CHANNEL_LABELS.get(
                    entry["report"]["channel"], entry["report"]["channel"]
                ),
                STATUS_LABELS.get(entry["report"]["status"], entry["report"]["status"]),
                entry["report"]["time"],
                "; ".join(
                    f"{STATUS_LABELS.get(h['status'], h['status'])} ({h['time']})"
                    for h in entry["report"]["history"]
                ),
                entry["received_at"],
            )
            for case_id, entry in reversed(cases)
        ]
        card_rows = [
            (
                code,
                e["card"]["name"],
                e["card"]["provider"]["name"],
                _fees(e["card"]),
                e["version"],
                e["published_at"],
            )
            for code, e in published
        ]
        return html_page(
            "PSPP — pakalpojumu gadījumu statusi",
            heading("Pakalpojumu gadījumi"),
            html_table(
                (
                    "Gadījums",
                    "Pakalpojums",
                    "Kanāls",
                    "Statuss",
                    "Laiks",
                    "Vēsture",
                    "Saņemts",
                ),
                case_rows,
            ),
            *event_sections,
            heading("Publicētās pakalpojumu kartītes"),
            html_table(
                ("Kods", "Nosaukums", "Sniedzējs", "Cenrādis", "Versija", "Publicēta"),
                card_rows,
            ),
            heading("Saņemtie pieprasījumi"),
            html_table(
                ("Kopā", "Unikāli", "Atkārtoti (dublikāti)"), [counts], empty="Nav."
            ),
        )


def _fees(card: dict[str, Any]) -> str:
    """A card's price list in one cell: "Nodeva: 30,00 EUR (no 01.01.2026)"."""
    shown = []
    for fee in card.get("fees", []):
        text = f"{fee['name']}: {fee['amount'].replace('.', ',')} EUR"
        if fee.get("valid_from"):
            y, m, d = fee["valid_from"].split("-")
            text += f" (no {d}.{m}.{y})"
        shown.append(text)
    return "; ".join(shown) or "—"


_default: PsppSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> PsppSimulator:
    """The process-wide simulator that simulated PSPP calls and /sim/pspp/ share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PsppSimulator()
        return _default
