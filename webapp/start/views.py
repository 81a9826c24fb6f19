# SPDX-License-Identifier: EUPL-1.2
"""Start a service case (``/start/``): the services the person may start, then a
form — the client, the channel and the process's own start form, if it has one —
that registers the case and opens its page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, RadioField, SelectChoice, StringField

from core.contracts import FieldError, FormValidationError
from domain import cases
from domain.accounts.models import SUPERVISOR
from domain.services.services import ServiceNotSetUp
from engine.errors import NotFound
from forms.render import merge_errors, parse_submission, render_form
from webapp import labels, transaction
from webapp.auth import current_municipality, current_user, roles_required
from webapp.nav import roles_of
from webapp.support import (
    definition_forms_validate,
    engine_for,
    form_schema,
    language,
)

bp = Blueprint("start", __name__, url_prefix="/start")
START_ROLES = roles_of("start.index")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": labels}


class CaseForm(Form):
    """The case's own fields (CSRF is checked for every POST by the app's guard)."""

    client_name = StringField(
        _l("Client's name and surname, or company name"),
        render_kw={"autocomplete": "off", "maxlength": 255},
    )
    client_identifier = StringField(
        _l("Personal code or registration number"),
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 20},
    )
    channel = RadioField(
        _l("How the application was received"),
        choices=[SelectChoice(c, label) for c, label in labels.CHANNELS.items()],
        default=cases.OFFICE,
    )


def _startable(db: Any) -> list[cases.StartableProcess]:
    user = current_user()
    assert user is not None
    return cases.startable_processes(
        db,
        current_municipality(),
        user.departments,
        every_department=user.has_role(SUPERVISOR),
    )


@bp.get("/")
@roles_required(*START_ROLES)
def index() -> str:
    with transaction() as db:
        processes = _startable(db)
    return render_template("start/index.html", processes=processes, lang=language())


def _process(key: str) -> cases.StartableProcess:
    with transaction() as db:
        found = next((p for p in _startable(db) if p.key == key), None)
    if found is None:
        abort(404)
    return found


def _page(
    process: cases.StartableProcess,
    form: CaseForm,
    schema: dict[str, Any] | None,
    data: dict[str, Any] | None,
    errors: Sequence[FieldError] = (),
    focus: str | None = None,
) -> str:
    fields = (
        render_form(schema, data, errors, language=language(), focus=focus)
        if schema is not None
        else None
    )
    return render_template("start/form.html", process=process, form=form, fields=fields)


@bp.route("/<key>", methods=["GET", "POST"])
@roles_required(*START_ROLES)
def form(key: str) -> Any:
    process = _process(key)
    if process.not_ready is not None:
        return _refused(process.not_ready)
    schema = form_schema(process.start_form, process.definition_id)
    case_form = CaseForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _page(process, case_form, schema, None)
    sub = (
        parse_submission(schema, request.form, request.files)
        if schema is not None
        else None
    )
    if sub is not None and sub.action is not None:
        return _page(process, case_form, schema, sub.data, focus=sub.action.focus)
    data = sub.data if sub is not None else {}
    client = cases.Client(
        case_form.client_name.data or "", case_form.client_identifier.data or ""
    )
    channel = case_form.channel.data or ""
    case_errors = cases.check_case_fields(client, channel)[1]
    form_errors = list(sub.errors) if sub is not None else []
    if schema is not None and process.start_form and (case_errors or form_errors):
        form_errors += definition_forms_validate(
            process.definition_id, process.start_form, data
        )
    if case_errors or form_errors:
        _put_errors(case_form, case_errors)
        return _page(process, case_form, schema, data, form_errors)
    return _start(process, case_form, schema, data, client, channel)


def _start(
    process: cases.StartableProcess,
    case_form: CaseForm,
    schema: dict[str, Any] | None,
    data: dict[str, Any],
    client: cases.Client,
    channel: str,
) -> Any:
    user = current_user()
    assert user is not None
    try:
        with transaction() as db:
            case = cases.start_case(
                engine_for(db),
                db,
                process.key,
                municipality=current_municipality(),
                data=data,
                actor=user.username,
                client=client,
                channel=channel,
            )
            number = case.number
    except FormValidationError as exc:
        if exc.form_key == cases.CASE_FORM:
            _put_errors(case_form, exc.errors)
            return _page(process, case_form, schema, data)
        return _page(process, case_form, schema, data, exc.errors)
    except ServiceNotSetUp as exc:
        return _refused((exc.message, exc.message_en))
    except NotFound:
        abort(404)
    flash(_("Case %(number)s has been registered.", number=number), "success")
    return redirect(url_for("cases.show", number=number))


def _refused(reason: tuple[str, str]) -> Any:
    """A service not set up cannot be started: say why, on the services' list."""
    flash(reason[1] if language() == "en" else reason[0], "error")
    return redirect(url_for("start.index")), 303


def _put_errors(case_form: CaseForm, errors: Sequence[FieldError]) -> None:
    english = language() == "en"
    for error in merge_errors(errors):
        field = getattr(case_form, error.path, None)
        if field is not None:
            text = error.message_en if english and error.message_en else error.message
            field.errors = [*field.errors, text]
