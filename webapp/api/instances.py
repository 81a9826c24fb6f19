# SPDX-License-Identifier: EUPL-1.2
"""Process instances: start one, read it with its waiting tasks, read its history."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts.models import MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR
from domain.services.services import require_ready
from engine.errors import NotFound
from engine.models import ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from webapp import platform_of, transaction
from webapp.api.common import ERROR, access, actor, engine_errors
from webapp.api.schemas import HistoryEventSchema, InstanceSchema, StartArgs
from webapp.auth import current_municipality
from webapp.scoping import get_scoped_or_404, scoped

PATH = "instances"
TAG = "Instances"
START_ROLES = (SPECIALIST, SUPERVISOR)
READ_ROLES = (SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN)

blp = Blueprint(
    "api_instances",
    __name__,
    description="Process instances of the municipality: start, state, history.",
)


def with_open_tasks(db: Session, instance: ProcessInstance) -> ProcessInstance:
    """The instance with ``open_tasks`` (its ready user tasks) for InstanceSchema."""
    instance.open_tasks = list(  # type: ignore[attr-defined]
        db.scalars(
            scoped(select(UserTask), UserTask.municipality)
            .where(
                UserTask.instance_id == instance.id,
                UserTask.state == UserTask.READY,
            )
            .order_by(UserTask.created_at, UserTask.id)
        )
    )
    return instance


@blp.route("", tags=[TAG])
class Instances(MethodView):
    @access("instances:start", *START_ROLES)
    @blp.arguments(StartArgs)
    @blp.response(201, InstanceSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """Start a process, optionally as a service case.

        Starts the version in force for the municipality and runs it to its first
        wait state. The start form's data is validated first: errors come back as
        422 with the field paths under `errors.json.data` (and the case's fields
        under `errors.json.case`). With `case`, a numbered service case is
        registered too; its number is the instance's `business_key`.
        """
        with transaction() as db:
            engine = platform_of(current_app).engine(db)
            with engine_errors():
                try:
                    instance = _start(db, engine, args)
                except NotFound:
                    abort(
                        422,
                        message=_("The request data is not valid."),
                        errors={"json": {"process_key": [_("No such process.")]}},
                    )
            return with_open_tasks(db, instance)


def _start(db: Session, engine: ProcessEngine, args: dict[str, Any]) -> ProcessInstance:
    """The workplace's start (a service case, ``domain.cases``) or a bare instance."""
    municipality, who, case = current_municipality(), actor(), args["case"]
    if case is None:
        # a bare instance of a service is still that service: set up, or refused
        require_ready(
            db, municipality, engine.definition_for(args["process_key"], municipality)
        )
        return engine.start(
            args["process_key"],
            municipality=municipality,
            data=args["data"],
            actor=who,
            business_key=args["business_key"],
        )
    started = cases.start_case(
        engine,
        db,
        args["process_key"],
        municipality=municipality,
        data=args["data"],
        actor=who,
        client=cases.Client(case["client_name"], case["client_identifier"]),
        channel=case["channel"],
    )
    return engine.get_instance(started.instance_id, municipality)


@blp.route("/<instance_id>", tags=[TAG])
class Instance(MethodView):
    @access("instances:read", *READ_ROLES)
    @blp.response(200, InstanceSchema)
    @blp.alt_response(
        404, schema=ERROR, description="No such instance in the municipality."
    )
    def get(self, instance_id: str) -> Any:
        """An instance, its status and the user tasks it waits for."""
        with transaction() as db:
            return with_open_tasks(
                db, get_scoped_or_404(db, ProcessInstance, instance_id)
            )


@blp.route("/<instance_id>/history", tags=[TAG])
class History(MethodView):
    @access("instances:read", *READ_ROLES)
    @blp.response(200, HistoryEventSchema(many=True))
    @blp.alt_response(
        404, schema=ERROR, description="No such instance in the municipality."
    )
    def get(self, instance_id: str) -> Any:
        """The instance's history, oldest first."""
        with transaction() as db, engine_errors():
            return (
                platform_of(current_app)
                .engine(db)
                .history(instance_id, current_municipality())
            )
