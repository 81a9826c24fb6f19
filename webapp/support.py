# SPDX-License-Identifier: EUPL-1.2
"""What the inbox, case and start pages share: the viewer, the engine, the
language, and turning the domain's errors into pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy.orm import Session

from domain.accounts.models import SUPERVISOR
from domain.inbox import Viewer
from engine.runtime import ProcessEngine
from webapp.auth import current_municipality, current_user
from webapp.i18n import select_locale


def platform() -> Any:
    return current_app.extensions["pkip"]


def engine_for(db: Session) -> ProcessEngine:
    engine: ProcessEngine = platform().engine(db)
    return engine


def current_viewer() -> Viewer:
    """The signed-in person as the inbox sees them (scoped municipality)."""
    user = current_user()
    assert user is not None  # the views are behind roles_required
    return Viewer(
        username=user.username,
        municipality=current_municipality(),
        departments=user.departments,
        supervisor=user.has_role(SUPERVISOR),
    )


def language() -> str:
    return select_locale()


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def form_schema(key: str | None) -> dict[str, Any] | None:
    """The JSON schema of form ``key`` from the platform's form catalogue."""
    if not key:
        return None
    forms = platform().engine_config.forms
    getter = getattr(forms, "schema", None)
    if getter is None or not forms.has(key):
        return None
    schema: dict[str, Any] = getter(key)
    return schema
