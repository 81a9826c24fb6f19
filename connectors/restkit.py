# SPDX-License-Identifier: EUPL-1.2
"""The client side of a JSON/REST connector: send, and map failures to errors.

Shared by the PSPP, payments, DVS (REST) and finance clients.

* timeout, connection failure, 5xx, 408, 429, a reply that is not the JSON
  expected → ``Unavailable``;
* 404 → ``NotFound``;
* 400, 422 → ``InvalidRequest`` (``FieldsRefused`` when the problem's ``errors``
  name the fields);
* 401, 403, 409 → ``Rejected``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from connectors.errors import InvalidRequest, NotFound, Rejected, Unavailable
from core.contracts import CallContext

_DETAIL_MAX = 200


@dataclass(frozen=True)
class FieldProblem:
    path: str
    message: str


class FieldsRefused(InvalidRequest):
    """A request refused field by field (by our own check or by the server)."""

    def __init__(self, where: str, fields: Sequence[FieldProblem]) -> None:
        self.fields = list(fields)
        listed = "; ".join(f"{f.path or '(viss)'}: {f.message}" for f in self.fields)
        super().__init__(f"{where}: nederīgi lauki — {listed}")

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.fields]


def idempotency_key(context: CallContext) -> str:
    """The outbox's key, or a fresh one for a direct call (a demo run, a test)."""
    return context.idempotency_key or f"pkip-{uuid.uuid4()}"


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    where: str,
    timeout: float,
    json: Any = None,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """One HTTP call; a failed one raises the matching connector error."""
    try:
        response = session.request(
            method,
            url,
            json=json,
            data=data,
            headers=dict(headers or {}),
            timeout=timeout,
        )
    except requests.Timeout as exc:
        raise Unavailable(f"{where}: nav atbildes {timeout:g} s laikā") from exc
    except requests.RequestException as exc:
        raise Unavailable(
            f"{where}: savienojums neizdevās ({type(exc).__name__})"
        ) from exc
    check_status(response, where)
    return response


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_status(response: requests.Response, where: str) -> None:
    status = response.status_code
    if status < 400:
        return
    problem = _problem(response)
    said = [str(problem[k]) for k in ("title", "detail") if problem.get(k)]
    detail = (" — ".join(said) or response.reason or "")[:_DETAIL_MAX]
    if status >= 500 or status in (408, 429):
        raise Unavailable(f"{where}: HTTP {status} {detail}")
    if status == 404:
        raise NotFound(f"{where}: {detail}")
    if status in (401, 403, 409):
        raise Rejected(f"{where}: {detail}")
    errors = problem.get("errors")
    if isinstance(errors, list) and errors:
        raise FieldsRefused(
            where,
            [
                FieldProblem(str(e.get("path", "")), str(e.get("message", "")))
                for e in errors
                if isinstance(e, dict)
            ],
        )
    raise InvalidRequest(f"{where}: HTTP {status} {detail}")


def json_object(response: requests.Response, where: str, *keys: str) -> dict[str, Any]:
    """The reply as a JSON object holding ``keys``; anything else is malformed."""
    try:
        data = response.json()
    except ValueError as exc:
        raise Unavailable(f"{where}: atbilde nav derīgs JSON") from exc
    if not isinstance(data, dict) or any(k not in data for k in keys):
        raise Unavailable(f"{where}: atbildei nav gaidītās struktūras")
    return data
