# SPDX-License-Identifier: EUPL-1.2
"""The modeler's JSON endpoints: validate and deploy an edited diagram.

Both take ``{"xml": "<the diagram>", "target": "variant" | "base"}`` with the
``X-CSRFToken`` header and answer ``{"valid", "message", "problems": [{"file",
"element_id", "reason"}]}``:

| status | when |
| --- | --- |
| 200 | valid (validate); nothing changed against the version in force (deploy) |
| 201 | deployed as a new version (with ``definition``: id, key, version, …) |
| 422 | the deployer refused it: every problem, hostile or malformed XML included |
| 413 | larger than the deployer accepts (5 MB), or than the app accepts at all |
| 400, 403, 404 | a malformed request; the base target for a non-admin; no version |

Errors of this blueprint are always JSON (its own error handlers), also when the
app refuses the body before the view runs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from domain import definitions
from engine.deploy import DeployError, DeployProblem
from engine.models import ProcessDefinition
from webapp import transaction
from webapp.auth import roles_required
from webapp.i18n import select_locale
from webapp.modeler.forms import TARGET_VARIANT
from webapp.modeler.views import (
    ROLES,
    deployed_message,
    deployer,
    signed_in,
    target_municipality,
)
from webapp.scoping import get_scoped_or_404

bp = Blueprint("json", __name__)


def _problems(problems: list[DeployProblem], status: int) -> Response:
    response = jsonify(
        valid=False,
        message=ngettext(
            "The diagram has %(num)d problem.",
            "The diagram has %(num)d problems.",
            len(problems),
        ),
        problems=[
            {
                "file": p.file,
                "element_id": p.element_id,
                "reason": p.reason_in(select_locale()),
            }
            for p in problems
        ],
    )
    response.status_code = status
    return response


def posted_xml() -> bytes:
    """The diagram from the JSON body ``{"xml": …}``; 413 over the size limit."""
    if (request.content_length or 0) > 2 * definitions.MAX_FILE_BYTES:
        abort(413)  # even a JSON-escaped 5 MB diagram is smaller
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str):
        abort(400, _('Send JSON: {"xml": "<the diagram>"}.'))
    xml = payload["xml"].encode("utf-8")
    if len(xml) > definitions.MAX_FILE_BYTES:
        abort(413)
    return xml


def _posted() -> tuple[bytes, str]:
    """The diagram and the target from the JSON body; 413 over the size limit."""
    xml = posted_xml()
    payload = request.get_json(silent=True) or {}
    target = payload.get("target") or TARGET_VARIANT
    if not isinstance(target, str):
        abort(400, _("Unknown deploy target."))
    return xml, target


@bp.post("/versions/<int:definition_id>/validate")
@roles_required(*ROLES)
def validate(definition_id: int) -> Response:
    xml, target = _posted()
    municipality = target_municipality(target)
    try:
        with transaction() as db:
            definition = get_scoped_or_404(
                db, ProcessDefinition, definition_id, include_base=True
            )
            definitions.check(deployer(db), definition, xml, municipality=municipality)
    except DeployError as exc:
        return _problems(exc.problems, 422)
    return jsonify(valid=True, message=_("The diagram is valid."), problems=[])


@bp.post("/versions/<int:definition_id>/deploy")
@roles_required(*ROLES)
def deploy(definition_id: int) -> Response:
    xml, target = _posted()
    municipality = target_municipality(target)
    try:
        with transaction() as db:
            definition = get_scoped_or_404(
                db, ProcessDefinition, definition_id, include_base=True
            )
            outcome = definitions.deploy(
                deployer(db),
                definition,
                xml,
                municipality=municipality,
                deployed_by=signed_in().username,
            )
    except DeployError as exc:
        return _problems(exc.problems, 422)
    response = jsonify(
        valid=True,
        created=outcome.created,
        message=deployed_message(outcome),
        problems=[],
        definition={
            "id": outcome.definition_id,
            "key": outcome.key,
            "version": outcome.version,
            "municipality": outcome.municipality,
            "edit_url": url_for("modeler.edit", definition_id=outcome.definition_id),
            "process_url": url_for("modeler.process", key=outcome.key),
        },
    )
    response.status_code = 201 if outcome.created else 200
    return response


def json_error(exc: HTTPException) -> Any:
    """Errors of the modeler's JSON endpoints as JSON (also for the drafts')."""
    code = exc.code or 500
    if code == 413:
        message = _("The diagram is larger than 5 MB.")
    elif isinstance(exc, CSRFError):
        message = _("The page has expired. Reload it and send again.")
    elif exc.description and exc.description != type(exc).description:
        message = exc.description  # given by our abort(): already translated
    else:
        message = exc.name
    response = jsonify(valid=False, message=message, problems=[])
    response.status_code = code
    return response


for _code in (400, 403, 404, 405, 413, 500):
    bp.register_error_handler(_code, json_error)
