# SPDX-License-Identifier: EUPL-1.2
"""The platform's status page (for platform admins) and a public JSON health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from domain.accounts.models import PLATFORM_ADMIN
from domain.platform_status import platform_status
from webapp import platform_of
from webapp.auth import public, roles_required

bp = Blueprint("status", __name__)


def _platform() -> Any:
    return platform_of(current_app)


@bp.get("/admin/status")
@roles_required(PLATFORM_ADMIN)
def index() -> str:
    platform = _platform()
    with platform.transaction() as session:
        found = platform_status(session)
    return render_template(
        "status.html",
        definitions=found.definitions,
        instances=found.instances,
        open_tasks=found.open_tasks,
        incidents=found.incidents,
        municipalities=found.municipalities,
        background="Celery" if platform.settings.broker_url else None,
        database="PostgreSQL" if not platform.settings.is_sqlite else "SQLite",
    )


@bp.get("/healthz")
@public
def health() -> Any:
    platform = _platform()
    with platform.transaction() as session:
        session.execute(text("SELECT 1"))
    return jsonify(status="ok")
