# SPDX-License-Identifier: EUPL-1.2
"""Service cases: the municipality's case register (list, one case, its status
history) — through ``domain/cases`` and ``domain/accounting``, the services the
workplace's case pages use too."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from domain import accounting, cases
from domain.accounts.models import MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR
from webapp import platform_of, transaction
from webapp.api.common import ERROR, access, engine_errors
from webapp.api.record_schemas import STATUS_HISTORY_EXAMPLE, StatusHistorySchema
from webapp.api.schemas import CaseArgs, CaseDetailSchema, CasePageSchema, CaseSchema
from webapp.auth import current_municipality

PATH = "cases"
TAG = "Cases"
ROLES = (SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN)

blp = Blueprint(
    "api_cases",
    __name__,
    description="Service cases of the municipality: number, service, client, "
    "status, history. Personal codes are only ever shown masked.",
)

CASE_COLUMNS = tuple(
    name for name in CaseSchema._declared_fields if name not in ("client_masked",)
)


def _case(case: cases.ServiceCase, has_incident: bool) -> dict[str, Any]:
    row = {name: getattr(case, name, None) for name in CASE_COLUMNS}
    row["client_masked"] = case.client_masked
    row["has_incident"] = has_incident
    return row


@blp.route("", tags=[TAG])
class Cases(MethodView):
    @access("cases:read", *ROLES)
    @blp.arguments(CaseArgs, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The municipality's cases, newest first, filtered by status, process or
        the beginning of the number."""
        flt = cases.CaseFilter(
            process=args["process"],
            status=args["status"],
            number=args["number"],
            page=args["page"],
            per_page=args["page_size"],
        )
        with transaction() as db:
            page = cases.list_cases(db, current_municipality(), flt)
            return {
                "items": [
                    _case(c, c.instance_id in page.incidents) for c in page.cases
                ],
                "total": page.total,
                "page": page.page,
                "pages": page.pages,
                "page_size": flt.per_page,
            }


@blp.route("/<case_number>", tags=[TAG])
class Case(MethodView):
    @access("cases:read", *ROLES)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(
        404, schema=ERROR, description="No such case in the municipality."
    )
    def get(self, case_number: str) -> Any:
        """One case: status, history with times and actors, open and finished
        tasks, open incidents and the documents in its data."""
        with transaction() as db, engine_errors():
            engine = platform_of(current_app).engine(db)
            case = cases.get_case(db, case_number, current_municipality())
            view = cases.case_view(engine, case)
            row = _case(case, view.instance.has_incident)
            row.update(
                status=view.status,
                status_label=view.status_label,
                instance_status=view.instance.status,
                history=view.history,
                open_tasks=view.open_tasks,
                finished_tasks=view.finished_tasks,
                incidents=view.incidents,
                documents=view.documents,
            )
            return row


@blp.route("/<case_number>/status-history", tags=[TAG])
class CaseStatusHistory(MethodView):
    @access("cases:read", *ROLES)
    @blp.response(200, StatusHistorySchema, example=STATUS_HISTORY_EXAMPLE)
    @blp.alt_response(
        404, schema=ERROR, description="No such case in the municipality."
    )
    def get(self, case_number: str) -> Any:
        """The case's status history: every status change, append-only, oldest
        first, with its planned deadline and where it stands with PSPP."""
        with transaction() as db, engine_errors():
            case = cases.get_case(db, case_number, current_municipality())
            rows = accounting.case_accounting(db, case.id)
            events = [
                {
                    "sequence": row.event.sequence,
                    "status": row.event.status,
                    "label": accounting.LABELS.get(row.event.status, row.event.status),
                    "label_en": accounting.LABELS_EN.get(
                        row.event.status, row.event.status
                    ),
                    "at": row.event.at,
                    "planned_at": row.event.planned_at,
                    "late": row.event.late,
                    "pspp_status": row.event.pspp_status,
                    "pspp": row.pspp,
                }
                for row in rows
            ]
            return {
                "case_number": case.number,
                "status": events[-1]["status"] if events else None,
                "events": events,
            }
