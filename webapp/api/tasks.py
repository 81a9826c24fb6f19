# SPDX-License-Identifier: EUPL-1.2
"""User tasks: the inbox query, one task, claim, unclaim and complete — all through
``domain/inbox.py``, the services the workplace's inbox uses too."""

from __future__ import annotations

from functools import wraps
from typing import Any

import marshmallow as ma
from flask import current_app, jsonify
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from domain import inbox
from domain.accounts.models import SPECIALIST, SUPERVISOR
from domain.cases import ServiceCase
from webapp import platform_of, transaction
from webapp.api.common import ERROR, access, engine_errors, viewer
from webapp.api.instances import with_open_tasks
from webapp.api.schemas import (
    CompleteArgs,
    InstanceSchema,
    TaskArgs,
    TaskDetailSchema,
    TaskPageSchema,
    TaskSchema,
)
from webapp.auth import current_api_token

PATH = "tasks"
TAG = "Tasks"
ROLES = (SPECIALIST, SUPERVISOR)
_NOT_FOUND = "No such task, or not one the caller may see."

blp = Blueprint(
    "api_tasks",
    __name__,
    description="User tasks of the municipality (the task index): query, claim, "
    "complete. People see their own and their departments' tasks (supervisors "
    "all); API tokens see what the person who created them would.",
)

TASK_COLUMNS = tuple(TaskSchema._declared_fields)
_DATETIMES = frozenset(
    name
    for name, f in TaskSchema._declared_fields.items()
    if isinstance(f, ma.fields.DateTime)
)


def _item(entry: inbox.InboxItem) -> dict[str, Any]:
    """One task of a page, as ``InboxTaskSchema`` dumps it (``test_api_tasks``
    holds the two equal): written out here because the schema's dump cost more
    than the rest of the request."""
    values = entry.task._mapping
    row: dict[str, Any] = {}
    for name in TASK_COLUMNS:
        value = values[name]
        row[name] = value.isoformat() if name in _DATETIMES and value else value
    row.update(
        process_name=entry.process_name,
        case_number=entry.case_number,
        overdue=entry.overdue,
        at_risk=entry.at_risk,
    )
    return row


def page_body(page: inbox.InboxPage) -> dict[str, Any]:
    """The ``TaskPageSchema`` document of an inbox page."""
    counts = page.counts
    return {
        "items": [_item(entry) for entry in page.items],
        "total": counts.total,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.filter.per_page,
        "counts": {
            "status": counts.status,
            "due": counts.due,
            "process": counts.process,
        },
    }


@blp.route("", tags=[TAG])
class Tasks(MethodView):
    @access("tasks:read", *ROLES)
    @blp.arguments(TaskArgs(), location="query")  # an instance: not one per request
    @blp.response(200, TaskPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Open tasks: the inbox.

        Filters by status, candidate group, process and due date; sorted by due
        date, priority or age; one page with the total and the counts per filter.
        """
        who = viewer()
        status = args.get("status")
        if status is None:  # a system's inbox is the whole municipality
            status = inbox.ALL if current_api_token() is not None else ""
        flt = inbox.InboxFilter(
            status=status,
            process=args["process"],
            due=args["due"],
            sort=args["sort"],
            group=args["group"],
            page=args["page"],
            per_page=args["page_size"],
        )
        platform = platform_of(current_app)
        with transaction() as db:
            page = inbox.inbox(
                db,
                who,
                flt,
                now=platform.engine_config.clock(),
                calendar=platform.engine_config.calendar,
                people=False,
            )
        return jsonify(page_body(page))  # already TaskPageSchema's shape


@blp.route("/<task_id>", tags=[TAG])
class Task(MethodView):
    @access("tasks:read", *ROLES)
    @blp.response(200, TaskDetailSchema)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    def get(self, task_id: str) -> Any:
        """One task, with the JSON schema its completion data must satisfy."""
        with transaction() as db, engine_errors():
            engine = platform_of(current_app).engine(db)
            task = inbox.get_task(engine, viewer(), task_id)
            case = db.scalars(
                select(ServiceCase).where(ServiceCase.instance_id == task.instance_id)
            ).first()
            names = inbox.process_names(db, task.municipality)
            row = {name: getattr(task, name) for name in TASK_COLUMNS}
            row.update(
                process_name=(case.process_name if case else None)
                or names.get(task.process_key, task.process_key),
                case_number=case.number if case else None,
                form_schema=inbox.form_schema(
                    engine.forms_of(engine.get_instance(task.instance_id).definition),
                    task.form_key,
                ),
            )
            return row


@blp.route("/<task_id>/claim", tags=[TAG])
class Claim(MethodView):
    @access("tasks:write", *ROLES)
    @blp.response(200, TaskSchema)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(
        409, schema=ERROR, description="Claimed by someone else, or not open."
    )
    def post(self, task_id: str) -> Any:
        """Claim a task for the caller (claiming one's own task again is no change)."""
        with (
            transaction() as db,
            engine_errors(
                conflict=_("The task is claimed by someone else or is no longer open.")
            ),
        ):
            return inbox.claim(platform_of(current_app).engine(db), viewer(), task_id)


@blp.route("/<task_id>/unclaim", tags=[TAG])
class Unclaim(MethodView):
    @access("tasks:write", *ROLES)
    @blp.response(200, TaskSchema)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(
        403, schema=ERROR, description="Another person's task (supervisors only)."
    )
    @blp.alt_response(409, schema=ERROR, description="Not claimed, or not open.")
    def post(self, task_id: str) -> Any:
        """Give a claimed task back to its group (supervisors: anyone's)."""
        with (
            transaction() as db,
            engine_errors(conflict=_("The task is not claimed or is no longer open.")),
        ):
            return inbox.unclaim(platform_of(current_app).engine(db), viewer(), task_id)


def _task_first(view: Any) -> Any:
    """A task the caller cannot see is 404 whatever the body says: its existence is
    checked before the body is validated (as access is, docs/api.md)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with transaction() as db, engine_errors():
            engine = platform_of(current_app).engine(db)
            inbox.get_task(engine, viewer(), kwargs["task_id"])
        return view(*args, **kwargs)

    return wrapped


@blp.route("/<task_id>/complete", tags=[TAG])
class Complete(MethodView):
    @access("tasks:write", *ROLES)
    @_task_first
    @blp.arguments(CompleteArgs)
    @blp.response(200, InstanceSchema)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(
        409, schema=ERROR, description="Completed, or claimed by someone else."
    )
    def post(self, args: dict[str, Any], task_id: str) -> Any:
        """Complete a task with its form's data.

        The data is validated against the task's form: errors come back as 422 with
        the field paths under `errors.json.data` and nothing changes. On success
        the process runs to its next wait state; the answer is the instance with
        the tasks it waits for now.
        """
        with transaction() as db:
            engine = platform_of(current_app).engine(db)
            with engine_errors(
                conflict=_("The task was completed or claimed by someone else.")
            ):
                instance = inbox.complete(engine, viewer(), task_id, args["data"])
            return with_open_tasks(db, instance)
