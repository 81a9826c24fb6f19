# SPDX-License-Identifier: EUPL-1.2
"""Marshmallow schemas of the intake queue's API (``intake.py``): what goes in
(``…Args``) and what comes out. Personal codes only ever masked: the sender is
stored masked, and every other text a letter brings (subject, file names, notes)
is masked on the way out too.

Descriptions are plain English strings (the committed OpenAPI document must not
change with the request's language).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from domain.intake.models import CHANNELS, STATUSES
from webapp.api.schemas import MaskedString

_STATES = ["", "open", *STATUSES]


class IntakeArgs(ma.Schema):
    state = ma.fields.String(
        load_default="open",
        validate=validate.OneOf(_STATES),
        metadata={
            "description": "One status; open (new, assigned, flagged, the default) "
            'or "" (all).'
        },
    )
    channel = ma.fields.String(
        load_default="",
        validate=validate.OneOf(["", *CHANNELS]),
        metadata={"description": 'depp, div, paper, vpvkac or "" (all).'},
    )
    flagged = ma.fields.Boolean(
        metadata={
            "description": "true: only items with a refused file; false: only "
            "items without one; absent: both."
        },
    )
    q = ma.fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Words of the subject or a case number."},
    )
    page = ma.fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=1_000_000)
    )
    page_size = ma.fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=100)
    )


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer(metadata={"description": "0, 1, 2 … in the item."})
    name = MaskedString()
    mime = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "Bytes."})
    accepted = ma.fields.Boolean(
        metadata={"description": "False: refused on arrival; it is not served."}
    )
    problem = ma.fields.String(
        allow_none=True,
        metadata={
            "enum": ["type", "size", "bomb", "damaged", "empty", None],
            "description": "Why it was refused (null when accepted).",
        },
    )
    reason = ma.fields.String(
        allow_none=True, metadata={"description": "The refusal in Latvian."}
    )
    reason_en = ma.fields.String(
        allow_none=True, metadata={"description": "The refusal in English."}
    )
    url = ma.fields.String(
        allow_none=True,
        metadata={"description": "Where to download it (null when refused)."},
    )


class IntakeItemSchema(ma.Schema):
    id = ma.fields.Integer()
    channel = ma.fields.String(metadata={"enum": list(CHANNELS)})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    sender = MaskedString(
        metadata={
            "description": "The sender's address or name, personal codes masked "
            "(_PRIVATE@16****-****7)."
        }
    )
    subject = MaskedString()
    document_kind = ma.fields.String()
    received_at = ma.fields.DateTime()
    flagged = ma.fields.Boolean(metadata={"description": "A file was refused."})
    attachments = ma.fields.Integer(metadata={"description": "How many files."})
    case_number = ma.fields.String(
        allow_none=True,
        metadata={"description": "The case started from it or it is attached to."},
    )


class IntakePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(IntakeItemSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    page_size = ma.fields.Integer()
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Items per status and open, whatever the filter."},
    )


class IntakeDetailSchema(IntakeItemSchema):
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))  # type: ignore[assignment]
    problems = ma.fields.List(
        MaskedString(), metadata={"description": "Each refused file, in Latvian."}
    )
    note = MaskedString(
        allow_none=True, metadata={"description": "Registered as correspondence."}
    )
    routing_note = MaskedString(
        allow_none=True,
        metadata={"description": "Which rule started the case, or why none could."},
    )
    assigned_to = ma.fields.String(allow_none=True)
    handled_by = ma.fields.String(allow_none=True)
    handled_at = ma.fields.DateTime(allow_none=True)


class StartFromItemArgs(ma.Schema):
    service_code = ma.fields.String(
        load_default="",
        validate=validate.Length(max=50),
        metadata={
            "description": "The service (its code in the catalogue, the diagram's "
            "serviceCode); or give process_key."
        },
    )
    process_key = ma.fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "The process to start, instead of service_code."},
    )
    client_identifier = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "The client's personal code or registration number, "
            "checked in the population or enterprise register."
        },
    )
    client_name = ma.fields.String(
        load_default="",
        validate=validate.Length(max=255),
        metadata={"description": "As the client writes it; default: the register's."},
    )

    data = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={
            "description": "The start form's data, when the service's start form "
            "asks for some (validated by it; errors under `errors.json.data`)."
        },
    )


class AttachArgs(ma.Schema):
    case_number = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "A case of the municipality."},
    )


class RegisterArgs(ma.Schema):
    note = ma.fields.String(
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "What was done with the letter (1–2000 characters)."},
    )


class StartedSchema(ma.Schema):
    item = ma.fields.Nested(IntakeDetailSchema)
    case_number = ma.fields.String()
    instance_id = ma.fields.String()


ITEM_EXAMPLE = {
    "id": 12,
    "channel": "depp",
    "status": "new",
    "sender": "_PRIVATE@16****-****7",
    "subject": "Iesniegums par koku ciršanu",
    "document_kind": "Iesniegums",
    "received_at": "2026-03-02T07:00:00+00:00",
    "flagged": False,
    "attachments": 1,
    "case_number": None,
}
DETAIL_EXAMPLE = {
    **ITEM_EXAMPLE,
    "attachments": [
        {
            "id": 31,
            "position": 0,
            "name": "iesniegums.pdf",
            "mime": "application/pdf",
            "size": 48211,
            "accepted": True,
            "problem": None,
            "reason": None,
            "reason_en": None,
            "url": "/api/v1/intake/12/attachments/31",
        }
    ],
    "problems": [],
    "note": None,
    "routing_note": None,
    "assigned_to": None,
    "handled_by": None,
    "handled_at": None,
}
