# SPDX-License-Identifier: EUPL-1.2
"""The inbox (``/inbox/``) and the task actions: claim, unclaim, assign.

Every action is a form POST that answers with a redirect back (with a flash
message), so the inbox works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from domain import inbox
from domain.accounts.models import SUPERVISOR
from domain.accounts.services import departments_of
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.models import UserTask
from webapp import labels, transaction
from webapp.auth import roles_required, safe_next
from webapp.nav import roles_of
from webapp.scoping import get_scoped_or_404
from webapp.support import current_viewer, engine_for, page_number, platform

bp = Blueprint("inbox", __name__)
INBOX_ROLES = roles_of("inbox.index")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": labels}


def _filter_from_request() -> inbox.InboxFilter:
    args = request.args
    return inbox.InboxFilter(
        status=args.get("status", ""),
        process=args.get("process", ""),
        due=args.get("due", ""),
        sort=args.get("sort", "due"),
        page=page_number(),
    )


def _link(flt: inbox.InboxFilter, **changes: Any) -> str:
    """The inbox URL for ``flt`` with ``changes`` (defaults left out)."""
    values = {
        "status": flt.status,
        "process": flt.process,
        "due": flt.due,
        "sort": flt.sort,
        "page": flt.page,
        **changes,
    }
    query = {
        k: v
        for k, v in values.items()
        if v not in ("", None)
        and not (k == "sort" and v == "due")
        and not (k == "page" and v == 1)
    }
    base = url_for("inbox.index")
    return f"{base}?{urlencode(query)}" if query else base


@bp.get("/inbox/")
@roles_required(*INBOX_ROLES)
def index() -> str:
    viewer = current_viewer()
    flt = _filter_from_request()
    with transaction() as db:
        page = inbox.inbox(
            db,
            viewer,
            flt,
            now=platform().engine_config.clock(),
            calendar=platform().engine_config.calendar,
        )
        groups = {d.key: d.name for d in departments_of(db, viewer.municipality)}
    return render_template(
        "inbox/index.html",
        page=page,
        viewer=viewer,
        statuses=inbox.statuses_for(viewer),
        due_filters=inbox.DUE_FILTERS,
        link=lambda **changes: _link(page.filter, **changes),
        here=_link(page.filter),
        groups=groups,
    )


def _task_action(
    task_id: str, action: Callable[..., Any], done: str, *args: Any
) -> Response:
    back = safe_next(request.form.get("next"), "inbox.index")
    viewer = current_viewer()
    try:
        with transaction() as db:
            get_scoped_or_404(db, UserTask, task_id)
            action(engine_for(db), viewer, task_id, *args)
    except NotFound:
        abort(404)
    except inbox.NotAllowed:
        flash(_("You may not do this with this task."), "error")
    except (Conflict, InvalidOperation):
        flash(
            _(
                "Someone else has already taken or completed this task. "
                "The list has been refreshed."
            ),
            "error",
        )
    else:
        flash(done, "success")
    return redirect(back)


@bp.post("/tasks/<task_id>/claim")
@roles_required(*INBOX_ROLES)
def claim(task_id: str) -> Response:
    return _task_action(task_id, inbox.claim, _("The task is now yours."))


@bp.post("/tasks/<task_id>/unclaim")
@roles_required(*INBOX_ROLES)
def unclaim(task_id: str) -> Response:
    return _task_action(
        task_id, inbox.unclaim, _("The task has been returned to its department.")
    )


@bp.post("/tasks/<task_id>/assign")
@roles_required(SUPERVISOR)
def assign(task_id: str) -> Response:
    assignee = request.form.get("assignee", "").strip()
    if not assignee:
        flash(_("Choose a colleague to assign the task to."), "error")
        return redirect(safe_next(request.form.get("next"), "inbox.index"))
    return _task_action(
        task_id, inbox.assign, _("The task has been assigned."), assignee
    )
