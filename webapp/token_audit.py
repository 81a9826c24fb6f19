# SPDX-License-Identifier: EUPL-1.2
"""An action by an API token names the token and the person behind it in the
record itself.

The engine records a token's actions as ``token:<id>`` (the actor of history
events, the assignee of a claim, ``started_by``, ``deployed_by``, …): stable, and
short enough for every actor column. So that an instance's history stays
readable on its own — also once a token was revoked, also in an export — every
history event written by a token's request gets ``details["token"]`` with the
token's id and name and its creator's username. This happens before the flush,
in the request's own transaction, without the engine knowing about tokens.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from domain.accounts.tokens import token_actor
from engine.models import HistoryEvent

_installed = False


def install() -> None:
    """Listen on every session once per process (apps come and go in tests)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _stamp_token_events)
        _installed = True


def _stamp_token_events(session: Session, _context: Any, _instances: Any) -> None:
    if not has_request_context():
        return
    token = g.get("pkip_api_token")
    if token is None:
        return
    actor = token_actor(token)
    stamp = {"id": token.id, "name": token.name, "created_by": token.created_by}
    for obj in session.new:
        if isinstance(obj, HistoryEvent) and obj.actor == actor:
            details = dict(obj.details or {})
            details.setdefault("token", stamp)
            obj.details = details
