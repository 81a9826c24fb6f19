# SPDX-License-Identifier: EUPL-1.2
"""The supervisor dashboard for the user's municipality.

| endpoint | route |
| --- | --- |
| ``dashboard.index`` | GET ``/dashboard/?process=<key>`` |
| ``dashboard.diagram`` | GET ``/dashboard/processes/<key>/diagram.bpmn`` (in force) |

How each figure is computed is in ``domain/supervision.py``.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from domain import supervision
from domain.definitions import process_summaries
from engine.models import ProcessDefinition
from webapp import platform_of, transaction
from webapp.auth import current_municipality, roles_required
from webapp.charts import Series, grouped_bar_chart
from webapp.i18n import lvdate
from webapp.nav import roles_of
from webapp.scoping import get_scoped_or_404

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
ROLES = roles_of("dashboard.index")


def _case_url(incident: supervision.OpenIncident) -> str | None:
    """The case page of the incident's service case (pages are by case number)."""
    if incident.case_number is None or "cases.show" not in current_app.view_functions:
        return None
    return url_for("cases.show", number=incident.case_number)


def _chart(weeks: list[supervision.Week]) -> Any:
    labels = [lvdate(w.start)[:5] for w in weeks]
    return grouped_bar_chart(
        title=_("Cases started and completed per week"),
        desc=_(
            "Bars per week of the last %(weeks)d weeks, from %(first)s: "
            "started %(started)d, completed %(completed)d in total. "
            "The table below gives every number.",
            weeks=len(weeks),
            first=lvdate(weeks[0].start) if weeks else "",
            started=sum(w.started for w in weeks),
            completed=sum(w.completed for w in weeks),
        ),
        categories=labels,
        series=[
            Series("started", _("Cases started"), [w.started for w in weeks]),
            Series("completed", _("Cases completed"), [w.completed for w in weeks]),
        ],
    )


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    platform = platform_of(current_app)
    config = platform.engine_config
    municipality = current_municipality()
    frame = supervision.frame(config.clock(), config.calendar)
    chosen = request.args.get("process") or None
    with transaction() as db:
        processes = process_summaries(db, municipality)
        names = {p.key: p.name for p in processes}
        target_of = supervision.targets(db, [p.in_force_id for p in processes])
        deadlines = supervision.deadlines(db, municipality, frame, names)
        incident_total, incidents = supervision.open_incidents(db, municipality)
        cycles = supervision.cycle_times(
            db,
            municipality,
            frame,
            config.calendar,
            {k: (names[k], target_of.get(k)) for k in names},
        )
        weeks = supervision.weekly(db, municipality, frame)
        if chosen is not None and chosen not in names:
            abort(404)
        if chosen is None and processes:
            chosen = processes[0].key
        waiting = (
            supervision.waiting_by_element(db, municipality, chosen, frame.now)
            if chosen
            else []
        )
    return render_template(
        "dashboard/index.html",
        frame=frame,
        deadlines=deadlines,
        incident_total=incident_total,
        incidents=[(i, _case_url(i)) for i in incidents],
        cycles=cycles,
        weeks=weeks,
        chart=_chart(weeks),
        processes=processes,
        names=names,
        chosen=chosen,
        waiting=waiting,
        overlays=[
            {
                "id": w.element_id,
                "count": w.count,
                "overdue": w.overdue > 0,
                "label": _(
                    "%(count)d waiting, %(overdue)d overdue",
                    count=w.count,
                    overdue=w.overdue,
                ),
            }
            for w in waiting
        ],
        limits={
            "at_risk_days": supervision.AT_RISK_WORKING_DAYS,
            "breached_days": supervision.BREACHED_DAYS,
            "cycle_days": supervision.CYCLE_TIME_DAYS,
            "incidents": supervision.INCIDENT_LIMIT,
        },
    )


@bp.get("/processes/<key>/diagram.bpmn")
@roles_required(*ROLES)
def diagram(key: str) -> Response:
    """The diagram of the version in force (the municipality's variant, else base)."""
    with transaction() as db:
        summary = next(
            (p for p in process_summaries(db, current_municipality()) if p.key == key),
            None,
        )
        if summary is None:
            abort(404)
        definition = get_scoped_or_404(
            db, ProcessDefinition, summary.in_force_id, include_base=True
        )
        xml = definition.bpmn_xml
    return Response(xml, mimetype="application/xml")
