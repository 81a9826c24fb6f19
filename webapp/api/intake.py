# SPDX-License-Identifier: EUPL-1.2
"""Ienākošie through the API: the queue (filtered, paginated), one item with its
attachments' metadata, an attachment's download, and the clerk's three actions —
start a case, attach to a case, register as correspondence — each through the
same ``domain.intake`` functions the workplace's intake pages call.

Who: the registry clerks, as in the workplace (a specialist only in department
``lietvedis``; supervisors and municipality admins); a token acts for its creator
and may do no more than they may. An action locks the item's row first, so of two
simultaneous actions one succeeds and the other gets 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from core.pii import mask_identifiers
from domain.accounts.models import MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR, User
from domain.cases import CASE_FORM
from domain.intake import checks
from domain.intake import services as intake
from domain.intake.clients import identify_client
from domain.intake.models import IntakeFile, IntakeItem
from engine.errors import Conflict, InvalidOperation, NotFound
from webapp import transaction
from webapp.api import wants_english
from webapp.api.common import ERROR, access, actor, field_error_tree, not_found
from webapp.api.intake_schemas import (
    DETAIL_EXAMPLE,
    ITEM_EXAMPLE,
    AttachArgs,
    IntakeArgs,
    IntakeDetailSchema,
    IntakePageSchema,
    RegisterArgs,
    StartedSchema,
    StartFromItemArgs,
)
from webapp.auth import AuthUser, current_municipality, current_token_rights
from webapp.auth import current_user as signed_in
from webapp.nav import APPS
from webapp.support import download, engine_for, platform

PATH = "intake"
TAG = "Intake"
ROLES = (SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN)
INTAKE_APP = next(a for a in APPS if a.endpoint == "intake.index")
_NOT_FOUND = "No such item in the municipality's intake queue."
_HANDLED = "The item was handled already (by someone else, or a moment ago)."
CASE = "RIGA-2026-000042"

blp = Blueprint(
    "api_intake",
    __name__,
    description="Ienākošie: the municipality's incoming letters and applications "
    "(e-address, DIV, paper, VPVKAC) for the registry clerks: read them and their "
    "files, start a service case, attach to a case, register as correspondence. "
    "Personal codes are only ever shown masked.",
)


# -- who may ------------------------------------------------------------------------
def _may_use_intake(db: Session) -> bool:
    """The workplace's rule for the queue (``webapp/nav.py``), for the person or
    for the person who created the token."""
    user = signed_in()
    if user is not None:
        return INTAKE_APP.may_use(user)
    rights = current_token_rights()
    if rights is None:
        return False
    creator = db.scalars(select(User).where(User.username == rights.creator)).first()
    return creator is not None and INTAKE_APP.may_use(AuthUser.of(creator))


def clerks_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 unless the caller (or the token's creator) is a registry clerk; then,
    for an item's routes, 404 unless the item is the municipality's — both before
    the body is validated, so a caller learns nothing from validation errors."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with transaction() as db:
            if not _may_use_intake(db):
                abort(
                    403,
                    message=_(
                        "Incoming letters are for the registry clerks (department "
                        "lietvedis), their supervisors and the municipality's "
                        "administrators."
                    ),
                )
            if "item_id" in kwargs:
                _item(db, kwargs["item_id"])
        return view(*args, **kwargs)

    return wrapped


def _item(db: Session, item_id: int, *, lock: bool = False) -> IntakeItem:
    try:
        return intake.get_item(db, current_municipality(), item_id, for_update=lock)
    except NotFound:
        not_found()
        raise  # not reached: not_found aborts


# -- answers ------------------------------------------------------------------------
def _summary(item: IntakeItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "channel": item.channel,
        "status": item.status,
        "sender": item.sender,
        "subject": item.subject,
        "document_kind": item.document_kind,
        "received_at": item.received_at,
        "flagged": any(f.problem for f in item.files),
        "attachments": len(item.files),
        "case_number": item.case_number,
    }


def _attachment(item: IntakeItem, f: IntakeFile) -> dict[str, Any]:
    reason = (
        checks.REASONS.get(f.problem, (f.problem, f.problem)) if f.problem else None
    )
    return {
        "id": f.id,
        "position": f.position,
        "name": f.name,
        "mime": f.mime,
        "size": f.size,
        "accepted": f.problem is None,
        "problem": f.problem,
        "reason": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
        "url": None
        if f.problem
        else url_for("api_intake.Attachment", item_id=item.id, file_id=f.id),
    }


def _detail(item: IntakeItem) -> dict[str, Any]:
    row = _summary(item)
    row.update(
        attachments=[_attachment(item, f) for f in item.files],
        problems=list(item.problems or []),
        note=item.note,
        routing_note=item.routing_note,
        assigned_to=item.assigned_to,
        handled_by=item.handled_by,
        handled_at=item.handled_at,
    )
    return row


def _invalid(errors: Sequence[FieldError], form_key: str) -> None:
    """422 naming the body's fields: the intake's own and the case's fields are
    the body's top level; the start form's fields are under ``data``."""
    tree = field_error_tree(errors)
    body = tree if form_key in (intake.FORM, CASE_FORM) else {"data": tree}
    abort(422, message=_("The request data is not valid."), errors={"json": body})


def _act(item_id: int, action: Callable[[Session, IntakeItem, str], Any]) -> Any:
    """Run ``action(db, locked item, actor)`` and answer the item as it is after;
    409 when it was handled already, 422 naming the field on bad input."""
    try:
        with transaction() as db:
            item = _item(db, item_id, lock=True)
            result = action(db, item, actor())
            return item, result, _detail(item)
    except (InvalidOperation, Conflict):
        abort(409, message=_("The item has already been handled."))
    except FormValidationError as exc:
        _invalid(exc.errors, exc.form_key)
    raise AssertionError("not reached")  # pragma: no cover


# -- the queue ----------------------------------------------------------------------
@blp.route("", tags=[TAG])
class Items(MethodView):
    @access("intake:read", *ROLES)
    @clerks_only
    @blp.arguments(IntakeArgs, location="query")
    @blp.response(
        200,
        IntakePageSchema,
        example={
            "items": [ITEM_EXAMPLE],
            "total": 1,
            "page": 1,
            "pages": 1,
            "page_size": 25,
            "counts": {"new": 1, "open": 1},
        },
    )
    def get(self, args: dict[str, Any]) -> Any:
        """The queue, newest first: by state (default open), channel, flagged,
        words of the subject; one page with the total and the counts per status."""
        flt = intake.IntakeFilter(
            status=args["state"],
            channel=args["channel"],
            q=args["q"],
            flagged=args.get("flagged"),
        )
        municipality = current_municipality()
        with transaction() as db:
            page = intake.page_items(
                db, municipality, flt, args["page"], args["page_size"]
            )
            return {
                "items": [_summary(item) for item in page.items],
                "total": page.total,
                "page": page.page,
                "pages": page.pages,
                "page_size": page.per_page,
                "counts": intake.counts(db, municipality),
            }


@blp.route("/<int:item_id>", tags=[TAG])
class Item(MethodView):
    @access("intake:read", *ROLES)
    @clerks_only
    @blp.response(200, IntakeDetailSchema, example=DETAIL_EXAMPLE)
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    def get(self, item_id: int) -> Any:
        """One item: the sender (masked), subject, status, what became of it, and
        its attachments' metadata (a refused one with the reason)."""
        with transaction() as db:
            return _detail(_item(db, item_id))


_FILE = {
    "description": "The file as received: a PDF as application/pdf, anything "
    "else as application/octet-stream (its type is the metadata's mime).",
    "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
    "headers": {
        "Content-Disposition": {
            "description": "attachment with the file's name (personal codes masked).",
            "schema": {"type": "string"},
        }
    },
}


@blp.route("/<int:item_id>/attachments/<int:file_id>", tags=[TAG])
class Attachment(MethodView):
    @access("intake:read", *ROLES)
    @clerks_only
    @blp.doc(responses={200: _FILE})
    @blp.alt_response(
        403,
        schema=ERROR,
        description="The file was refused on arrival (its type, size, or a "
        "suspicious or damaged container): it is kept, never served.",
    )
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    def get(self, item_id: int, file_id: int) -> Any:
        """Download an attachment; a refused (flagged) one is 403 with the reason."""
        with transaction() as db:
            try:
                f = intake.get_file(db, current_municipality(), item_id, file_id)
            except NotFound:
                not_found()
            name, problem, content = mask_identifiers(f.name), f.problem, f.content
        if problem is not None:
            lv, en = checks.REASONS.get(problem, (problem, problem))
            abort(
                403,
                message=_(
                    "The file was refused when it arrived and is not served: "
                    "%(reason)s.",
                    reason=en if wants_english() else lv.lower(),
                ),
                errors={"path": {"file_id": [f"{problem}: {lv} / {en}"]}},
            )
        pdf = name.casefold().endswith(".pdf") and content.startswith(b"%PDF")
        kind = "application/pdf" if pdf else "application/octet-stream"
        return download(content, name, kind)


# -- the clerk's actions ------------------------------------------------------------
@blp.route("/<int:item_id>/start-case", tags=[TAG])
class StartCase(MethodView):
    @access("intake:write", *ROLES)
    @clerks_only
    @blp.arguments(
        StartFromItemArgs,
        example={"service_code": "PKIP-011", "client_identifier": "161175-19997"},
    )
    @blp.response(
        201,
        StartedSchema,
        example={
            "item": {**DETAIL_EXAMPLE, "status": "started", "case_number": CASE},
            "case_number": CASE,
            "instance_id": "5f0c6a2e-8d1b-4c3e-9a57-2b6f1e0d4c11",
        },
    )
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(409, schema=ERROR, description=_HANDLED)
    def post(self, args: dict[str, Any], item_id: int) -> Any:
        """Start a service case from the item for the client (identified in the
        population or enterprise register), on the item's channel.

        The service is `service_code` (or `process_key`); bad input is 422 naming
        the field (`service_code`, `process_key`, `client_identifier`,
        `client_name`) and nothing changes.
        """

        def start(db: Session, item: IntakeItem, who: str) -> Any:
            engine = engine_for(db)
            key = args["process_key"].strip()
            if not key and args["service_code"].strip():
                key = intake.process_for_service(
                    db, item.municipality, args["service_code"]
                )
            client = identify_client(
                engine,
                args["client_identifier"],
                name=args["client_name"],
                municipality=item.municipality,
                actor=who,
            )
            return intake.start_case_from(
                engine, db, item, key, client=client, actor=who, data=args["data"]
            )

        _, case, detail = _act(item_id, start)
        return {
            "item": detail,
            "case_number": case.number,
            "instance_id": case.instance_id,
        }


@blp.route("/<int:item_id>/attach", tags=[TAG])
class Attach(MethodView):
    @access("intake:write", *ROLES)
    @clerks_only
    @blp.arguments(AttachArgs, example={"case_number": CASE})
    @blp.response(
        200,
        IntakeDetailSchema,
        example={**DETAIL_EXAMPLE, "status": "attached", "case_number": CASE},
    )
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(409, schema=ERROR, description=_HANDLED)
    def post(self, args: dict[str, Any], item_id: int) -> Any:
        """Attach the item to an existing case of the municipality (an unknown or
        another municipality's case number is 422 on `case_number`)."""
        now = platform().engine_config.clock()
        number = args["case_number"]
        return _act(
            item_id,
            lambda db, item, who: intake.attach(
                db, item, number, actor=who, now=now, engine=engine_for(db)
            ),
        )[2]


@blp.route("/<int:item_id>/register", tags=[TAG])
class Register(MethodView):
    @access("intake:write", *ROLES)
    @clerks_only
    @blp.arguments(
        RegisterArgs, example={"note": "Informācijai; atbilde nav vajadzīga."}
    )
    @blp.response(
        200,
        IntakeDetailSchema,
        example={
            **DETAIL_EXAMPLE,
            "status": "registered",
            "note": "Informācijai; atbilde nav vajadzīga.",
        },
    )
    @blp.alt_response(404, schema=ERROR, description=_NOT_FOUND)
    @blp.alt_response(409, schema=ERROR, description=_HANDLED)
    def post(self, args: dict[str, Any], item_id: int) -> Any:
        """Register the item as correspondence with a note (an empty note is 422
        on `note`)."""
        now = platform().engine_config.clock()
        note = args["note"]
        return _act(
            item_id,
            lambda db, item, who: intake.register(item, note, actor=who, now=now),
        )[2]
