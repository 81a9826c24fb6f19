# SPDX-License-Identifier: EUPL-1.2
"""REST/JSON client of PKIP's provisional PSPP contract (``openapi.yaml``).

Bodies are checked against the contract's schemas before they leave, so a wrong card
fails here with the field named instead of as a 422 from the state; the server's own
422 is mapped the same way (``FieldsRefused`` with the paths).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests

from connectors.config import SystemConfig, http_session, system_config
from connectors.errors import NotFound, Unavailable
from connectors.restkit import FieldsRefused, json_object, send
from connectors.systems.pspp import contract
from connectors.systems.pspp.simulator import default_simulator
from connectors.transport import WSGIApp

SYSTEM = "PSPP"


class PsppClient:
    """Implements ``PsppGateway`` over HTTP (in process to the simulator when
    simulated, to ``PKIP_PSPP_URL`` with the client certificate when live)."""

    def __init__(
        self, config: SystemConfig, session: requests.Session, *, validate: bool = True
    ) -> None:
        self.config = config
        self.session = session
        self.validate = validate

    @classmethod
    def for_municipality(
        cls,
        municipality: str | None,
        simulator: WSGIApp | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> PsppClient:
        config = system_config(SYSTEM, municipality, environ)
        return cls(config, http_session(config, simulator or default_simulator()))

    def __enter__(self) -> PsppClient:
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

    def _url(self, *parts: str) -> str:
        return self.config.base_url + "".join("/" + quote(p, safe="") for p in parts)

    def _check(self, schema: str, body: Mapping[str, Any], where: str) -> None:
        if self.validate:
            problems = contract.validate(schema, body)
            if problems:
                raise FieldsRefused(where, problems)

    def publish_service(
        self, card: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        where = "pspp.publish_service"
        self._check(contract.SERVICE_CARD, card, where)
        response = send(
            self.session,
            "PUT",
            self._url("service-cards", str(card.get("code", ""))),
            where=where,
            timeout=self.config.timeout,
            json=dict(card),
            headers={"Idempotency-Key": idempotency_key},
        )
        return json_object(response, where, "code", "version", "outcome")

    def report_case_status(
        self, report: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        where = "pspp.case_status"
        self._check(contract.CASE_STATUS_REPORT, report, where)
        response = send(
            self.session,
            "PUT",
            self._url("cases", str(report.get("case_id", "")), "status"),
            where=where,
            timeout=self.config.timeout,
            json=dict(report),
            headers={"Idempotency-Key": idempotency_key},
        )
        return json_object(response, where, "case_id", "status", "received_at")

    def report_case_event(
        self, event: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Append one status change to the case's history at PSPP (in order: PSPP
        refuses an event whose predecessor it has not received)."""
        where = "pspp.case_event"
        self._check(contract.CASE_EVENT, event, where)
        response = send(
            self.session,
            "PUT",
            self._url(
                "cases",
                str(event.get("case_id", "")),
                "events",
                str(event.get("event_id", "")),
            ),
            where=where,
            timeout=self.config.timeout,
            json=dict(event),
            headers={"Idempotency-Key": idempotency_key},
        )
        return json_object(
            response, where, "case_id", "event_id", "sequence", "received_at"
        )

    def case_events(self, case_id: str) -> list[dict[str, Any]]:
        """The events PSPP holds for a case, in order (empty when it knows none)."""
        where = "pspp.case_events"
        try:
            response = send(
                self.session,
                "GET",
                self._url("cases", case_id, "events"),
                where=where,
                timeout=self.config.timeout,
            )
        except NotFound:
            return []
        events = json_object(response, where, "events")["events"]
        if not isinstance(events, list):
            raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
        return [dict(e) for e in events if isinstance(e, Mapping)]

    def ensure_service(
        self, card: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Publish ``card`` unless PSPP already has a card with its code (which is
        kept: the catalogue owns it); ``outcome`` ``exists`` then."""
        try:
            found = self.service_card(str(card.get("code", "")))
        except NotFound:
            return self.publish_service(card, idempotency_key)
        return {
            "code": card.get("code"),
            "version": found["version"],
            "outcome": "exists",
            "published_at": found.get("published_at"),
        }

    def service_card(self, code: str) -> dict[str, Any]:
        """The published card with ``version`` and ``published_at``."""
        where = "pspp.service_card"
        response = send(
            self.session,
            "GET",
            self._url("service-cards", code),
            where=where,
            timeout=self.config.timeout,
        )
        return json_object(response, where, "card", "version")

    def case(self, case_id: str) -> dict[str, Any]:
        """The last report PSPP accepted for a case, with ``received_at``."""
        where = "pspp.case"
        response = send(
            self.session,
            "GET",
            self._url("cases", case_id),
            where=where,
            timeout=self.config.timeout,
        )
        return json_object(response, where, "report", "received_at")
