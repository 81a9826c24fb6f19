# SPDX-License-Identifier: EUPL-1.2
"""The auditor's pages: search the municipality's audit chain by person, case,
system, action, who and period (POST: a personal code is never in a URL), and
export what was found as CSV."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Response, current_app, render_template, stream_with_context
from flask_babel import lazy_gettext as _l

from core.calendar import RIGA
from domain.accounts.models import AUDITOR
from domain.audit.search import AuditFilter, export_csv, search, systems
from webapp import platform_of, transaction
from webapp.audit import bp
from webapp.audit.forms import AuditSearchForm, parse_day
from webapp.auth import current_municipality, roles_required

ROLES = (AUDITOR,)

ACTIONS = {
    "signin.success": _l("signed in"),
    "signin.failure": _l("sign-in failed"),
    "signout": _l("signed out"),
    "case.opened": _l("opened the case"),
    "document.downloaded": _l("downloaded a document"),
    "connector.call": _l("called an outside system"),
}
"""Labels of the platform's own actions (``admin.*``: the administration log's)."""


def _moment(raw: str | None, *, end: bool) -> datetime | None:
    if not raw or not raw.strip():
        return None
    day = parse_day(raw[:20]) + (timedelta(days=1) if end else timedelta())
    return datetime.combine(day, time(0), tzinfo=RIGA)


def _filter(form: AuditSearchForm) -> AuditFilter:
    return AuditFilter.of(
        vault=platform_of(current_app).pii,
        person_code=form.person_code.data or "",
        case_number=form.case_number.data or "",
        system=form.system.data or "",
        action=form.action.data or "",
        actor=form.actor.data or "",
        since=_moment(form.date_from.data, end=False),
        until=_moment(form.date_to.data, end=True),
    )


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ROLES)
def index() -> Any:
    form = AuditSearchForm()
    municipality = current_municipality()
    page = None
    status = 200
    flt = AuditFilter()
    if form.is_submitted():
        if form.validate():
            flt = _filter(form)
        else:
            status = 422
    if status == 200:
        with transaction() as db:
            page = search(db, municipality, flt, form.page.data or 1)
            for record in page.records:
                db.expunge(record)
    with transaction() as db:
        known_systems = systems(db, municipality)
    return (
        render_template(
            "audit/index.html",
            form=form,
            page=page,
            systems=known_systems,
            actions=ACTIONS,
            admin_actions=_admin_actions(),
        ),
        status,
    )


def _admin_actions() -> dict[str, Any]:
    """The administration log's labels (shared through the app's config by
    webapp/admin, which the audit pages do not import)."""
    labels: dict[str, Any] = current_app.extensions.get("pkip_admin_actions", {})
    return {f"admin.{k}": v for k, v in labels.items()}


@bp.post("/export.csv")
@roles_required(*ROLES)
def export() -> Any:
    form = AuditSearchForm()
    if not form.validate():
        return index()
    flt = _filter(form)
    municipality = current_municipality()
    platform = platform_of(current_app)

    def rows() -> Any:
        with platform.transaction(readonly=True) as db:
            yield "\ufeff"  # spreadsheets read the file as UTF-8
            yield from export_csv(db, municipality, flt)

    stamp = platform.engine_config.clock().astimezone(RIGA).strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="audits-{municipality}-{stamp}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
