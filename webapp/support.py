# SPDX-License-Identifier: EUPL-1.2
"""What the blueprints share, so that none imports another's modules: the
platform, the engine, the viewer, the language, the page number, a form's
schema and a stored file's download answer."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from core.contracts import FieldError
from domain import inbox
from domain.accounts.models import SUPERVISOR
from domain.inbox import Viewer
from engine.models import ProcessDefinition
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from webapp import platform_of
from webapp.auth import current_municipality, current_user
from webapp.i18n import select_locale


def platform() -> Platform:
    """The current app's platform."""
    return platform_of(current_app)


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
        absences=user.absences,
    )


def language() -> str:
    return select_locale()


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def form_schema(
    key: str | None, definition_id: int | None = None
) -> dict[str, Any] | None:
    """The JSON schema of form ``key``: the version deployed with definition
    ``definition_id`` (domain/form_versions), else the platform's catalogue."""
    if definition_id is None or not key:
        return inbox.form_schema(platform().engine_config.forms, key)
    with platform().transaction(readonly=True) as db:
        engine = engine_for(db)
        definition = db.get(ProcessDefinition, definition_id)
        forms = (
            engine.forms_of(definition)
            if definition is not None
            else platform().engine_config.forms
        )
        return inbox.form_schema(forms, key)


def definition_forms_validate(
    definition_id: int, key: str, data: dict[str, Any]
) -> list[FieldError]:
    """The errors of ``data`` against form ``key`` as deployed with the definition."""
    with platform().transaction(readonly=True) as db:
        engine = engine_for(db)
        definition = db.get(ProcessDefinition, definition_id)
        if definition is None:
            return list(platform().engine_config.forms.validate(key, data))
        return list(engine.forms_of(definition).validate(key, data))


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')


def download(content: bytes, name: str, mime: str, *, inline: bool = False) -> Response:
    """A stored file as an answer: ``Content-Disposition`` with a safe name (an
    ASCII fallback and the UTF-8 name, no quotes, separators or control
    characters), never sniffed, never cached by a shared cache."""
    clean = _UNSAFE_NAME.sub("_", name).strip(" .") or "file"
    fallback = clean.encode("ascii", "replace").decode().replace("?", "_")
    response = Response(content, mimetype=mime)
    response.headers["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(clean, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
