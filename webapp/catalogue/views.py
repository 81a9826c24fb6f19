# SPDX-License-Identifier: EUPL-1.2
"""The catalogue in the workplace (``/catalogue/``): the municipality's cards, a
card with its versions and history, creating and editing a draft, submitting it
for review. Thin views over ``domain.catalogue``; every card is looked up in the
signed-in municipality (another's id answers 404). Forms work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from core.contracts import FieldError
from domain.accounts.models import ANALYST, MUNICIPALITY_ADMIN
from domain.accounts.services import departments_of
from domain.accounts.tokens import actor_labels
from domain.cases.catalogue import definitions_in_force
from domain.catalogue import services as catalogue
from domain.catalogue.models import REVIEW, CardVersion, ServiceCard
from domain.catalogue.workflow import REVIEW_TASK, publication
from domain.services.procedure import render_procedure
from engine.models import Incident, UserTask
from webapp import transaction
from webapp.auth import current_municipality, current_user, roles_required
from webapp.catalogue import labels
from webapp.catalogue.forms import (
    APPLICANT_LABELS,
    CHANNEL_LABELS,
    DEADLINE_LABELS,
    CardForm,
    add_empty_rows,
    attach_errors,
    fill_form,
    read_form,
)
from webapp.nav import roles_of
from webapp.support import engine_for, language, platform

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
READERS = roles_of("catalogue.index")
EDITORS = (ANALYST, MUNICIPALITY_ADMIN)
MAX_NOTE = 2000


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "card_labels": labels,
        "applicant_labels": APPLICANT_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "deadline_labels": DEADLINE_LABELS,
        "may_edit": _may_edit(),
        "render_procedure": render_procedure,
    }


def _may_edit() -> bool:
    user = current_user()
    return user is not None and user.has_role(*EDITORS)


def _card_or_404(db: Session, card_id: int) -> ServiceCard:
    card = catalogue.get_card(db, current_municipality(), card_id)
    if card is None:
        abort(404)
    return card


def _choices(db: Session, form: CardForm) -> None:
    municipality = current_municipality()
    form.department.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(d.key, d.name) for d in departments_of(db, municipality)
    ]
    processes = [
        d
        for d in definitions_in_force(db, municipality)
        if (d.meta or {}).get("process", {}).get("serviceCode")
    ]
    form.process_key.choices = [SelectChoice("", _("— none yet —"))] + [
        SelectChoice(d.key, f"{d.name} ({d.meta['process']['serviceCode']})")
        for d in processes
    ]


def _now() -> Any:
    return platform().engine_config.clock()


@bp.get("/")
@roles_required(*READERS)
def index() -> str:
    with transaction() as db:
        cards = catalogue.cards_of(db, current_municipality())
        rows = [
            {
                "card": card,
                "in_force": card.in_force(),
                "open": card.open_version(),
                "latest": card.versions[-1],
            }
            for card in cards
        ]
        return render_template(
            "catalogue/index.html",
            rows=rows,
            municipality_code=current_municipality(),
        )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new() -> Any:
    with transaction() as db:
        form = CardForm()
        _choices(db, form)
        summary: list[tuple[str, str]] = []
        if request.method == "POST" and form.validate():
            content, problems = read_form(form)
            if not problems:
                try:
                    card = catalogue.create_card(
                        db,
                        current_municipality(),
                        content,
                        actor=_username(),
                        now=_now(),
                    )
                except catalogue.CatalogueError as exc:
                    problems = exc.errors
                else:
                    flash(
                        _("The card %(code)s is saved as a draft.", code=card.code),
                        "success",
                    )
                    return redirect(url_for("catalogue.show", card_id=card.id))
            summary = attach_errors(form, problems, language())
        add_empty_rows(form)
        return render_template(
            "catalogue/edit.html", form=form, card=None, version=None, summary=summary
        )


def _username() -> str:
    user = current_user()
    assert user is not None  # behind roles_required
    return user.username


@bp.get("/<int:card_id>")
@roles_required(*READERS)
def show(card_id: int) -> str:
    with transaction() as db:
        card = _card_or_404(db, card_id)
        version = _version_asked(card)
        review = _review_task(db, version)
        message = publication(db, version.instance_id) if version.instance_id else None
        incident = None
        if message is not None and message.status == "failed":
            incident = db.scalars(
                select(Incident).where(
                    Incident.instance_id == version.instance_id,
                    Incident.status == Incident.OPEN,
                )
            ).first()
        department = next(
            (
                d.name
                for d in departments_of(db, card.municipality)
                if d.key == version.department
            ),
            version.department,
        )
        events = catalogue.history(db, card)
        return render_template(
            "catalogue/show.html",
            names=actor_labels(db, {e.actor for e in events}),
            card=card,
            version=version,
            in_force=card.in_force(),
            open_version=card.open_version(),
            events=events,
            review=review,
            message=message,
            incident=incident,
            department=department,
            return_comment=_return_comment(db, card, version),
            today=catalogue.local_day(_now()),
        )


def _version_asked(card: ServiceCard) -> CardVersion:
    """``?version=N``, else the open version, else the one in force."""
    wanted = request.args.get("version", "")
    if wanted:
        found = next((v for v in card.versions if str(v.number) == wanted), None)
        if found is None:
            abort(404)
        return found
    return card.open_version() or card.in_force() or card.versions[-1]


def _review_task(db: Session, version: CardVersion) -> UserTask | None:
    if version.state != REVIEW or version.instance_id is None:
        return None
    return db.scalars(
        select(UserTask).where(
            UserTask.instance_id == version.instance_id,
            UserTask.element_id == REVIEW_TASK,
            UserTask.state == UserTask.READY,
            UserTask.municipality == version.municipality,
        )
    ).first()


def _return_comment(db: Session, card: ServiceCard, version: CardVersion) -> str:
    for event in catalogue.history(db, card):
        if event.version_number != version.number:
            continue
        if event.kind == "returned":
            return event.comment
        if event.kind in ("resubmitted", "submitted"):
            return ""
    return ""


@bp.route("/<int:card_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(card_id: int) -> Any:
    with transaction() as db:
        card = _card_or_404(db, card_id)
        version = card.open_version()
        if version is None or not version.editable:
            flash(_("This version cannot be changed now."), "error")
            return redirect(url_for("catalogue.show", card_id=card.id))
        form = CardForm()
        _choices(db, form)
        summary: list[tuple[str, str]] = []
        if request.method == "GET":
            fill_form(form, catalogue.content_of(card, version))
        elif form.validate():
            result = _save(db, card, form, submit="submit" in request.form)
            if isinstance(result, Response):
                return result
            summary = result
        form.code.data = card.code
        add_empty_rows(form)
        return render_template(
            "catalogue/edit.html",
            form=form,
            card=card,
            version=version,
            summary=summary,
            note=request.form.get("note", "")[:MAX_NOTE],
        )


def _save(
    db: Session, card: ServiceCard, form: CardForm, *, submit: bool
) -> Response | list[tuple[str, str]]:
    content, problems = read_form(form)
    if problems:
        return attach_errors(form, problems, language())
    try:
        with db.begin_nested():
            catalogue.save_draft(db, card, content, actor=_username(), now=_now())
    except catalogue.CatalogueError as exc:
        return attach_errors(form, exc.errors, language())
    if not submit:
        flash(_("The draft is saved."), "success")
        return redirect(url_for("catalogue.show", card_id=card.id))
    errors = _submit(db, card)
    if errors:
        flash(_("The draft is saved, but it cannot go to review yet."), "error")
        return attach_errors(form, errors, language())
    return redirect(url_for("catalogue.show", card_id=card.id))


def _submit(db: Session, card: ServiceCard) -> list[FieldError]:
    """Submit the open version; the errors when it cannot go (nothing changed)."""
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    try:
        with db.begin_nested():
            catalogue.submit(engine_for(db), card, actor=_username(), note=note)
    except catalogue.CatalogueError as exc:
        return exc.errors
    flash(_("The card is sent to the service owner for review."), "success")
    return []


@bp.post("/<int:card_id>/submit")
@roles_required(*EDITORS)
def submit(card_id: int) -> Any:
    with transaction() as db:
        card = _card_or_404(db, card_id)
        version = card.open_version()
        if version is None or not version.editable:
            flash(_("This version cannot be changed now."), "error")
            return redirect(url_for("catalogue.show", card_id=card.id))
        errors = _submit(db, card)
        if not errors:
            return redirect(url_for("catalogue.show", card_id=card.id))
        form = CardForm(formdata=None)
        _choices(db, form)
        fill_form(form, catalogue.content_of(card, version))
        summary = attach_errors(form, errors, language())
        return render_template(
            "catalogue/edit.html",
            form=form,
            card=card,
            version=version,
            summary=summary,
            note=request.form.get("note", "")[:MAX_NOTE],
        )


@bp.post("/<int:card_id>/new-version")
@roles_required(*EDITORS)
def new_version(card_id: int) -> Response:
    with transaction() as db:
        card = _card_or_404(db, card_id)
        version = catalogue.new_draft(db, card, actor=_username(), now=_now())
        return redirect(url_for("catalogue.edit", card_id=card.id, v=version.number))
