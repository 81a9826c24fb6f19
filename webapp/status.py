# SPDX-License-Identifier: EUPL-1.2
"""The platform's status page (for platform admins) and a public JSON health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import func, select, text

from domain.accounts.models import PLATFORM_ADMIN
from domain.models import Municipality
from engine.models import Incident, ProcessDefinition, ProcessInstance, UserTask
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
        definitions = session.execute(
            select(
                ProcessDefinition.key,
                ProcessDefinition.name,
                ProcessDefinition.municipality,
                func.max(ProcessDefinition.version),
            )
            .group_by(
                ProcessDefinition.key,
                ProcessDefinition.name,
                ProcessDefinition.municipality,
            )
            .order_by(ProcessDefinition.key)
        ).all()
        instances = dict(
            session.execute(
                select(ProcessInstance.status, func.count()).group_by(
                    ProcessInstance.status
                )
            ).all()
        )
        open_tasks = session.scalar(
            select(func.count())
            .select_from(UserTask)
            .where(UserTask.state == UserTask.READY)
        )
        incidents = session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(Incident.status == Incident.OPEN)
        )
        municipalities = session.scalars(
            select(Municipality).order_by(Municipality.code)
        ).all()
    return render_template(
        "status.html",
        definitions=definitions,
        instances=instances,
        open_tasks=open_tasks or 0,
        incidents=incidents or 0,
        municipalities=municipalities,
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
