# SPDX-License-Identifier: EUPL-1.2
"""The ``oidc.backchannel_logout`` command: tell a client that a person's single
sign-on session ended (OpenID Connect Back-Channel Logout 1.0).

Wired here, in the composition root, as pkip/documents.py is: the domain queues the
command through the outbox (domain/oidc ``end_sessions``) and may not import the
connector registry. Each delivery attempt signs a fresh logout token (two minutes
to live), so a client that was down gets a valid one when it is back; a client that
refuses (4xx) or stays down past ``GIVE_UP_AFTER`` fails the message (kept in the
outbox with its last error; no incident, as no case waits for it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from connectors.errors import InvalidRequest, Rejected, Unavailable
from connectors.registry import COMMAND, Operator, Registry
from core.contracts import CallContext
from domain.oidc.keys import SigningKey
from domain.oidc.services import LOGOUT_OPERATOR, logout_claims

log = logging.getLogger(__name__)

SYSTEM = "OIDC"
TIMEOUT = 5.0
GIVE_UP_AFTER = timedelta(days=1)
"""A session ended a day ago is long dead at the client too (its tokens were
revoked at once); trying further only fills the queue."""


class Transport:
    """The HTTP session back-channel logouts go out through: a plain one, or the
    one a test sets to reach a client app in process (``connectors.transport``)."""

    def __init__(self) -> None:
        self.session: requests.Session | None = None

    def http(self) -> requests.Session:
        if self.session is not None:
            return self.session
        session = requests.Session()
        session.trust_env = False  # no proxies or netrc between PKIP and its clients
        return session


@dataclass(frozen=True)
class LogoutSender:
    key: Callable[[], SigningKey]
    http: Callable[[], requests.Session]
    clock: Callable[[], datetime]

    def __call__(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        try:
            uri, client_id = str(params["uri"]), str(params["client_id"])
            queued_at = datetime.fromisoformat(str(params["queued_at"]))
            claims = logout_claims(
                issuer=str(params["iss"]),
                client_id=client_id,
                sub=str(params["sub"]),
                sid=str(params["sid"]),
                now=int(time.time()),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidRequest(f"oidc.backchannel_logout: {exc}") from None
        if self.clock() - queued_at > GIVE_UP_AFTER:
            raise Rejected(f"{client_id}: no answer for a day, logout given up")
        token = self.key().sign(claims, typ="logout+jwt")
        try:
            response = self.http().post(
                uri,
                data={"logout_token": token},
                headers={"Cache-Control": "no-store"},
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise Unavailable(f"{client_id}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(f"{client_id}: HTTP {response.status_code}")
        if response.status_code >= 300:
            raise Rejected(f"{client_id}: HTTP {response.status_code}")
        return {"client_id": client_id, "status": response.status_code}


def register(registry: Registry, sender: LogoutSender) -> None:
    registry.register(
        Operator(
            name=LOGOUT_OPERATOR,
            system=SYSTEM,
            description="Paziņot sistēmai, ka lietotāja vienotās pieteikšanās "
            "sesija ir beigusies (back-channel logout)",
            mode="live",
            func=sender,
            params=("uri", "client_id", "iss", "sub", "sid", "queued_at"),
            kind=COMMAND,
            timeout=TIMEOUT,
        )
    )
