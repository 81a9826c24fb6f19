# SPDX-License-Identifier: EUPL-1.2
"""The form editor (``/forms/``): forms versioned per municipality, edited field by
field in the browser, previewed by the server's own renderer, deployed with the
processes that use them.

- ``GET /forms/``: the forms and the version in force of each for the municipality;
- ``GET /forms/<key>``: the editor (webapp/static/form-editor.js) and the versions;
- ``POST /forms/<key>``: save the schema (field ``schema``, JSON) as the next
  version of the municipality's variant (``target=base``: the base, platform
  administrators only); errors name the field and the text typed is kept (422);
- ``POST /forms/preview``: ``{"schema", "language"}`` -> ``{"html"}`` rendered by
  forms/render, or 422 ``{"errors": [{"path", "message"}]}``;
- ``POST /forms/<key>/deploy``: deploy every process in force that uses the form as
  the municipality's variant, so new cases get the new version.

Without JavaScript the editor is the JSON text area and the Save button.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.contracts import FieldError, FormValidationError
from domain.form_versions import deploy as form_deploy
from domain.form_versions import services as form_versions
from engine.deploy import DeployError
from engine.models import BASE_VARIANT
from forms.render import render_form
from webapp import transaction
from webapp.auth import AuthUser, current_municipality, current_user, roles_required
from webapp.nav import roles_of
from webapp.support import language, platform

bp = Blueprint("forms_editor", __name__, url_prefix="/forms")
ROLES = roles_of("forms_editor.index")
MAX_SCHEMA_CHARS = 200_000
NEW_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "",
    "type": "object",
    "properties": {},
    "required": [],
    "additionalProperties": False,
}


def _user() -> AuthUser:
    found = current_user()
    assert found is not None  # roles_required let the request through
    return found


def _message(error: FieldError) -> str:
    return (
        error.message_en if language() == "en" and error.message_en else error.message
    )


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    municipality = current_municipality()
    with platform().transaction(readonly=True) as db:
        rows = []
        for key in form_versions.form_keys(db):
            pin = form_versions.in_force(db, key, municipality)
            if pin is None:
                continue
            schema = form_versions.schema_of(db, key, pin)
            rows.append((key, schema.get("title") or key, pin))
    return render_template("forms_editor/index.html", rows=rows)


@bp.post("/new")
@roles_required(*ROLES)
def new() -> Response:
    key = (request.form.get("key") or "").strip()
    if not form_versions.valid_key(key):
        flash(
            _("A form key may hold only lower-case Latin letters, digits and _."),
            "error",
        )
        return redirect(url_for(".index"))
    return redirect(url_for(".edit", form_key=key))


def _page(
    key: str,
    schema_text: str,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    municipality = current_municipality()
    with platform().transaction(readonly=True) as db:
        versions = form_versions.versions_of(db, key, municipality)
        using = form_deploy.processes_using(db, municipality, key)
    return (
        render_template(
            "forms_editor/edit.html",
            key=key,
            schema_text=schema_text,
            errors=[(e.path, _message(e)) for e in errors or []],
            versions=versions,
            using=using,
            may_save_base=_user().is_platform_admin,
            municipality=municipality,
            base=BASE_VARIANT,
        ),
        status,
    )


@bp.get("/<form_key>")
@roles_required(*ROLES)
def edit(form_key: str) -> Any:
    key = form_key
    if not form_versions.valid_key(key):
        abort(404)
    with platform().transaction(readonly=True) as db:
        pin = form_versions.in_force(db, key, current_municipality())
        schema = form_versions.schema_of(db, key, pin) if pin else dict(NEW_FORM)
    return _page(key, json.dumps(schema, ensure_ascii=False, indent=2))


def _parse(text: str) -> tuple[Any, list[FieldError]]:
    if len(text) > MAX_SCHEMA_CHARS:
        return None, [
            FieldError(
                "schema",
                f"Forma ir par garu (vairāk nekā {MAX_SCHEMA_CHARS} zīmes)",
                f"The form is too long (over {MAX_SCHEMA_CHARS} characters)",
                "maxLength",
            )
        ]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [
            FieldError(
                "schema",
                f"Nav derīgs JSON ({exc.lineno}. rinda, {exc.colno}. zīme): {exc.msg}",
                f"Not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                "json",
            )
        ]


@bp.post("/<form_key>")
@roles_required(*ROLES)
def save(form_key: str) -> Any:
    key = form_key
    if not form_versions.valid_key(key):
        abort(404)
    text = request.form.get("schema", "")
    schema, errors = _parse(text)
    if errors:
        return _page(key, text, errors, 422)
    variant = current_municipality()
    if request.form.get("target") == "base":
        if not _user().is_platform_admin:
            abort(403)
        variant = BASE_VARIANT
    try:
        with transaction() as db:
            row = form_versions.save_version(
                db,
                key,
                schema,
                variant=variant,
                author=_user().username,
                now=platform().engine_config.clock(),
            )
            version = row.version
    except FormValidationError as exc:
        return _page(key, text, exc.errors, 422)
    flash(
        _(
            "Saved as version %(version)s. Deploy the processes that use the form"
            " to put it in force for new cases.",
            version=version,
        ),
        "success",
    )
    return redirect(url_for(".edit", form_key=key))


@bp.post("/preview")
@roles_required(*ROLES)
def preview() -> Any:
    """The schema rendered exactly as the clerk or resident sees it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "schema" not in body:
        return jsonify(errors=[{"path": "schema", "message": _("No form given.")}]), 400
    schema = body["schema"]
    lang = "en" if body.get("language") == "en" else "lv"
    errors = form_versions.check_schema(schema)
    if errors:
        english = lang == "en"
        return jsonify(
            errors=[
                {
                    "path": e.path,
                    "message": e.message_en if english and e.message_en else e.message,
                }
                for e in errors
            ]
        ), 422
    html = render_form(schema, None, language=lang, prefix="preview")
    return jsonify(html=str(html))


@bp.post("/<form_key>/deploy")
@roles_required(*ROLES)
def deploy(form_key: str) -> Response:
    key = form_key
    if not form_versions.valid_key(key):
        abort(404)
    municipality = current_municipality()
    try:
        with transaction() as db:
            done = form_deploy.deploy_with_form(
                db,
                platform().deployer(db),
                municipality,
                key,
                actor=_user().username,
            )
    except DeployError as exc:
        reasons = "; ".join(p.reason_in(language()) for p in exc.problems[:5])
        flash(
            _("The processes could not be deployed: %(reasons)s", reasons=reasons),
            "error",
        )
        return redirect(url_for(".edit", form_key=key))
    if not done:
        flash(_("No process in force uses this form."), "info")
    for d in done:
        if d.created:
            flash(
                _(
                    "%(process)s deployed as version %(version)s with the form.",
                    process=d.name,
                    version=d.version,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "%(process)s already uses this version of the form.",
                    process=d.name,
                ),
                "info",
            )
    return redirect(url_for(".edit", form_key=key))
