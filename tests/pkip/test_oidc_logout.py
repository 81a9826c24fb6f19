# SPDX-License-Identifier: EUPL-1.2
"""The ``oidc.backchannel_logout`` command: a freshly signed logout token per
attempt; a client that is down is retried, one that refuses or stays down a day
fails the message — which belongs to no process, so no incident is opened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from joserfc import jws
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request, Response

from connectors.errors import Rejected, Unavailable
from connectors.transport import in_process_session
from core.contracts import CallContext
from domain.models import Municipality
from domain.oidc.keys import load_signing_key
from domain.oidc.services import BACKCHANNEL_EVENT, LogoutBacklog, logout_backlog
from engine.models import FAILED, Incident, OutboxMessage
from engine.outbox import enqueue_ordered
from pkip.oidc import LogoutSender
from pkip.platform import Platform
from tests.conftest import MUNI, T0

KEY = load_signing_key("", env="test")
CLIENT = "http://rp.test"


def _receiver(status: int, seen: list[str]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(Request(environ).form.get("logout_token", ""))
        return Response("", status=status)(environ, start_response)

    return app


def _sender(status: int, seen: list[str], now: Any = T0) -> LogoutSender:
    session = in_process_session(CLIENT, _receiver(status, seen))
    return LogoutSender(lambda: KEY, lambda: session, lambda: now)


PARAMS = {
    "uri": f"{CLIENT}/backchannel-logout",
    "client_id": "pkip-abc",
    "iss": "https://pkip.riga.lv",
    "sub": "7",
    "sid": "sid-1",
    "queued_at": T0.isoformat(),
}


def test_the_client_gets_a_signed_logout_token() -> None:
    seen: list[str] = []
    assert _sender(200, seen)(PARAMS, CallContext())["status"] == 200
    header = jws.extract_compact(seen[0].encode()).protected
    assert header["typ"] == "logout+jwt" and header["kid"] == KEY.kid
    claims = KEY.verify(seen[0])
    assert claims["aud"] == "pkip-abc" and claims["sid"] == "sid-1"
    assert claims["sub"] == "7" and BACKCHANNEL_EVENT in claims["events"]
    assert "nonce" not in claims and claims["exp"] - claims["iat"] == 120


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, Unavailable), (429, Unavailable), (400, Rejected), (302, Rejected)],
)
def test_answers_map_to_retry_or_refusal(status: int, error: type) -> None:
    with pytest.raises(error):
        _sender(status, [])(PARAMS, CallContext())


def test_a_client_that_does_not_answer_is_tried_again() -> None:
    class Down(requests.Session):
        def post(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            raise requests.ConnectTimeout("no answer")

    sender = LogoutSender(lambda: KEY, Down, lambda: T0)
    with pytest.raises(Unavailable):
        sender(PARAMS, CallContext())


def test_after_a_day_the_logout_is_given_up() -> None:
    seen: list[str] = []
    with pytest.raises(Rejected, match="given up"):
        _sender(200, seen, now=T0 + timedelta(days=1, minutes=1))(PARAMS, CallContext())
    assert seen == []


def test_a_failed_logout_opens_no_incident(
    db_session: Session, platform: Platform
) -> None:
    if db_session.get(Municipality, MUNI) is None:
        db_session.add(Municipality(code=MUNI, name="Rīga", atvk=None))
        db_session.flush()
    message = enqueue_ordered(
        db_session,
        key="oidc-logout:sid-1:pkip-abc",
        instance_id=None,
        municipality=MUNI,
        operator="oidc.backchannel_logout",
        params=PARAMS,
        now=T0,
    )
    engine = platform.engine(db_session)
    assert engine.delivery_attempt_failed(
        message, Rejected("400"), platform.retry_policy
    )
    assert message.status == FAILED
    assert db_session.scalars(select(Incident)).first() is None
    assert db_session.scalars(select(OutboxMessage)).one().last_error == "Rejected: 400"
    # the platform admin sees it beside the system (/admin/oidc/)
    assert logout_backlog(db_session)["pkip-abc"] == LogoutBacklog(waiting=0, failed=1)
