# SPDX-License-Identifier: EUPL-1.2
"""Registering across the desk and the routing rules: a paper or post letter with
its scans (``/intake/paper``), an application a one-stop centre clerk takes for any
municipality's service (``/intake/vpvkac``), and the municipality admin's routing
rules (``/intake/rules``)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.contracts import FieldError, FormValidationError
from domain.accounts.models import MUNICIPALITY_ADMIN, VPVKAC_CLERK
from domain.definitions import process_summaries
from domain.intake import checks, desk, rules
from domain.intake.clients import identify_client
from domain.intake.models import MATCHES
from domain.intake.services import FileData
from domain.models import Municipality
from webapp import transaction
from webapp.auth import current_municipality, current_user, roles_required
from webapp.intake.views import INTAKE_ROLES, bp, clerk_required, error_texts
from webapp.support import engine_for, platform


def _uploads() -> list[FileData]:
    """The uploaded scans; one over the size limit is kept and flagged, as a
    received file is (checks.check_file), up to one byte over the limit."""
    files = []
    for upload in request.files.getlist("files"):
        if not upload.filename:
            continue
        content = upload.read(checks.MAX_FILE_BYTES + 1)
        files.append(
            FileData(
                upload.filename, upload.mimetype or "application/octet-stream", content
            )
        )
    return files


@bp.route("/paper", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def paper() -> Any:
    username = clerk_required()
    if request.method == "GET":
        return render_template("intake/paper.html", errors={}, values={})
    try:
        with transaction() as db:
            item = desk.register_paper(
                db,
                platform().pii,
                municipality=current_municipality(),
                sender=request.form.get("sender", "")[:255],
                subject=request.form.get("subject", "")[:500],
                files=_uploads(),
                actor=username,
                now=platform().engine_config.clock(),
            )
            item_id = item.id
    except FormValidationError as exc:
        page = render_template(
            "intake/paper.html",
            errors=error_texts(exc.errors),
            values=request.form.to_dict(),
        )
        return page, 422
    flash(_("The letter has been registered."), "success")
    return redirect(url_for("intake.show", item_id=item_id))


def _municipalities(db: Any) -> list[Municipality]:
    return list(db.scalars(select(Municipality).order_by(Municipality.name)))


def _vpvkac_page(
    errors: dict[str, str], values: dict[str, str], status: int = 200
) -> Any:
    chosen = values.get("municipality", "")
    with transaction() as db:
        municipalities = _municipalities(db)
        codes = {m.code for m in municipalities}
        services = process_summaries(db, chosen) if chosen in codes else []
        page = render_template(
            "intake/vpvkac.html",
            municipalities=municipalities,
            services=services,
            errors=errors,
            values=values,
        )
    return page, status


@bp.route("/vpvkac", methods=["GET", "POST"])
@roles_required(VPVKAC_CLERK)
def vpvkac() -> Any:
    user = current_user()
    assert user is not None
    if request.method == "GET" or "choose" in request.form:
        values = (request.args if request.method == "GET" else request.form).to_dict()
        return _vpvkac_page({}, values)
    values = request.form.to_dict()
    code = values.get("municipality", "")
    with transaction() as db:
        known = db.get(Municipality, code) is not None
    if not known:
        errors = [
            FieldError(
                "municipality",
                "Izvēlieties pašvaldību",
                "Choose a municipality",
                "enum",
            )
        ]
        return _vpvkac_page(error_texts(errors), values, 422)
    try:
        with transaction() as db:
            engine = engine_for(db)
            # the client is checked in the register of the receiving municipality
            client = identify_client(
                engine,
                values.get("client_identifier", "")[:20],
                name=values.get("client_name", "")[:255],
                municipality=code,
                actor=user.username,
            )
            case, _item = desk.register_vpvkac(
                engine,
                db,
                platform().pii,
                municipality=code,
                process_key=values.get("process_key", "")[:100],
                client=client,
                subject=values.get("subject", "")[:500],
                files=_uploads(),
                actor=user.username,
            )
            number = case.number
    except FormValidationError as exc:
        return _vpvkac_page(error_texts(exc.errors), values, 422)
    flash(
        _("Application %(number)s has been sent to the municipality.", number=number),
        "success",
    )
    return redirect(url_for("intake.vpvkac"))


@bp.route("/rules", methods=["GET", "POST"])
@roles_required(MUNICIPALITY_ADMIN)
def routing_rules() -> Any:
    user = current_user()
    assert user is not None
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            with transaction() as db:
                rules.add_rule(
                    db,
                    current_municipality(),
                    match=values.get("match", ""),
                    pattern=values.get("pattern", "")[:200],
                    process_key=values.get("process_key", "")[:100],
                    actor=user.username,
                )
        except FormValidationError as exc:
            errors, status = error_texts(exc.errors), 422
        else:
            flash(_("The rule has been added."), "success")
            return redirect(url_for("intake.routing_rules"))
    with transaction() as db:
        page = render_template(
            "intake/rules.html",
            rules=rules.list_rules(db, current_municipality()),
            services=process_summaries(db, current_municipality()),
            matches=MATCHES,
            errors=errors,
            values=values,
        )
    return page, status


@bp.post("/rules/<int:rule_id>/delete")
@roles_required(MUNICIPALITY_ADMIN)
def delete_rule(rule_id: int) -> Any:
    with transaction() as db:
        if not rules.delete_rule(db, current_municipality(), rule_id):
            abort(404)
    flash(_("The rule has been deleted."), "success")
    return redirect(url_for("intake.routing_rules"))
