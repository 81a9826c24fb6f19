# SPDX-License-Identifier: EUPL-1.2
"""Drafts: import a diagram made in another modeler, see what must change, fix it in
the bpmn-js modeler and deploy it (services in domain/drafts/services.py).

| endpoint | route |
| --- | --- |
| ``modeler.drafts.index`` | GET ``/modeler/drafts/`` (the drafts, the import form) |
| ``modeler.drafts.upload`` | POST ``/modeler/drafts/import`` |
| ``modeler.drafts.show`` | GET ``/modeler/drafts/<id>`` (problems, the modeler) |
| ``modeler.drafts.xml`` | GET ``/modeler/drafts/<id>.bpmn`` (newest revision) |
| ``modeler.draft_json.check`` | POST ``/modeler/drafts/<id>/check`` (save, list) |
| ``modeler.draft_json.deploy`` | POST ``/modeler/drafts/<id>/deploy`` (save, deploy) |

The JSON endpoints take ``{"xml": "…"}`` with the ``X-CSRFToken`` header, save the
diagram as the draft's next revision and answer as the modeler's validate and
deploy do (webapp/modeler/actions.py), each problem with the element's name and
type too. A draft is deployed as the municipality's own version.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from domain import definitions
from domain.drafts import services as drafts
from domain.form_versions.services import StoredForms
from engine.deploy import DeployError
from webapp import platform_of, transaction
from webapp.auth import current_municipality, roles_required
from webapp.i18n import select_locale
from webapp.modeler.actions import json_error, posted_xml
from webapp.modeler.forms import ImportForm
from webapp.modeler.labels import ELEMENT_TYPES, element_types
from webapp.modeler.views import ROLES, deployer, signed_in

bp = Blueprint("drafts", __name__, url_prefix="/drafts")
# The JSON endpoints answer errors as JSON, the pages as pages.
json_bp = Blueprint("draft_json", __name__, url_prefix="/drafts")
for _code in (400, 403, 404, 405, 413, 500):
    json_bp.register_error_handler(_code, json_error)


def type_label(local_name: str) -> str:
    """bpmn-js's type word for a BPMN element's local name, translated."""
    if not local_name:
        return ""
    key = f"bpmn:{local_name[0].upper()}{local_name[1:]}"
    label = ELEMENT_TYPES.get(key)
    if label is None and local_name == "process":
        label = ELEMENT_TYPES["bpmn:Process"]
    return str(label) if label is not None else local_name


def _as_json(problem: drafts.DraftProblem, file_name: str) -> dict[str, Any]:
    return {
        "file": file_name,
        "element_id": problem.element_id,
        "name": problem.element_name,
        "type": type_label(problem.element_type),
        "reason": problem.reason_in(select_locale()),
    }


def _draft_or_404(db: Any, draft_id: int) -> Any:
    found = drafts.get_draft(db, draft_id, current_municipality())
    if found is None:
        abort(404)
    return found


# -- pages ---------------------------------------------------------------------------
def _index_page(form: ImportForm, refused: str | None = None) -> str:
    with transaction() as db:
        found = drafts.drafts_of(db, current_municipality())
        rows = [
            {
                "id": d.id,
                "name": d.name,
                "file_name": d.file_name,
                "revision": d.revision,
                "updated_at": d.updated_at,
                "deployed": d.deployed_definition_id is not None,
            }
            for d in found
        ]
    return render_template(
        "modeler/drafts.html", drafts=rows, form=form, refused=refused
    )


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    return _index_page(ImportForm())


@bp.post("/import")
@roles_required(*ROLES)
def upload() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return _index_page(form), 422
    upload = form.bpmn_file.data
    content = upload.read(drafts.MAX_FILE_BYTES + 1)
    try:
        with transaction() as db:
            draft = drafts.import_draft(
                db,
                municipality=current_municipality(),
                upload_name=upload.filename or "",
                content=content,
                user=signed_in().username,
            )
            draft_id = draft.id
    except drafts.DraftRefused as exc:
        message = exc.reason_en if select_locale() == "en" else exc.reason
        form.bpmn_file.errors = [message]
        return _index_page(form, refused=message), 422
    return redirect(url_for(".show", draft_id=draft_id))


@bp.get("/<int:draft_id>")
@roles_required(*ROLES)
def show(draft_id: int) -> str:
    with transaction() as db:
        draft = _draft_or_404(db, draft_id)
        xml = drafts.xml_of(db, draft).encode("utf-8")
        report = drafts.report(
            deployer(db), draft.file_name, xml, municipality=current_municipality()
        )
        context = {
            "id": draft.id,
            "name": draft.name,
            "file_name": draft.file_name,
            "revision": draft.revision,
            "deployed_definition_id": draft.deployed_definition_id,
            "layout_generated": draft.layout_generated,
        }
        groups = definitions.departments(db, current_municipality())
        # the forms in force for the municipality, those saved in the editor too
        forms = definitions.form_choices(
            StoredForms(
                db,
                current_municipality(),
                base=platform_of(current_app).engine_config.forms,
            ),
            select_locale(),
        )
    return render_template(
        "modeler/draft.html",
        draft=context,
        report=report,
        type_label=type_label,
        forms=forms,
        groups=groups,
        element_types=element_types(),
    )


@bp.get("/<int:draft_id>.bpmn")
@roles_required(*ROLES)
def xml(draft_id: int) -> Response:
    with transaction() as db:
        draft = _draft_or_404(db, draft_id)
        text, name = drafts.xml_of(db, draft), draft.file_name
    # An uploaded file is never rendered in our origin: an XML document can carry
    # XHTML script elements a browser would run. The modeler reads it with fetch.
    response = Response(text, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# -- JSON ----------------------------------------------------------------------------
def _answer(
    report: drafts.DraftReport, file_name: str, message: str, status: int
) -> Response:
    response = jsonify(
        valid=report.deployable,
        message=message,
        problems=[_as_json(p, file_name) for p in report.problems],
        warnings=[_as_json(p, file_name) for p in report.warnings],
    )
    response.status_code = status
    return response


def _problems_message(count: int) -> str:
    return ngettext(
        "The diagram has %(num)d problem.", "The diagram has %(num)d problems.", count
    )


@json_bp.post("/<int:draft_id>/check")
@roles_required(*ROLES)
def check(draft_id: int) -> Response:
    """Save the edited diagram as the next revision and list what must change."""
    xml_bytes = posted_xml()
    try:
        with transaction() as db:
            draft = _draft_or_404(db, draft_id)
            revision = drafts.save_revision(
                db, draft, xml_bytes, user=signed_in().username
            )
            file_name = draft.file_name
            report = drafts.report(
                deployer(db),
                file_name,
                xml_bytes,
                municipality=current_municipality(),
            )
    except drafts.DraftRefused as exc:
        return _refused(exc)
    if report.deployable:
        message = _(
            "Saved as revision %(revision)s. The diagram can be deployed.",
            revision=revision,
        )
        return _answer(report, file_name, message, 200)
    message = _("Saved as revision %(revision)s.", revision=revision)
    return _answer(
        report, file_name, f"{message} {_problems_message(len(report.problems))}", 422
    )


def _refused(exc: drafts.DraftRefused) -> Response:
    message = exc.reason_en if select_locale() == "en" else exc.reason
    response = jsonify(
        valid=False,
        message=message,
        problems=[{"file": "", "element_id": "", "reason": message}],
    )
    response.status_code = 422
    return response


@json_bp.post("/<int:draft_id>/deploy")
@roles_required(*ROLES)
def deploy(draft_id: int) -> Response:
    """Save the edited diagram and deploy it as the municipality's version."""
    xml_bytes = posted_xml()
    municipality = current_municipality()
    try:
        with transaction() as db:
            draft = _draft_or_404(db, draft_id)
            drafts.save_revision(db, draft, xml_bytes, user=signed_in().username)
            results = drafts.deploy_draft(
                deployer(db),
                db,
                draft,
                municipality=municipality,
                user=signed_in().username,
            )
    except drafts.DraftRefused as exc:
        return _refused(exc)
    except DeployError as exc:
        # Nothing was stored (the transaction rolled back, the revision too): the
        # answer is the full list, as the check gives it, or the deployer's own
        # reasons should the list have missed one.
        with transaction() as db:
            draft = _draft_or_404(db, draft_id)
            file_name = draft.file_name
            report = drafts.report(
                deployer(db), file_name, xml_bytes, municipality=municipality
            )
        if report.deployable:
            report.problems = [
                drafts.DraftProblem(p.element_id, "", "", p.reason, p.reason_en, True)
                for p in exc.problems
            ]
        return _answer(report, file_name, _problems_message(len(report.problems)), 422)
    return _deployed(*results[0], municipality=municipality)


def _deployed(
    definition_id: int, key: str, version: int, created: bool, *, municipality: str
) -> Response:
    if created:
        message = _(
            "Deployed as version %(version)s of the variant of %(municipality)s.",
            version=version,
            municipality=municipality,
        )
    else:
        message = _("Nothing has changed. No new version was made.")
    response = jsonify(
        valid=True,
        created=created,
        message=message,
        problems=[],
        definition={
            "id": definition_id,
            "key": key,
            "version": version,
            "edit_url": url_for("modeler.edit", definition_id=definition_id),
            "process_url": url_for("modeler.process", key=key),
        },
    )
    response.status_code = 201 if created else 200
    return response
