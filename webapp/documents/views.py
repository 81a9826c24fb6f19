# SPDX-License-Identifier: EUPL-1.2
"""Thin views over ``domain.documents``: every query is scoped to the current
municipality; URLs carry document and delivery ids, never personal data."""

from __future__ import annotations

from urllib.parse import quote

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

from domain.accounts.models import ANALYST, MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR
from domain.documents import services as documents
from domain.documents.render import TemplateProblem, html_to_pdf
from domain.documents.templates import (
    KNOWN,
    check_template,
    save_template,
    template_in_force,
    template_versions,
)
from engine.errors import InvalidOperation, NotFound
from webapp import transaction
from webapp.audit import trail
from webapp.auth import current_municipality, current_user, roles_required
from webapp.support import engine_for, language, platform

bp = Blueprint("documents", __name__, url_prefix="/documents")
READERS = (SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN)
CLERKS = (SPECIALIST, SUPERVISOR)
EDITORS = (ANALYST, MUNICIPALITY_ADMIN)
MAX_TEMPLATE = 100_000


def _pdf(body: bytes, name: str, *, inline: bool = False) -> Response:
    response = Response(body, mimetype="application/pdf")
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    kind = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@bp.get("/<int:document_id>.pdf")
@roles_required(*READERS)
def download(document_id: int) -> Response:
    with transaction() as db:
        try:
            document = documents.get_document(db, current_municipality(), document_id)
        except NotFound:
            abort(404)
        trail.staff(
            db,
            "document.downloaded",
            municipality=document.municipality,
            subject_kind="case" if document.case_number else "document",
            subject_id=document.case_number or document.registration_number,
            person_hash=trail.case_person(
                db, document.municipality, document.case_number
            ),
            details={
                "registration_number": document.registration_number,
                "document": document.filename,
            },
        )
        return _pdf(document.content, document.filename)


@bp.get("/print-queue")
@roles_required(*CLERKS)
def print_queue() -> str:
    with transaction() as db:
        queue = documents.print_queue(db, current_municipality())
    return render_template("documents/print_queue.html", queue=queue)


@bp.post("/deliveries/<int:delivery_id>")
@roles_required(*CLERKS)
def mark(delivery_id: int) -> BaseResponse:
    user = current_user()
    assert user is not None
    state = request.form.get("state", "")
    try:
        with transaction() as db:
            documents.mark_delivery(
                db,
                current_municipality(),
                delivery_id,
                state,
                actor=user.username,
                now=platform().engine_config.clock(),
                engine=engine_for(db),
            )
    except NotFound:
        abort(404)
    except InvalidOperation:
        flash(_("This step of the delivery is not possible now."), "error")
    else:
        flash(_("The delivery is recorded."), "success")
    return redirect(url_for("documents.print_queue"))


@bp.get("/templates/")
@roles_required(*EDITORS)
def templates() -> str:
    return render_template("documents/templates.html", keys=sorted(KNOWN))


@bp.route("/templates/<template_key>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_template(template_key: str) -> str | BaseResponse:
    key = template_key
    if key not in KNOWN:
        abort(404)
    user = current_user()
    assert user is not None
    municipality = current_municipality()
    problem = ""
    body = request.form.get("body", "") if request.method == "POST" else ""
    if request.method == "POST" and len(body) > MAX_TEMPLATE:
        problem = _("The template is too long.")
    elif request.method == "POST":
        try:
            with transaction() as db:
                version = save_template(
                    db, municipality, key, body, actor=user.username
                )
                number = version.version
        except TemplateProblem as exc:
            problem = exc.message if language() == "lv" else exc.message_en
        else:
            flash(
                _("Version %(version)s of the template is saved.", version=number),
                "success",
            )
            return redirect(url_for("documents.edit_template", template_key=key))
    with transaction() as db:
        current = template_in_force(db, municipality, key)
        versions = [
            (v.municipality, v.version, v.created_by, v.created_at)
            for v in template_versions(db, municipality, key)
        ]
        current_body = current.body
    status = 422 if problem else 200
    return render_template(
        "documents/template_edit.html",
        key=key,
        body=body or current_body,
        problem=problem,
        versions=versions,
    ), status


@bp.post("/templates/<template_key>/preview")
@roles_required(*EDITORS)
def preview(template_key: str) -> BaseResponse | tuple[str, int]:
    """The template as submitted, rendered with sample data to a PDF (not saved)."""
    key = template_key
    if key not in KNOWN:
        abort(404)
    body = request.form.get("body", "")
    try:
        if len(body) > MAX_TEMPLATE:
            raise TemplateProblem("Veidne ir par garu.", "The template is too long.")
        pdf = html_to_pdf(check_template(body))
    except TemplateProblem as exc:
        message = exc.message if language() == "lv" else exc.message_en
        return render_template(
            "documents/preview_error.html", key=key, problem=message
        ), 422
    return _pdf(pdf, f"{key}-paraugs.pdf", inline=True)
