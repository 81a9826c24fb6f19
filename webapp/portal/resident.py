# SPDX-License-Identifier: EUPL-1.2
"""The signed-in resident: a session identity of its own, apart from the workplace
user (``uid``). It lives in the signed session cookie sealed with the personal-data
vault (``core/pii.py``), so the personal code is neither readable in the cookie
nor ever in a URL or a log. It ends ``SESSION_MINUTES`` after sign-in, at
sign-out, and whenever the workplace session is cleared."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import session

from domain.portal import Resident
from webapp.support import platform

KEY = "portal"
CONTEXT = "portal.session"
SESSION_MINUTES = 60


def sign_in(resident: Resident) -> None:
    """Start the resident's session: a new CSRF token, nothing of an earlier
    resident kept (the workplace user's sign-in, if any, stays theirs)."""
    session.pop(KEY, None)
    session.pop("csrf_token", None)
    payload = json.dumps(
        {
            "code": resident.personal_code,
            "name": resident.name,
            "company_code": resident.company_code,
            "company_name": resident.company_name,
        },
        ensure_ascii=False,
    )
    session[KEY] = {
        "who": platform().pii.encrypt(payload, CONTEXT),
        "at": int(time.time()),
    }


def sign_out() -> None:
    session.pop(KEY, None)
    session.pop("csrf_token", None)


def current() -> Resident | None:
    """The signed-in resident, or None (also when the session has ended)."""
    entry: Any = session.get(KEY)
    if not isinstance(entry, dict):
        return None
    if time.time() - int(entry.get("at", 0)) > SESSION_MINUTES * 60:
        session.pop(KEY, None)
        return None
    try:
        data = json.loads(platform().pii.decrypt(str(entry.get("who", "")), CONTEXT))
    except (ValueError, KeyError):
        session.pop(KEY, None)
        return None
    return Resident(
        personal_code=data["code"],
        name=data["name"],
        company_code=data.get("company_code"),
        company_name=data.get("company_name"),
    )
