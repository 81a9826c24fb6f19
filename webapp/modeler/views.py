# SPDX-License-Identifier: EUPL-1.2
"""The modeler for analysts: processes and their versions, download, the bpmn-js
modeler with server-side validation and deploy, and a variant against its base.

| endpoint | route |
| --- | --- |
| ``modeler.index`` | GET ``/modeler/`` |
| ``modeler.process`` | GET ``/modeler/processes/<key>`` (versions, upload form) |
| ``modeler.upload`` | POST ``/modeler/processes/<key>/upload`` (no-JS deploy) |
| ``modeler.diff`` | GET ``/modeler/processes/<key>/diff`` (variant vs. base) |
| ``modeler.download`` | GET ``/modeler/versions/<id>.bpmn`` |
| ``modeler.edit`` | GET ``/modeler/versions/<id>/edit`` (bpmn-js) |
| ``modeler.json.validate`` | POST ``/modeler/versions/<id>/validate`` (JSON) |
| ``modeler.json.deploy`` | POST ``/modeler/versions/<id>/deploy`` (JSON) |

The JSON endpoints are in ``webapp/modeler/actions.py``.
"""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from domain import definitions
from domain.form_versions.services import StoredForms
from engine.deploy import DeployError, DeployProblem
from engine.diagram_diff import DiagramDiffError, diff_diagrams
from engine.models import BASE_VARIANT, ProcessDefinition
from webapp import platform_of, transaction
from webapp.auth import AuthUser, current_municipality, current_user, roles_required
from webapp.i18n import select_locale as lang
from webapp.modeler.forms import TARGET_BASE, TARGET_VARIANT, UploadForm
from webapp.modeler.labels import element_types
from webapp.nav import roles_of
from webapp.scoping import get_scoped_or_404

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
ROLES = roles_of("modeler.index")


def signed_in() -> AuthUser:
    found = current_user()
    assert found is not None  # roles_required let the request through
    return found


def deployer(db: Any) -> Any:
    return platform_of(current_app).deployer(db)


def target_municipality(target: str) -> str | None:
    """The municipality to deploy for: None is the base (platform admins only)."""
    if target == TARGET_BASE:
        if not signed_in().is_platform_admin:
            abort(403, _("Only a platform administrator may deploy the base version."))
        return None
    if target != TARGET_VARIANT:
        abort(400, _("Unknown deploy target."))
    return current_municipality()


def _file_name(definition: ProcessDefinition) -> str:
    variant = definition.municipality or "base"
    return f"{definition.key}-{variant}-v{definition.version}.bpmn"


# -- pages ---------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    with transaction() as db:
        processes = definitions.process_summaries(db, current_municipality())
    return render_template("modeler/index.html", processes=processes)


def _versions_or_404(db: Any, key: str) -> list[definitions.Version]:
    found = definitions.versions(db, key, current_municipality())
    if not found:
        abort(404)
    return found


def _process_page(
    key: str, form: UploadForm, problems: list[DeployProblem] | None = None
) -> str:
    with transaction() as db:
        found = _versions_or_404(db, key)
    return render_template(
        "modeler/process.html",
        key=key,
        name=found[0].name,
        versions=found,
        has_variant=any(not v.is_base for v in found),
        has_base=any(v.is_base for v in found),
        form=form,
        problems=problems,
        may_deploy_base=signed_in().is_platform_admin,
    )


@bp.get("/processes/<key>")
@roles_required(*ROLES)
def process(key: str) -> str:
    return _process_page(key, UploadForm())


@bp.post("/processes/<key>/upload")
@roles_required(*ROLES)
def upload(key: str) -> Any:
    """Validate and deploy an uploaded file (the page without JavaScript)."""
    form = UploadForm()
    if not signed_in().is_platform_admin:
        form.target.data = TARGET_VARIANT
    if not form.validate_on_submit():
        return _process_page(key, form)
    content = form.bpmn_file.data.read(definitions.MAX_FILE_BYTES + 1)
    if len(content) > definitions.MAX_FILE_BYTES:
        problem = DeployProblem(key, "", _("The file is larger than 5 MB."))
        return _process_page(key, form, [problem])
    municipality = target_municipality(form.target.data or TARGET_VARIANT)
    try:
        with transaction() as db:
            definition = definitions.newest(
                db, key, current_municipality()
            ) or definitions.newest(db, key, BASE_VARIANT)
            if definition is None:
                abort(404)
            outcome = definitions.deploy(
                deployer(db),
                definition,
                content,
                municipality=municipality,
                deployed_by=signed_in().username,
            )
    except DeployError as exc:
        return _process_page(key, form, exc.problems)
    flash(deployed_message(outcome), "success")
    return redirect(url_for(".process", key=key))


def deployed_message(outcome: definitions.DeployOutcome) -> str:
    # Not created: the diagram says what the version in force says (only its
    # formatting may differ, engine/canonical.py), which may be the base's.
    if not outcome.created and outcome.municipality == BASE_VARIANT:
        return _(
            "Nothing has changed: the diagram is the same as base version"
            " %(version)s. No new version was made.",
            version=outcome.version,
        )
    if not outcome.created:
        return _(
            "Nothing has changed: the diagram is the same as version %(version)s"
            " of the variant of %(municipality)s. No new version was made.",
            version=outcome.version,
            municipality=outcome.municipality,
        )
    if outcome.municipality == BASE_VARIANT:
        return _("Deployed as base version %(version)s.", version=outcome.version)
    return _(
        "Deployed as version %(version)s of the variant of %(municipality)s.",
        version=outcome.version,
        municipality=outcome.municipality,
    )


@bp.get("/versions/<int:definition_id>.bpmn")
@roles_required(*ROLES)
def download(definition_id: int) -> Response:
    with transaction() as db:
        definition = get_scoped_or_404(
            db, ProcessDefinition, definition_id, include_base=True
        )
        xml, name = definition.bpmn_xml, _file_name(definition)
    return send_file(
        io.BytesIO(xml.encode("utf-8")),
        mimetype="application/xml",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )


@bp.get("/versions/<int:definition_id>/edit")
@roles_required(*ROLES)
def edit(definition_id: int) -> str:
    with transaction() as db:
        definition = get_scoped_or_404(
            db, ProcessDefinition, definition_id, include_base=True
        )
        context = {
            "definition_id": definition.id,
            "key": definition.key,
            "name": definition.name,
            "version": definition.version,
            "municipality": definition.municipality,
        }
        groups = definitions.departments(db, current_municipality())
        # the forms in force for the municipality, those saved in the editor too
        forms = definitions.form_choices(
            StoredForms(
                db,
                current_municipality(),
                base=platform_of(current_app).engine_config.forms,
            ),
            lang(),
        )
    return render_template(
        "modeler/edit.html",
        definition=context,
        may_deploy_base=signed_in().is_platform_admin,
        forms=forms,
        groups=groups,
        element_types=element_types(),
    )


@bp.get("/processes/<key>/diff")
@roles_required(*ROLES)
def diff(key: str) -> str:
    """The municipality's newest variant against the newest base."""
    municipality = current_municipality()
    with transaction() as db:
        _versions_or_404(db, key)
        base = definitions.newest(db, key, BASE_VARIANT)
        variant = (
            definitions.newest(db, key, municipality)
            if municipality != BASE_VARIANT
            else None
        )
        if base is None or variant is None:
            return render_template(
                "modeler/diff.html", key=key, base=base, variant=variant, diff=None
            )
        try:
            result = diff_diagrams(base.bpmn_xml, variant.bpmn_xml)
        except DiagramDiffError as exc:  # stored XML was validated: not expected
            abort(500, str(exc))
        return render_template(
            "modeler/diff.html", key=key, base=base, variant=variant, diff=result
        )
