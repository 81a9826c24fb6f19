# SPDX-License-Identifier: EUPL-1.2
"""The portal's pages (``/portals/<municipality>/``): the municipality's services,
applying (the start form rendered on the server: it works without JavaScript),
"Mani pieteikumi" (my cases) with statuses, history and deadlines, uploading and
downloading a case's documents. Every page is public to the guard; those about
a resident's own matters send an anonymous visitor to sign in first."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from core.contracts import FieldError, FormValidationError
from domain import accounting, cases, portal
from domain.catalogue.services import local_day
from domain.documents import services as documents
from domain.intake import checks
from domain.payments import services as payments
from engine.errors import Conflict, NotFound
from forms.render import parse_submission, render_form
from webapp import labels, transaction
from webapp.auth import public
from webapp.catalogue.forms import DEADLINE_LABELS
from webapp.catalogue.labels import eur
from webapp.portal import resident as residents
from webapp.portal.blueprint import bp
from webapp.support import engine_for, form_schema, language, platform


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "resident": g.get("portal_resident"),
        "status_label": _status_label,
    }


def _status_label(status: str) -> str:
    labels = accounting.LABELS_EN if language() == "en" else accounting.LABELS
    return labels.get(status, status)


def _municipality(code: str) -> Any:
    try:
        with transaction() as db:
            muni = portal.municipality(db, code)
            db.expunge(muni)
    except NotFound:
        abort(404)
    g.portal_muni = muni
    return muni


def resident_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A signed-in resident; others go to sign in and come back."""

    @wraps(view)
    def wrapped(code: str, **kwargs: Any) -> Any:
        muni = _municipality(code)
        who = residents.current()
        if who is None:
            target = request.full_path if request.method == "GET" else request.path
            return redirect(
                url_for(
                    "portal.sign_in", code=muni.code.lower(), next=target.rstrip("?")
                )
            )
        g.portal_resident = who
        return view(muni, who, **kwargs)

    return public(wrapped)


@bp.get("/<code>/")
@public
def home(code: str) -> str:
    muni = _municipality(code)
    g.portal_resident = residents.current()
    today = local_day(platform().engine_config.clock())
    with platform().transaction(readonly=True) as db:
        services = portal.catalogue(db, muni.code, today)
        page = render_template(
            "portal/home.html",
            muni=muni,
            services=services,
            eur=eur,
            deadline_labels=DEADLINE_LABELS,
        )
    return page


# -- applying --------------------------------------------------------------------------
def _apply_page(
    muni: Any,
    process: cases.StartableProcess,
    schema: dict[str, Any] | None,
    data: dict[str, Any] | None,
    token: str,
    errors: Sequence[FieldError] = (),
    focus: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    fields = (
        render_form(schema, data, errors, language=language(), focus=focus)
        if schema is not None
        else None
    )
    english = language() == "en"
    known = (schema or {}).get("properties") or {}
    general = [  # errors of fields the resident does not see (filled by the portal)
        (e.message_en if english and e.message_en else e.message)
        for e in errors
        if e.path.split(".")[0] not in known
    ]
    return (
        render_template(
            "portal/apply.html",
            muni=muni,
            process=process,
            title=g.get("portal_title") or process.name,
            fields=fields,
            token=token,
            general=general,
            has_errors=bool(errors),
        ),
        status,
    )


@bp.route("/<code>/services/<key>", methods=["GET", "POST"])
@resident_required
def apply(muni: Any, who: portal.Resident, key: str) -> Any:
    with platform().transaction(readonly=True) as db:
        try:
            offer = portal.offer(db, muni.code, key)
        except NotFound:
            abort(404)
        process, g.portal_title = offer.process, offer.name(language())
    schema = portal.applicant_schema(form_schema(process.start_form))
    if request.method == "GET":
        return _apply_page(muni, process, schema, None, secrets.token_urlsafe(24))
    token = request.form.get("token", "")
    sub = (
        parse_submission(schema, request.form, request.files)
        if schema is not None
        else None
    )
    data = sub.data if sub is not None else {}
    if sub is not None and sub.action is not None:
        return _apply_page(muni, process, schema, data, token, focus=sub.action.focus)
    with platform().transaction(readonly=True) as db:
        try:
            earlier = portal.submitted_case(db, platform().pii, muni.code, who, token)
        except NotFound:
            abort(404)
        earlier_number = earlier.number if earlier is not None else None
    if earlier_number is not None:
        return _sent(muni, earlier_number, again=True)
    errors = list(sub.errors) if sub is not None else []
    if process.start_form and not errors:
        full = {**data, "applicant_code": who.client.identifier}
        errors = platform().engine_config.forms.validate(process.start_form, full)
    if errors:
        return _apply_page(muni, process, schema, data, token, errors, status=422)
    try:
        with transaction() as db:
            case = portal.apply(
                engine_for(db),
                db,
                process,
                code=muni.code,
                resident=who,
                data=data,
                token=token,
            )
            number = case.number
    except FormValidationError as exc:
        return _apply_page(muni, process, schema, data, token, exc.errors, status=422)
    except Conflict:
        # The same form sent twice at once: the other send started the case.
        with platform().transaction(readonly=True) as db:
            earlier = portal.submitted_case(db, platform().pii, muni.code, who, token)
            if earlier is None:
                raise
            number = earlier.number
        return _sent(muni, number, again=True)
    return _sent(muni, number, again=False)


def _sent(muni: Any, number: str, *, again: bool) -> Response:
    if again:
        flash(
            _("This application was already sent: case %(number)s.", number=number),
            "info",
        )
    else:
        flash(
            _("Your application has been registered: case %(number)s.", number=number),
            "success",
        )
    return redirect(url_for("portal.case", code=muni.code.lower(), number=number))


# -- my cases ------------------------------------------------------------------
@bp.get("/<code>/cases/")
@resident_required
def my_cases(muni: Any, who: portal.Resident) -> str:
    with platform().transaction(readonly=True) as db:
        found = portal.my_cases(db, platform().pii, muni.code, who)
        rows = portal.summaries(db, found)
        for row in rows:
            db.expunge(row.case)
    return render_template("portal/cases.html", muni=muni, rows=rows)


def _case(db: Any, muni: Any, who: portal.Resident, number: str) -> Any:
    try:
        return portal.my_case(db, platform().pii, muni.code, who, number)
    except NotFound:
        abort(404)


def _case_page(
    muni: Any,
    who: portal.Resident,
    number: str,
    error: str | None = None,
    message_error: str | None = None,
    draft: str = "",
) -> tuple[str, int]:
    with platform().transaction(readonly=True) as db:
        case = _case(db, muni, who, number)
        row = portal.summary(db, case)
        issued = [
            d for d, _sent in documents.case_documents(db, muni.code, case.number)
        ]
        added = portal.uploads(db, case)
        thread = portal.messages.thread(db, case)
        fees = [p.request for p in payments.case_payments(db, muni.code, case.number)]
        page = render_template(
            "portal/case.html",
            muni=muni,
            row=row,
            issued=issued,
            fees=fees,
            payment_states=labels.PAYMENT_STATES,
            awaiting_payment=payments.REQUESTED,
            added=added,
            error=error,
            thread=thread,
            message_error=message_error,
            draft=draft,
            max_message=portal.messages.MAX_MESSAGE,
            accept=",".join(sorted(checks.ALLOWED)),
            max_mb=checks.MAX_FILE_BYTES // (1024 * 1024),
        )
    return page, 422 if error or message_error else 200


@bp.get("/<code>/cases/<number>")
@resident_required
def case(muni: Any, who: portal.Resident, number: str) -> Any:
    return _case_page(muni, who, number)


@bp.post("/<code>/cases/<number>/files")
@resident_required
def upload(muni: Any, who: portal.Resident, number: str) -> Any:
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _case_page(muni, who, number, _("Choose a file to add."))
    content = sent.stream.read(checks.MAX_FILE_BYTES + 1)
    english = language() == "en"
    try:
        with transaction() as db:
            case = _case(db, muni, who, number)
            added = portal.upload(
                db,
                platform().pii,
                case,
                who,
                sent.filename,
                content,
                engine_for(db).now(),
            )
            name = added.filename
    except FormValidationError as exc:
        first = exc.errors[0]
        text = first.message_en if english and first.message_en else first.message
        return _case_page(muni, who, number, text)
    flash(_("The file %(name)s has been added to the case.", name=name), "success")
    return redirect(url_for("portal.case", code=muni.code.lower(), number=number))


@bp.post("/<code>/cases/<number>/messages")
@resident_required
def message(muni: Any, who: portal.Resident, number: str) -> Any:
    body = request.form.get("body", "")[: portal.messages.MAX_MESSAGE * 2]
    try:
        with transaction() as db:
            case = _case(db, muni, who, number)
            portal.messages.write(
                db,
                case,
                sender=portal.messages.CLIENT,
                author=None,
                body=body,
                now=engine_for(db).now(),
            )
    except FormValidationError as exc:
        first = exc.errors[0]
        english = language() == "en"
        text = first.message_en if english and first.message_en else first.message
        return _case_page(muni, who, number, message_error=text, draft=body)
    flash(_("Your message has been sent to the municipality."), "success")
    return redirect(url_for("portal.case", code=muni.code.lower(), number=number))


def _download(name: str, mime: str, content: bytes) -> Response:
    response = Response(content, mimetype=mime or "application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<code>/cases/<number>/files/<int:upload_id>")
@resident_required
def added_file(muni: Any, who: portal.Resident, number: str, upload_id: int) -> Any:
    with platform().transaction(readonly=True) as db:
        case = _case(db, muni, who, number)
        try:
            row = portal.get_upload(db, case, upload_id)
        except NotFound:
            abort(404)
        return _download(row.filename, row.mime, row.content)


@bp.get("/<code>/cases/<number>/documents/<int:document_id>")
@resident_required
def document(muni: Any, who: portal.Resident, number: str, document_id: int) -> Any:
    with platform().transaction(readonly=True) as db:
        case = _case(db, muni, who, number)
        try:
            found = documents.get_document(db, muni.code, document_id)
        except NotFound:
            abort(404)
        if found.case_number != case.number:
            abort(404)
        return _download(found.filename, found.mime, found.content)
