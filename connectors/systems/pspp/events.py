# SPDX-License-Identifier: EUPL-1.2
"""The PSPP simulator's case histories: events appended in order, as a real
service would keep them.

An event is accepted only as the next of its case (``sequence`` = what it holds +
1) and not earlier than the one before; the same event again (same id and body) gets
the first reply whatever its Idempotency-Key, the same id with another body is
refused. Refusals are problem documents with the field named.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from connectors.simkit import heading, html_table, problem


class EventRefused(Exception):
    """A refused event (the problem reply to send)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


class CaseEventLog:
    """Events per case; the simulator holds its lock while calling in."""

    def __init__(self) -> None:
        self.cases: dict[str, list[dict[str, Any]]] = {}
        self._by_id: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def accept(self, event: dict[str, Any], received_at: str) -> dict[str, Any]:
        """Append ``event`` (already checked against the contract); its receipt."""
        known = self._by_id.get(event["event_id"])
        if known is not None:
            body, receipt = known
            if body == event:
                return receipt  # the same event again: the same answer
            raise EventRefused(
                problem(
                    409,
                    "Notikuma identifikators jau izmantots citam notikumam",
                    errors=[
                        {"path": "event_id", "message": "Jau saņemts ar citu saturu"}
                    ],
                )
            )
        history = self.cases.setdefault(event["case_id"], [])
        self._check_order(history, event)
        receipt = {
            "case_id": event["case_id"],
            "event_id": event["event_id"],
            "sequence": event["sequence"],
            "status": event["status"],
            "received_at": received_at,
        }
        history.append({**event, "received_at": received_at})
        self._by_id[event["event_id"]] = (dict(event), receipt)
        return receipt

    @staticmethod
    def _check_order(history: list[dict[str, Any]], event: dict[str, Any]) -> None:
        expected = len(history) + 1
        if event["sequence"] < expected:
            raise EventRefused(
                problem(
                    409,
                    "Notikums ar šo kārtas numuru jau saņemts",
                    errors=[{"path": "sequence", "message": f"Gaidīts Nr. {expected}"}],
                )
            )
        if event["sequence"] > expected:
            raise EventRefused(
                problem(
                    409,
                    "Trūkst iepriekšējo notikumu",
                    f"Vispirms sūtiet notikumu Nr. {expected}",
                    errors=[{"path": "sequence", "message": f"Gaidīts Nr. {expected}"}],
                )
            )
        if history and _time(event["time"]) < _time(history[-1]["time"]):
            raise EventRefused(
                problem(
                    422,
                    "Notikums agrāks par iepriekšējo",
                    errors=[
                        {"path": "time", "message": "Agrāks par iepriekšējo notikumu"}
                    ],
                )
            )

    def forget(self, case_id: str) -> None:
        for event in self.cases.pop(case_id, []):
            self._by_id.pop(event["event_id"], None)

    def listing(self, case_id: str) -> dict[str, Any] | None:
        history = self.cases.get(case_id)
        if not history:
            return None
        return {"case_id": case_id, "events": [dict(e) for e in history]}

    def page_sections(self, status_labels: dict[str, str]) -> list[str]:
        """One heading and table per case, newest case first."""
        sections = [heading("Saņemtie statusu notikumi pa gadījumiem")]
        if not self.cases:
            sections.append(
                html_table(("Gadījums",), [], empty="Nav saņemts neviens notikums.")
            )
        ordered = sorted(
            self.cases.items(), key=lambda kv: kv[1][-1]["received_at"], reverse=True
        )
        for case_id, history in ordered:
            sections.append(
                f"<h3>{_escape(case_id)} ({_escape(history[0]['service_code'])})</h3>"
            )
            sections.append(
                html_table(
                    (
                        "Nr.",
                        "Statuss",
                        "Laiks",
                        "Plānotais termiņš",
                        "Saņemts",
                        "Notikuma id",
                    ),
                    [
                        (
                            e["sequence"],
                            status_labels.get(e["status"], e["status"]),
                            _shown(e["time"]),
                            _shown(e.get("planned_deadline")),
                            _shown(e["received_at"]),
                            e["event_id"],
                        )
                        for e in history
                    ],
                )
            )
        return sections


def _escape(text: str) -> str:
    return html.escape(text)


def _shown(value: str | None) -> str:
    """dd.mm.yyyy hh:mm (UTC as received)."""
    if not value:
        return "—"
    return _time(value).strftime("%d.%m.%Y %H:%M")
