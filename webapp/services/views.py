# SPDX-License-Identifier: EUPL-1.2
"""Service set-up (``/services/``, process 2): the municipality's services with their
process, forms and procedure page, and the round through the set-up diagram.

- ``GET /services/``: every set-up, its own and the shipped ones, and whether ready;
- ``GET /services/<code>``: one set-up (process, forms, procedure) and its preview;
- ``POST /services/<code>``: save it as a draft (not startable until approved);
- ``POST /services/<code>/submit``: the analyst has prepared it: start (or
  continue) the service_setup.bpmn round and complete its "prepare" step; the
  service owner approves in the inbox.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.contracts import FieldError, FormValidationError
from domain.cases.catalogue import definitions_in_force
from domain.form_versions.services import form_keys
from domain.services import services as setups
from domain.services.flow import return_comment
from domain.services.models import DRAFT, REVIEW
from domain.services.procedure import render_procedure
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.models import ProcessInstance, UserTask
from webapp import transaction
from webapp.auth import AuthUser, current_municipality, current_user, roles_required
from webapp.nav import roles_of
from webapp.support import engine_for, language, platform

bp = Blueprint("services", __name__, url_prefix="/services")
ROLES = roles_of("services.index")
PREPARE_STEP = "prepare_setup"


def _user() -> AuthUser:
    found = current_user()
    assert found is not None
    return found


def _may_edit() -> bool:
    from domain.accounts.models import ANALYST, PLATFORM_ADMIN

    return _user().has_role(ANALYST, PLATFORM_ADMIN)


def _message(error: FieldError) -> str:
    return (
        error.message_en if language() == "en" and error.message_en else error.message
    )


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    with platform().transaction(readonly=True) as db:
        found = setups.all_setups(db, current_municipality())
    return render_template("services/index.html", setups=found)


def _choices(db: Any, municipality: str) -> tuple[list[tuple[str, str]], list[str]]:
    processes = [(d.key, d.name) for d in definitions_in_force(db, municipality)]
    return processes, form_keys(db)


def _page(
    code: str,
    values: dict[str, Any],
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    municipality = current_municipality()
    with platform().transaction(readonly=True) as db:
        processes, forms = _choices(db, municipality)
        setup = setups.setup_for(db, municipality, code)
        returned = (
            return_comment(engine_for(db), setup.setup_instance_id)
            if setup is not None and setup.stage == DRAFT and not setup.shipped
            else None
        )
    return (
        render_template(
            "services/edit.html",
            code=code,
            setup=setup,
            values=values,
            processes=processes,
            forms=forms,
            errors={e.path: _message(e) for e in errors or []},
            preview=render_procedure(values.get("procedure") or ""),
            may_edit=_may_edit(),
            returned=returned,
            draft=DRAFT,
            review=REVIEW,
        ),
        status,
    )


@bp.get("/<code>")
@roles_required(*ROLES)
def show(code: str) -> Any:
    with platform().transaction(readonly=True) as db:
        setup = setups.setup_for(db, current_municipality(), code)
    values = (
        {
            "process_key": setup.process_key,
            "forms": list(setup.forms),
            "procedure": setup.procedure,
        }
        if setup is not None
        else {"process_key": "", "forms": [], "procedure": ""}
    )
    return _page(code, values)


@bp.post("/new")
@roles_required(*ROLES)
def new() -> Response:
    code = (request.form.get("service_code") or "").strip()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_." for c in code):
        flash(
            _("Give the service code from the service catalogue, e.g. PKIP-020."),
            "error",
        )
        return redirect(url_for(".index"))
    return redirect(url_for(".show", code=code))


@bp.post("/<code>")
@roles_required(*ROLES)
def save(code: str) -> Any:
    if not _may_edit():
        abort(403)
    values = {
        "process_key": request.form.get("process_key", ""),
        "forms": request.form.getlist("forms"),
        "procedure": request.form.get("procedure", ""),
    }
    municipality = current_municipality()
    try:
        with transaction() as db:
            processes, forms = _choices(db, municipality)
            setups.save_setup(
                db,
                municipality,
                code,
                process_key=values["process_key"],
                forms=values["forms"],
                procedure=values["procedure"],
                actor=_user().username,
                now=platform().engine_config.clock(),
                known_processes=[k for k, _n in processes],
                known_forms=forms,
            )
    except FormValidationError as exc:
        return _page(code, values, exc.errors, 422)
    flash(
        _("The set-up is saved as a draft. Send it for approval when it is ready."),
        "success",
    )
    return redirect(url_for(".show", code=code))


@bp.post("/<code>/submit")
@roles_required(*ROLES)
def submit(code: str) -> Response:
    """Start the set-up round (or continue a returned one) and complete the
    analyst's step: the service owner gets the approval task."""
    if not _may_edit():
        abort(403)
    municipality = current_municipality()
    actor = _user().username
    try:
        with transaction() as db:
            row = setups.own_setup(db, municipality, code)
            if row is None or row.stage != DRAFT:
                flash(_("Only a saved draft can be sent for approval."), "error")
                return redirect(url_for(".show", code=code))
            engine = engine_for(db)
            instance_id = row.setup_instance_id
            instance = db.get(ProcessInstance, instance_id) if instance_id else None
            if instance is None or instance.status != ProcessInstance.RUNNING:
                instance = engine.start(
                    setups.SETUP_PROCESS,
                    municipality=municipality,
                    actor=actor,
                    business_key=code,
                )
                row.setup_instance_id = instance.id
            task = db.scalars(
                select(UserTask).where(
                    UserTask.instance_id == instance.id,
                    UserTask.element_id == PREPARE_STEP,
                    UserTask.state == UserTask.READY,
                )
            ).first()
            if task is None:
                raise InvalidOperation("the set-up waits for no preparation")
            engine.claim(task.id, user=actor, municipality=municipality)
            engine.complete_task(
                task.id,
                {"setup_checked": True},
                actor=actor,
                municipality=municipality,
            )
    except NotFound:
        flash(_("The set-up process is not deployed."), "error")
        return redirect(url_for(".show", code=code))
    except (Conflict, InvalidOperation):
        flash(_("The set-up changed meanwhile; check it and try again."), "error")
        return redirect(url_for(".show", code=code))
    flash(_("Sent to the service owner for approval."), "success")
    return redirect(url_for(".show", code=code))
