# SPDX-License-Identifier: EUPL-1.2
"""Case pages: the municipality's case list (``/cases/``) and one case
(``/cases/<number>``) with its status history, tasks, documents, incidents (retry
for supervisors and municipality admins) and the diagram.

Everything but the diagram is plain HTML; the diagram is drawn by the vendored
bpmn-js viewer from the JSON in the page (``case-diagram-data``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from core.contracts import FormValidationError
from domain import accounting, cases, portal
from domain.accounts.models import MUNICIPALITY_ADMIN, SUPERVISOR
from domain.accounts.services import departments_of
from domain.documents.services import case_documents as issued_documents
from domain.payments import services as payment_services
from domain.services.procedure import render_procedure
from domain.services.services import procedure_for
from engine.errors import Conflict, InvalidOperation, NotFound
from webapp import labels, transaction
from webapp.audit import trail
from webapp.auth import current_municipality, current_user, roles_required
from webapp.nav import roles_of
from webapp.support import engine_for, language, page_number

bp = Blueprint("cases", __name__, url_prefix="/cases")
CASE_ROLES = roles_of("cases.index")
RETRY_ROLES = (SUPERVISOR, MUNICIPALITY_ADMIN)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": labels}


def _find(db: Any, number: str) -> cases.ServiceCase:
    """The case of the current municipality, or 404."""
    try:
        return cases.get_case(db, number, current_municipality())
    except NotFound:
        abort(404)


@bp.get("/")
@roles_required(*CASE_ROLES)
def index() -> str:
    flt = cases.CaseFilter(
        process=request.args.get("process", "")[:100],
        status=request.args.get("status", "")
        if request.args.get("status") in ("open", "closed")
        else "",
        number=request.args.get("number", "")[:50],
        page=page_number(),
    )
    from domain.inbox import process_names

    municipality = current_municipality()
    with transaction() as db:
        page = cases.list_cases(db, municipality, flt)
        processes = process_names(db, municipality)

    def link(**changes: Any) -> str:
        values = {
            "process": flt.process,
            "status": flt.status,
            "number": flt.number,
            "page": page.page,
            **changes,
        }
        query = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return url_for("cases.index") + (f"?{urlencode(query)}" if query else "")

    return render_template(
        "cases/index.html",
        page=page,
        flt=flt,
        processes=processes,
        link=link,
    )


@bp.get("/<number>")
@roles_required(*CASE_ROLES)
def show(number: str) -> str:
    with transaction() as db:
        case = _find(db, number)
        trail.staff(
            db,
            "case.opened",
            municipality=case.municipality,
            subject_kind="case",
            subject_id=case.number,
            person_hash=case.client_identifier_hash,
        )
        try:
            view = cases.case_view(engine_for(db), case)
        except NotFound:
            abort(404)
        diagram = view.diagram()
        groups = {d.key: d.name for d in departments_of(db, case.municipality)}
        issued = issued_documents(db, case.municipality, case.number)
        status_events = accounting.case_accounting(db, case.id)
        procedure = procedure_for(db, case.municipality, view.definition)
        client_files = portal.uploads(db, case)
        thread = portal.messages.thread(db, case)
        fee_payments = payment_services.case_payments(
            db, case.municipality, case.number
        )
    user = current_user()
    return render_template(
        "cases/show.html",
        view=view,
        case=view.case,
        diagram=diagram,
        groups=groups,
        issued=issued,
        may_retry=user is not None and user.has_role(*RETRY_ROLES),
        lang=language(),
        status_events=status_events,
        procedure=render_procedure(procedure) if procedure else None,
        client_files=client_files,
        thread=thread,
        payments=fee_payments,
        status_names=accounting.LABELS if language() == "lv" else accounting.LABELS_EN,
    )


@bp.get("/<number>/documents/<sha256>")
@roles_required(*CASE_ROLES)
def document(number: str, sha256: str) -> BaseResponse:
    with transaction() as db:
        case = _find(db, number)
        engine = engine_for(db)
        instance = engine.get_instance(case.instance_id, case.municipality)
        data = cases.instance_data(engine, instance)
    try:
        doc, content = cases.document_content(data, sha256)
        body = base64.b64decode(content, validate=True)
    except (KeyError, ValueError, binascii.Error):
        abort(404)
    with transaction() as db:
        trail.staff(
            db,
            "document.downloaded",
            municipality=case.municipality,
            subject_kind="case",
            subject_id=case.number,
            person_hash=case.client_identifier_hash,
            details={"document": doc.name[:200], "sha256": sha256[:64]},
        )
    response = Response(body, mimetype=doc.mime)
    # attachment: a stored upload is never rendered in the workplace's origin
    response.headers["Content-Disposition"] = _disposition(doc.name)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.get("/<number>/client-files/<int:upload_id>")
@roles_required(*CASE_ROLES)
def client_file(number: str, upload_id: int) -> BaseResponse:
    """A document the client added in the e-services portal (always downloaded)."""
    with transaction() as db:
        case = _find(db, number)
        try:
            found = portal.get_upload(db, case, upload_id)
        except NotFound:
            abort(404)
        trail.staff(
            db,
            "document.downloaded",
            municipality=case.municipality,
            subject_kind="case",
            subject_id=case.number,
            person_hash=case.client_identifier_hash,
            details={"document": found.filename[:200], "upload": upload_id},
        )
        response = Response(found.content, mimetype=found.mime)
        response.headers["Content-Disposition"] = _disposition(found.filename)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.post("/<number>/messages")
@roles_required(*CASE_ROLES)
def reply(number: str) -> BaseResponse:
    """A message to the case's client, read in the e-services portal."""
    user = current_user()
    assert user is not None
    try:
        with transaction() as db:
            case = _find(db, number)
            portal.messages.write(
                db,
                case,
                sender=portal.messages.MUNICIPALITY,
                author=user.full_name,
                body=request.form.get("body", "")[:8000],
                now=engine_for(db).now(),
            )
    except FormValidationError as exc:
        first = exc.errors[0]
        english = language() == "en" and first.message_en
        flash(first.message_en if english else first.message, "error")
    else:
        flash(_("The message has been sent to the client."), "success")
    return redirect(url_for("cases.show", number=number) + "#messages-title")


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@bp.post("/<number>/incidents/<int:incident_id>/retry")
@roles_required(*RETRY_ROLES)
def retry(number: str, incident_id: int) -> BaseResponse:
    user = current_user()
    assert user is not None
    try:
        with transaction() as db:
            case = _find(db, number)
            incident = cases.retry_incident(
                engine_for(db), case, incident_id, actor=user.username
            )
            still_open = incident.status == incident.OPEN
    except NotFound:
        abort(404)
    except (Conflict, InvalidOperation):
        flash(_("The error has already been dealt with."), "info")
    else:
        if still_open:
            flash(_("The step was run again and failed again."), "error")
        else:
            flash(_("The failed step was run again."), "success")
    return redirect(url_for("cases.show", number=number))
