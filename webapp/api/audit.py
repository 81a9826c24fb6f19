# SPDX-License-Identifier: EUPL-1.2
"""The central audit log (domain/audit): other municipal systems write their
events into the municipality's hash-chained log (``audit:write``), auditors and
their systems search it (``audit:read``).

A personal code goes in the body only (``person_code``), never in a URL, and is
kept as its look-up hash; the search takes it the same way (POST).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import validate

from domain.accounts.models import AUDITOR, MUNICIPALITY_ADMIN
from domain.audit import ingest as audit_ingest
from domain.audit.search import AuditFilter, search
from webapp import platform_of, transaction
from webapp.api.common import ERROR, access, actor
from webapp.auth import current_municipality

PATH = "audit"
TAG = "Audit"
WRITERS = (MUNICIPALITY_ADMIN,)
READERS = (AUDITOR,)
MAX_DETAILS = 8000
"""Characters of an event's details as JSON."""
FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of PKIP's clock an event's time may be (clocks drift)."""

blp = Blueprint(
    "api_audit",
    __name__,
    description="The municipality's central, hash-chained audit log: events of "
    "other municipal systems written in batches with idempotency keys, and the "
    "auditor's search. Personal codes are kept only as their keyed hash.",
)

_NAME = validate.Regexp(
    r"^[a-z0-9][a-z0-9._:-]*$", error="lower-case letters, digits, . _ : - only"
)


class IncomingEventSchema(ma.Schema):
    idempotency_key = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={
            "description": "Unique per system within the municipality: an event "
            "sent again with the same key is not added twice."
        },
    )
    at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "When it happened (with a time zone)."}
    )
    system = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=60), _NAME],
        metadata={"description": "The system the event happened in (`dvs`, `gis`)."},
    )
    action = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=60), _NAME],
        metadata={
            "description": "What happened (`document.opened`, `signin.failure`)."
        },
    )
    actor = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Who did it (a user name in that system)."},
    )
    subject_kind = ma.fields.String(
        load_default="",
        validate=validate.Length(max=30),
        metadata={"description": "`case` makes the event found by the case number."},
    )
    subject_id = ma.fields.String(load_default="", validate=validate.Length(max=100))
    person_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "The personal code the event is about: stored as its "
            "keyed hash only, so every event about the person can be found."
        },
    )
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={
            "description": f"Anything else (at most {MAX_DETAILS} characters as "
            "JSON); personal codes in it are masked."
        },
    )

    @ma.validates("details")
    def _small(self, value: dict[str, Any], **_: Any) -> None:
        if len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_DETAILS:
            raise ma.ValidationError(f"at most {MAX_DETAILS} characters as JSON")


class IngestArgs(ma.Schema):
    events = ma.fields.List(
        ma.fields.Nested(IncomingEventSchema),
        required=True,
        validate=validate.Length(min=1, max=audit_ingest.MAX_BATCH),
        metadata={"description": f"1 to {audit_ingest.MAX_BATCH} events, in order."},
    )


class IngestedSchema(ma.Schema):
    idempotency_key = ma.fields.String()
    seq = ma.fields.Integer(
        metadata={"description": "The record's place in the chain."}
    )
    hash = ma.fields.String(metadata={"description": "The record's SHA-256."})
    duplicate = ma.fields.Boolean(
        metadata={"description": "True: the key was written before; nothing added."}
    )


class IngestResultSchema(ma.Schema):
    accepted = ma.fields.Integer(metadata={"description": "Events added now."})
    duplicates = ma.fields.Integer()
    events = ma.fields.List(ma.fields.Nested(IngestedSchema))


class SearchArgs(ma.Schema):
    person_code = ma.fields.String(
        load_default="",
        validate=validate.Length(max=20),
        metadata={"description": "Every event about this person (hashed, not kept)."},
    )
    case_number = ma.fields.String(load_default="", validate=validate.Length(max=50))
    system = ma.fields.String(load_default="", validate=validate.Length(max=60))
    action = ma.fields.String(
        load_default="",
        validate=validate.Length(max=60),
        metadata={"description": "An action, or its beginning ending in `.`."},
    )
    actor = ma.fields.String(load_default="", validate=validate.Length(max=100))
    since = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    until = ma.fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "Exclusive."}
    )
    page = ma.fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=1_000_000)
    )
    page_size = ma.fields.Integer(
        load_default=100, validate=validate.Range(min=1, max=500)
    )

    @ma.validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            raise ma.ValidationError("must be after since", "until")


class RecordSchema(ma.Schema):
    seq = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.String()
    action = ma.fields.String()
    subject_kind = ma.fields.String()
    subject_id = ma.fields.String()
    person_hash = ma.fields.String(allow_none=True)
    system = ma.fields.String()
    idempotency_key = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    prev_hash = ma.fields.String()
    hash = ma.fields.String()


class RecordPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RecordSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    page_size = ma.fields.Integer()


EXAMPLE = {
    "events": [
        {
            "idempotency_key": "dvs-2026-000123",
            "at": "2026-03-02T09:15:00+02:00",
            "system": "dvs",
            "action": "document.opened",
            "actor": "janis.berzins",
            "subject_kind": "case",
            "subject_id": "RIGA/2026/17",
            "person_code": "161175-19997",
            "details": {"document": "Lēmums Nr. 5"},
        }
    ]
}


@blp.route("/events", tags=[TAG])
class Events(MethodView):
    @access("audit:write", *WRITERS)
    @blp.arguments(IngestArgs, example=EXAMPLE)
    @blp.response(200, IngestResultSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """Write a batch of events of another municipal system into the
        municipality's chain, in order. Each has an idempotency key: a batch sent
        again answers with the records of the first delivery (`duplicate: true`)
        and adds nothing. Invalid input is 422 naming the field path
        (`events.0.at`); nothing of the batch is written then."""
        platform = platform_of(current_app)
        now = platform.engine_config.clock()
        errors: dict[str, dict[str, list[str]]] = {}
        for n, event in enumerate(args["events"]):
            if event["at"] > now + FUTURE_SLACK:
                errors.setdefault(str(n), {})["at"] = ["must not be in the future"]
        if errors:
            abort(
                422,
                message=_("The request data is not valid."),
                errors={"json": {"events": errors}},
            )
        incoming = [
            audit_ingest.Incoming(
                idempotency_key=e["idempotency_key"],
                at=e["at"],
                system=e["system"],
                action=e["action"],
                actor=e["actor"],
                subject_kind=e["subject_kind"],
                subject_id=e["subject_id"],
                person_code=e["person_code"],
                details=e["details"],
            )
            for e in args["events"]
        ]
        with transaction() as db:
            outcomes = audit_ingest.ingest(
                db, current_municipality(), incoming, via=actor(), vault=platform.pii
            )
        duplicates = sum(1 for o in outcomes if o.duplicate)
        return {
            "accepted": len(outcomes) - duplicates,
            "duplicates": duplicates,
            "events": [o.__dict__ for o in outcomes],
        }


@blp.route("/events/search", tags=[TAG])
class Search(MethodView):
    @access("audit:read", *READERS)
    @blp.arguments(SearchArgs, example={"person_code": "161175-19997"})
    @blp.response(200, RecordPageSchema)
    @blp.alt_response(422, schema=ERROR, description="A filter is not valid.")
    def post(self, args: dict[str, Any]) -> Any:
        """The municipality's audit records, newest first, by person (the personal
        code in the body, never in the URL), case number, system, action, actor
        and period."""
        platform = platform_of(current_app)
        flt = AuditFilter.of(
            vault=platform.pii,
            person_code=args["person_code"],
            case_number=args["case_number"],
            system=args["system"],
            action=args["action"],
            actor=args["actor"],
            since=args["since"],
            until=args["until"],
        )
        with transaction() as db:
            page = search(
                db, current_municipality(), flt, args["page"], args["page_size"]
            )
            return {
                "items": list(page.records),
                "total": page.total,
                "page": page.page,
                "pages": page.pages,
                "page_size": args["page_size"],
            }
