# SPDX-License-Identifier: EUPL-1.2
"""Ienākošie: the municipality's incoming letters (``/intake/``), one item
(``/intake/<id>``) with its sender (masked), subject and files (PDF and pictures open
in the browser), and the clerk's actions: take it, start a service case, attach it
to a case, register it as correspondence. Everything is scoped to the signed-in
person's municipality; another's item ids are 404."""

from __future__ import annotations

from typing import Any
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
from flask_babel import lazy_gettext as _l

from core.contracts import FieldError, FormValidationError
from domain.cases.models import mask_identifier
from domain.catalogue.services import local_day
from domain.intake import checks
from domain.intake import services as intake
from domain.intake.clients import identify_client
from domain.intake.models import CHANNELS, STATUSES, IntakeItem
from domain.offers import services as offers
from engine.errors import InvalidOperation, NotFound
from webapp import transaction
from webapp.auth import current_municipality, current_user, roles_required
from webapp.nav import APPS, roles_of
from webapp.support import engine_for, language, platform

bp = Blueprint("intake", __name__, url_prefix="/intake")
INTAKE_ROLES = roles_of("intake.index")
_APP = next(a for a in APPS if a.endpoint == "intake.index")

INTAKE_CHANNELS = {
    "depp": _l("E-address"),
    "div": _l("DIV"),
    "paper": _l("Paper or post"),
    "vpvkac": _l("VPVKAC"),
}
INTAKE_STATUSES = {
    "new": _l("New"),
    "assigned": _l("Taken"),
    "started": _l("Case started"),
    "attached": _l("Attached to a case"),
    "registered": _l("Registered as correspondence"),
    "flagged": _l("Flagged"),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "labels_channel": lambda c: INTAKE_CHANNELS.get(c, c),
        "labels_status": lambda s: INTAKE_STATUSES.get(s, s),
    }


def clerk_required() -> str:
    """The registry clerk's username; 403 for a specialist of another department."""
    user = current_user()
    if user is None or not _APP.may_use(user):
        abort(403)
    return user.username


def _item(db: Any, item_id: int, *, lock: bool = False) -> IntakeItem:
    try:
        return intake.get_item(db, current_municipality(), item_id, for_update=lock)
    except NotFound:
        abort(404)


def error_texts(errors: list[FieldError]) -> dict[str, str]:
    english = language() == "en"
    return {
        e.path: (e.message_en if english and e.message_en else e.message)
        for e in errors
    }


@bp.get("/")
@roles_required(*INTAKE_ROLES)
def index() -> str:
    clerk_required()
    flt = intake.IntakeFilter(
        status=request.args.get("status", "open")
        if request.args.get("status", "open") in (*STATUSES, "open", "")
        else "open",
        channel=request.args.get("channel", "")
        if request.args.get("channel") in CHANNELS
        else "",
        q=request.args.get("q", "")[:100],
    )
    with transaction() as db:
        items = intake.list_items(db, current_municipality(), flt)
        rows = [
            {"item": i, "files": len(i.files), "flagged": bool(i.problems)}
            for i in items
        ]
        counts = intake.counts(db, current_municipality())
    return render_template(
        "intake/index.html", rows=rows, counts=counts, flt=flt, channels=CHANNELS
    )


def _today() -> Any:
    return local_day(platform().engine_config.clock())


def _services(db: Any, q: str) -> list[offers.Offer]:
    """The services matching the clerk's search, from the catalogue (the cards in
    force, by name or code; services without a card by their process's name)."""
    return offers.search(db, current_municipality(), q, _today())


def _not_offered(db: Any, key: str) -> FieldError | None:
    """A process that is not one of the municipality's services (a called
    process, the catalogue's own approval, another municipality's variant)."""
    if not key or any(o.key == key for o in offers.offers(db, current_municipality())):
        return None
    return FieldError(
        "process_key",
        "Šis pakalpojums pašvaldībā netiek sniegts",
        "The municipality does not offer this service",
        "not_offered",
    )


def _show(item_id: int, errors: dict[str, str] | None = None, **values: Any) -> Any:
    q = request.args.get("q", "")[:100]
    number = request.args.get("case", "")[:50]
    with transaction() as db:
        item = _item(db, item_id)
        vault = platform().pii
        suggested = intake.client_from_sender(item.sender_in_clear(vault))
        # only the masked form in the page: the clerk types the code to confirm
        masked = mask_identifier(suggested.identifier) if suggested else ""
        page = render_template(
            "intake/show.html",
            item=item,
            files=list(item.files),
            inline={f.position: checks.viewable_inline(f.name) for f in item.files},
            services=_services(db, q),
            q=q,
            cases_found=intake.find_cases(db, current_municipality(), number),
            case_query=number,
            suggested_masked=masked,
            errors=errors or {},
            values=values,
        )
    return page, (422 if errors else 200)


@bp.get("/<int:item_id>")
@roles_required(*INTAKE_ROLES)
def show(item_id: int) -> Any:
    clerk_required()
    return _show(item_id)


@bp.get("/<int:item_id>/files/<int:file_id>")
@roles_required(*INTAKE_ROLES)
def file(item_id: int, file_id: int) -> Response:
    clerk_required()
    with transaction() as db:
        try:
            f = intake.get_file(db, current_municipality(), item_id, file_id)
        except NotFound:
            abort(404)
        name, mime, content, problem = f.name, f.mime, f.content, f.problem
    # a refused file is never opened by the browser: downloaded as bytes
    inline = problem is None and request.args.get("download") != "1"
    inline = inline and checks.viewable_inline(name)
    kind = "application/pdf" if name.casefold().endswith(".pdf") else mime
    response = Response(
        content, mimetype=kind if inline else "application/octet-stream"
    )
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _act(item_id: int, action: Any) -> Any:
    """Run ``action(db, item, username)``; its field errors back on the page."""
    username = clerk_required()
    try:
        with transaction() as db:
            action(db, _item(db, item_id, lock=True), username)
    except FormValidationError as exc:
        return _show(item_id, error_texts(exc.errors), **request.form.to_dict())
    except InvalidOperation:
        flash(_("The item has already been handled."), "error")
    return redirect(url_for("intake.show", item_id=item_id))


@bp.post("/<int:item_id>/assign")
@roles_required(*INTAKE_ROLES)
def assign(item_id: int) -> Any:
    return _act(item_id, lambda db, item, user: intake.assign(item, user))


@bp.post("/<int:item_id>/start")
@roles_required(*INTAKE_ROLES)
def start(item_id: int) -> Any:
    username = clerk_required()
    key = request.form.get("process_key", "")[:100]
    try:
        with transaction() as db:
            engine = engine_for(db)
            item = _item(db, item_id, lock=True)
            refused = _not_offered(db, key)
            if refused is not None:
                raise FormValidationError("intake_start", [refused])
            client = identify_client(
                engine,
                request.form.get("client_identifier", "")[:20],
                name=request.form.get("client_name", "")[:255],
                municipality=current_municipality(),
                actor=username,
            )
            case = intake.start_case_from(
                engine, db, item, key, client=client, actor=username
            )
            number = case.number
    except FormValidationError as exc:
        errors = list(exc.errors)
        if not key and all(e.path != "process_key" for e in errors):
            errors.append(
                FieldError(
                    "process_key",
                    "Izvēlieties pakalpojumu",
                    "Choose a service",
                    "required",
                )
            )
        return _show(item_id, error_texts(errors), **request.form.to_dict())
    except InvalidOperation:
        flash(_("The item has already been handled."), "error")
        return redirect(url_for("intake.show", item_id=item_id))
    flash(_("Case %(number)s has been registered.", number=number), "success")
    return redirect(url_for("cases.show", number=number))


@bp.post("/<int:item_id>/attach")
@roles_required(*INTAKE_ROLES)
def attach(item_id: int) -> Any:
    number = request.form.get("case_number", "")[:50]
    now = platform().engine_config.clock()
    return _act(
        item_id,
        lambda db, item, user: intake.attach(
            db, item, number, actor=user, now=now, engine=engine_for(db)
        ),
    )


@bp.post("/<int:item_id>/register")
@roles_required(*INTAKE_ROLES)
def register(item_id: int) -> Any:
    note = request.form.get("note", "")[:2100]
    now = platform().engine_config.clock()
    return _act(
        item_id,
        lambda db, item, user: intake.register(item, note, actor=user, now=now),
    )
