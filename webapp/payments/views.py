# SPDX-License-Identifier: EUPL-1.2
"""The finance reconciliation view and its CSV export (thin: domain/payments does
the comparing; the payment module's listing comes through the connector registry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from connectors.errors import ConnectorError
from core.calendar import RIGA
from core.contracts import CallContext
from domain.payments import reconcile
from webapp import labels, transaction
from webapp.auth import current_municipality, current_user, roles_required
from webapp.nav import roles_of
from webapp.support import language, platform

bp = Blueprint("payments", __name__, url_prefix="/payments")
CASE_ROLES = roles_of("cases.index")


@bp.context_processor
def _context() -> dict[str, Any]:
    return {"labels": labels, "lang_lv": language() == "lv"}


@dataclass
class Period:
    start: date | None
    end: date | None
    errors: dict[str, str]


def _parse_day(raw: str) -> date:
    """``dd.mm.yyyy`` (as people write it) or ``yyyy-mm-dd`` (a date input)."""
    text = raw.strip()
    if "." in text:
        return datetime.strptime(text, "%d.%m.%Y").date()  # noqa: DTZ007 (a date)
    return date.fromisoformat(text)


def _period() -> Period:
    today = datetime.now(RIGA).date()
    defaults = {"from": today.replace(day=1), "to": today}
    values: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        raw = request.args.get(name, "")
        if not raw:
            values[name] = defaults[name]
            continue
        try:
            values[name] = _parse_day(raw[:20])
        except ValueError:
            values[name] = None
            errors[name] = _("Enter a date as dd.mm.yyyy.")
    period = Period(values["from"], values["to"], errors)
    if not errors:
        try:
            reconcile.check_period(period.start, period.end)
        except reconcile.PeriodError as exc:
            errors[exc.field] = exc.message_lv if language() == "lv" else exc.message_en
    return period


def _listing(
    municipality: str, start: date, end: date
) -> list[reconcile.ModulePayment]:
    low, high = reconcile.period_bounds(start, end)
    user = current_user()
    answer = platform().connectors.call(
        "pay.list",
        {"created_from": low.isoformat(), "created_to": high.isoformat()},
        CallContext(municipality=municipality, actor=user.username if user else None),
    )
    return [reconcile.ModulePayment.from_wire(item) for item in answer["payments"]]


def _reconcile(period: Period) -> tuple[reconcile.Reconciliation | None, str | None]:
    """The period's reconciliation, and why the module's side is missing (None:
    it answered)."""
    if period.errors or period.start is None or period.end is None:
        return None, None
    municipality = current_municipality()
    with transaction() as db:
        try:
            listing = _listing(municipality, period.start, period.end)
            problem = None
        except ConnectorError:
            listing, problem = (
                [],
                _(
                    "The payment module did not answer: only PKIP's records are shown, "
                    "nothing was compared."
                ),
            )
        result = reconcile.reconcile(
            db, municipality, period.start, period.end, listing
        )
        if problem is not None:
            result.mismatches = []
        db.expunge_all()
    return result, problem


def _state_labels() -> dict[str, str]:
    return {k: str(v) for k, v in labels.PAYMENT_STATES.items()}


@bp.get("/")
@roles_required(*roles_of("payments.index"))
def index() -> Any:
    period = _period()
    result, problem = _reconcile(period)
    user = current_user()
    status = 422 if period.errors else 200
    return render_template(
        "payments/reconciliation.html",
        period=period,
        raw={k: request.args.get(k, "")[:20] for k in ("from", "to")},
        result=result,
        problem=problem,
        may_open_cases=user is not None and user.has_role(*CASE_ROLES),
    ), status


@bp.get("/reconciliation.csv")
@roles_required(*roles_of("payments.index"))
def export() -> Any:
    period = _period()
    if period.errors:
        first = next(iter(period.errors.items()))
        return Response(f"{first[0]}: {first[1]}\n", status=422, mimetype="text/plain")
    result, problem = _reconcile(period)
    assert result is not None and period.start is not None and period.end is not None
    body = reconcile.to_csv(result, _state_labels())
    if problem is not None:
        body = f"# {problem}\r\n" + body
    name = f"maksajumi-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return Response(
        "\ufeff" + body,  # a BOM: spreadsheets then read the Latvian letters right
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


__all__ = ["bp"]
