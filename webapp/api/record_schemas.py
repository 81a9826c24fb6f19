# SPDX-License-Identifier: EUPL-1.2
"""Marshmallow schemas of a case's issued documents and its status history (the
``schemas.py`` of ``documents.py`` and ``cases.py``'s status history; apart so
that no module grows past its size).

Descriptions are plain English strings (the committed OpenAPI document must not
change with the request's language).
"""

from __future__ import annotations

import marshmallow as ma

from domain.accounting.status import STATUSES
from domain.documents.models import DELIVERY_CHANNELS, DELIVERY_STATES

NOT_DELIVERED = "not_delivered"
PSPP_STATES = ["not_reported", "on_its_way", "delivered", "failed"]


# -- documents ---------------------------------------------------------------------
class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    channel = ma.fields.String(
        metadata={
            "enum": list(DELIVERY_CHANNELS),
            "description": "e_address (through DEPP) or paper (the print queue).",
        }
    )
    state = ma.fields.String(metadata={"enum": list(DELIVERY_STATES)})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class IssuedDocumentSchema(ma.Schema):
    id = ma.fields.Integer()
    registration_number = ma.fields.String(
        metadata={"description": "The number in the municipality's register."}
    )
    document_type = ma.fields.String(
        metadata={"description": "permit, refusal, decision, notice, …"}
    )
    title = ma.fields.String()
    registered_at = ma.fields.DateTime()
    delivery_status = ma.fields.String(
        metadata={
            "enum": [NOT_DELIVERED, *DELIVERY_STATES],
            "description": "The state of the newest delivery, or not_delivered.",
        }
    )
    delivery_channel = ma.fields.String(
        allow_none=True, metadata={"enum": [*DELIVERY_CHANNELS, None]}
    )


class IssuedDocumentListSchema(ma.Schema):
    case_number = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(IssuedDocumentSchema))


class IssuedDocumentDetailSchema(IssuedDocumentSchema):
    case_number = ma.fields.String()
    register = ma.fields.String(
        metadata={
            "enum": ["pkip", "dvs"],
            "description": "Who gave the number: PKIP's register or the DVS.",
        }
    )
    filename = ma.fields.String()
    mime = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "Bytes of the PDF."})
    sha256 = ma.fields.String(metadata={"description": "SHA-256 of the PDF (hex)."})
    pdf_url = ma.fields.String(metadata={"description": "Where to download it."})
    deliveries = ma.fields.List(ma.fields.Nested(DeliverySchema))


DOCUMENT_EXAMPLE = {
    "id": 7,
    "registration_number": "RIGA-2026-D-00042",
    "document_type": "permit",
    "title": "Koku ciršanas atļauja",
    "registered_at": "2026-03-04T10:15:00+00:00",
    "delivery_status": "sent",
    "delivery_channel": "e_address",
}
DOCUMENT_DETAIL_EXAMPLE = {
    **DOCUMENT_EXAMPLE,
    "case_number": "RIGA-2026-000042",
    "register": "pkip",
    "filename": "permit-RIGA-2026-D-00042.pdf",
    "mime": "application/pdf",
    "size": 18734,
    "sha256": "3b1f0c…",
    "pdf_url": "/api/v1/cases/RIGA-2026-000042/documents/7/pdf",
    "deliveries": [
        {
            "id": 3,
            "channel": "e_address",
            "state": "sent",
            "created_at": "2026-03-04T10:15:02+00:00",
            "updated_at": "2026-03-04T10:15:02+00:00",
        }
    ],
}


# -- status history ----------------------------------------------------------------
class StatusEventSchema(ma.Schema):
    sequence = ma.fields.Integer(metadata={"description": "1, 2, 3 … in the case."})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    label = ma.fields.String(metadata={"description": "The status in Latvian."})
    label_en = ma.fields.String(metadata={"description": "The status in English."})
    at = ma.fields.DateTime(metadata={"description": "When the case reached it."})
    planned_at = ma.fields.DateTime(
        allow_none=True,
        metadata={
            "description": "The planned deadline (Latvian working days), null where "
            "the status has none."
        },
    )
    late = ma.fields.Boolean(metadata={"description": "Reached after planned_at."})
    pspp_status = ma.fields.String(
        allow_none=True,
        metadata={"description": "The status PSPP is told; null: not reported."},
    )
    pspp = ma.fields.String(
        metadata={
            "enum": PSPP_STATES,
            "description": "Where the event stands with PSPP: not_reported, "
            "on_its_way (queued or held behind the one before), delivered, failed.",
        }
    )


class StatusHistorySchema(ma.Schema):
    case_number = ma.fields.String()
    status = ma.fields.String(
        allow_none=True,
        metadata={"description": "The newest recorded status (null: none yet)."},
    )
    events = ma.fields.List(ma.fields.Nested(StatusEventSchema))


STATUS_HISTORY_EXAMPLE = {
    "case_number": "RIGA-2026-000042",
    "status": "in_progress",
    "events": [
        {
            "sequence": 1,
            "status": "registered",
            "label": "Reģistrēts",
            "label_en": "Registered",
            "at": "2026-03-02T07:00:00+00:00",
            "planned_at": None,
            "late": False,
            "pspp_status": "registered",
            "pspp": "delivered",
        },
        {
            "sequence": 2,
            "status": "in_progress",
            "label": "Izskatīšanā",
            "label_en": "In progress",
            "at": "2026-03-02T07:05:00+00:00",
            "planned_at": "2026-03-30T07:00:00+00:00",
            "late": False,
            "pspp_status": "in_progress",
            "pspp": "on_its_way",
        },
    ],
}
