# SPDX-License-Identifier: EUPL-1.2
"""The task page (``/tasks/<id>``): the task's form, the case's earlier data beside
it, and Complete.

Complete reads the post with ``forms.render.parse_submission``; a row button
("add a row", "remove") re-renders the form without completing; invalid data
re-renders it with the errors inline and everything typed kept (status 200); a
task someone else completed or took meanwhile gives a clear message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from core.contracts import FieldError, FormValidationError
from domain import inbox
from domain.services.procedure import render_procedure
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.models import UserTask
from forms.render import merge_errors, parse_submission, render_data, render_form
from webapp import transaction
from webapp.auth import roles_required
from webapp.catalogue.review import review_panel
from webapp.inbox.views import INBOX_ROLES, bp
from webapp.scoping import get_scoped_or_404
from webapp.support import current_viewer, engine_for, language, platform


def _load(task_id: str) -> inbox.TaskView:
    viewer = current_viewer()
    with transaction() as db:
        get_scoped_or_404(db, UserTask, task_id)
        try:
            view = inbox.task_view(engine_for(db), viewer, task_id)
        except NotFound:
            abort(404)
    return view


def _earlier(view: inbox.TaskView, lang: str) -> list[tuple[inbox.EarlierForm, Markup]]:
    return [(e, render_data(e.schema, view.data, lang)) for e in view.earlier]


def _shown_for_task(view: inbox.TaskView, lang: str) -> Markup | None:
    """What the task's form asks to show above it (``x-show``: a schema of process
    data the decision rests on, e.g. the fee and the dogs), read-only."""
    shown = (view.schema or {}).get("x-show")
    if not isinstance(shown, dict):
        return None
    return render_data(shown, view.data, lang)


def _page(
    view: inbox.TaskView,
    data: dict[str, Any] | None,
    errors: Sequence[FieldError] = (),
    focus: str | None = None,
) -> str:
    lang = language()
    form = (
        render_form(view.schema, data, errors, language=lang, focus=focus)
        if view.schema is not None
        else None
    )
    viewer = current_viewer()
    with platform().transaction(readonly=True) as db:
        card_review = review_panel(db, view.task)
    return render_template(
        "inbox/task.html",
        card_review=card_review,
        view=view,
        task=view.task,
        form=form,
        errors=merge_errors(errors),
        earlier=_earlier(view, lang),
        shown_for_task=_shown_for_task(view, lang),
        viewer=viewer,
        mine=view.task.assignee == viewer.username
        or view.task.assignee in viewer.covered_users,
        taken=view.task.assignee not in (None, viewer.username)
        and view.task.assignee not in viewer.covered_users,
        acting_for=viewer.acting_for(view.task.assignee, view.task.candidate_group),
        procedure=render_procedure(view.procedure) if view.procedure else None,
    )


@bp.get("/tasks/<task_id>")
@roles_required(*INBOX_ROLES)
def task(task_id: str) -> Any:
    view = _load(task_id)
    if view.task.state != UserTask.READY:
        flash(_("This task has already been completed."), "info")
        return _after(view)
    return _page(view, inbox.initial_values(view.schema, view.data))


@bp.post("/tasks/<task_id>")
@roles_required(*INBOX_ROLES)
def complete(task_id: str) -> Any:
    view = _load(task_id)
    # Whether the task is still open is the engine's check (Conflict below).
    schema = view.schema or {"type": "object", "properties": {}}
    sub = parse_submission(schema, request.form, request.files)
    if sub.action is not None:
        return _page(view, sub.data, focus=sub.action.focus)
    if sub.errors:
        found = list(sub.errors)
        if view.task.form_key:
            found += _validate(view.task, sub.data)
        return _page(view, sub.data, found)
    viewer = current_viewer()
    try:
        with transaction() as db:
            inbox.complete(engine_for(db), viewer, task_id, sub.data)
    except FormValidationError as exc:
        return _page(view, sub.data, exc.errors)
    except (Conflict, InvalidOperation):
        return _conflict(view)
    except NotFound:
        abort(404)
    flash(
        _('The task "%(task)s" is completed.', task=view.task.name)
        + (" " + _("Case %(number)s.", number=view.case.number) if view.case else ""),
        "success",
    )
    return redirect(url_for("inbox.index"))


def _validate(task: UserTask, data: dict[str, Any]) -> list[FieldError]:
    """The validator's errors too, so a parse error does not hide the others (the
    form version the task's process was deployed with)."""
    with platform().transaction(readonly=True) as db:
        engine = engine_for(db)
        forms = engine.forms_of(engine.get_instance(task.instance_id).definition)
        return list(forms.validate(str(task.form_key), data))


def _conflict(view: inbox.TaskView) -> Response:
    flash(
        _(
            "This task has already been completed or taken by someone else, so "
            "your changes were not saved. Check the case before doing anything more."
        ),
        "error",
    )
    return _after(view)


def _after(view: inbox.TaskView) -> Response:
    if view.case is not None:
        return redirect(url_for("cases.show", number=view.case.number))
    return redirect(url_for("inbox.index"))
