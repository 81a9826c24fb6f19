# SPDX-License-Identifier: EUPL-1.2
"""Marshmallow schemas of the REST API: what goes in (``…Args``) and what comes out.

Descriptions are plain English strings (the OpenAPI document is committed and must
not change with the request's language).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from core.pii import mask_identifiers
from engine.models import BASE_VARIANT


def _municipality(obj: Any) -> str | None:
    value: str = obj.municipality
    return None if value == BASE_VARIANT else value


# -- definitions -------------------------------------------------------------------
class DefinitionArgs(ma.Schema):
    key = ma.fields.String(metadata={"description": "Only this process key."})
    all_versions = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Every deployed version instead of the version in force "
            "per process (the municipality's newest variant, else the newest base)."
        },
    )


class DefinitionSchema(ma.Schema):
    id = ma.fields.Integer()
    key = ma.fields.String(metadata={"description": "The BPMN process id."})
    name = ma.fields.String()
    version = ma.fields.Integer()
    municipality = ma.fields.Function(
        _municipality,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "The municipality of a variant; null for the base.",
        },
    )
    service_code = ma.fields.Function(
        lambda d: (d.meta or {}).get("process", {}).get("serviceCode"),
        metadata={"type": "string", "nullable": True},
    )
    checksum = ma.fields.String()
    source_name = ma.fields.String(metadata={"description": "The deployed file."})
    deployed_by = ma.fields.String()
    deployed_at = ma.fields.DateTime()
    in_force = ma.fields.Boolean(
        metadata={"description": "The version new instances of the process start on."}
    )


class DeployArgs(ma.Schema):
    base = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Deploy as the base for every municipality (platform "
            "administrators only); otherwise a variant of the caller's municipality."
        },
    )


class DeployFilesArgs(ma.Schema):
    files = ma.fields.List(
        Upload(),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The .bpmn and .dmn files of the bundle."},
    )


class DeployedSchema(ma.Schema):
    definition = ma.fields.Nested(DefinitionSchema)
    created = ma.fields.Boolean(
        metadata={"description": "False when identical files were deployed before."}
    )


class DeployProblemSchema(ma.Schema):
    file = ma.fields.String()
    element_id = ma.fields.String(metadata={"description": "Empty for the file."})
    reason = ma.fields.String()


class DeployErrorSchema(ma.Schema):
    code = ma.fields.Integer()
    status = ma.fields.String()
    message = ma.fields.String()
    errors = ma.fields.Dict(
        metadata={
            "description": 'Every problem found: {"problems": [{"file", '
            '"element_id", "reason", "reason_en"}]}; reason in Latvian,'
            " reason_en in English."
        }
    )


# -- instances ---------------------------------------------------------------------
class StartCaseArgs(ma.Schema):
    client_name = ma.fields.String(required=True, validate=validate.Length(max=255))
    client_identifier = ma.fields.String(
        required=True,
        validate=validate.Length(max=32),
        metadata={"description": "A personal code or a registration number."},
    )
    channel = ma.fields.String(
        load_default="e_service",
        validate=validate.OneOf(["e_service", "office", "vpvkac", "e_address"]),
    )


class StartArgs(ma.Schema):
    process_key = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=100)
    )
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={"description": "The start form's data (validated by its schema)."},
    )
    business_key = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={
            "description": "The caller's own reference (never personal data); "
            "ignored with `case` (the case number is the business key)."
        },
    )
    case = ma.fields.Nested(
        StartCaseArgs,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Register a service case too: numbered, with its client "
            "and channel. Its errors come back under `errors.json.case`."
        },
    )


class TaskSchema(ma.Schema):
    id = ma.fields.String()
    instance_id = ma.fields.String()
    process_key = ma.fields.String()
    element_id = ma.fields.String()
    name = ma.fields.String()
    candidate_group = ma.fields.String(allow_none=True)
    assignee = ma.fields.String(allow_none=True)
    priority = ma.fields.Integer()
    form_key = ma.fields.String(allow_none=True)
    state = ma.fields.String()
    due_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    claimed_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    completed_by = ma.fields.String(allow_none=True)


class InstanceSchema(ma.Schema):
    id = ma.fields.String()
    process_key = ma.fields.String()
    definition_id = ma.fields.Integer()
    version = ma.fields.Function(
        lambda i: i.definition.version, metadata={"type": "integer"}
    )
    business_key = ma.fields.String(
        allow_none=True, metadata={"description": "The case number for a case."}
    )
    status = ma.fields.String(
        metadata={"enum": ["running", "suspended", "completed", "cancelled", "failed"]}
    )
    has_incident = ma.fields.Boolean()
    end_event = ma.fields.String(allow_none=True)
    started_by = ma.fields.String(allow_none=True)
    started_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    ended_at = ma.fields.DateTime(allow_none=True)
    open_tasks = ma.fields.List(
        ma.fields.Nested(TaskSchema),
        metadata={"description": "The user tasks waiting now."},
    )


class HistoryEventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    kind = ma.fields.String(
        metadata={"description": "started, task_completed, claimed, incident, …"}
    )
    element_id = ma.fields.String(allow_none=True)
    element_name = ma.fields.String(allow_none=True)
    task_id = ma.fields.String(allow_none=True)
    actor = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()


# -- tasks -------------------------------------------------------------------------
class CompleteArgs(ma.Schema):
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        required=True,
        metadata={
            "description": "The task form's data, validated by its schema (the "
            "task's `form_schema`); `{}` for a task without fields."
        },
    )


_STATUS_FILTERS = ["", "mine", "group", "all"]
_DUE_FILTERS = ["", "overdue", "today", "week", "at_risk"]


class TaskArgs(ma.Schema):
    status = ma.fields.String(
        validate=validate.OneOf(_STATUS_FILTERS),
        metadata={
            "description": "mine: assigned to the caller; group: unassigned tasks of "
            "the caller's departments; all: every open task (supervisors, and API "
            'tokens made by one); "": mine and group. Default: "" for people, all '
            "for tokens (mine and group when the token's creator does not supervise)."
        },
    )
    group = ma.fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Only this candidate group (department key)."},
    )
    process = ma.fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "Only this process key."},
    )
    due = ma.fields.String(
        load_default="",
        validate=validate.OneOf(_DUE_FILTERS),
        metadata={
            "description": "overdue; due today; due this week; at_risk: due within "
            "two working days."
        },
    )
    sort = ma.fields.String(
        load_default="due",
        validate=validate.OneOf(["due", "priority", "age"]),
        metadata={"description": "due (soonest first), priority (highest), age."},
    )
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = ma.fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=100)
    )


class InboxTaskSchema(TaskSchema):
    process_name = ma.fields.String()
    case_number = ma.fields.String(allow_none=True)
    overdue = ma.fields.Boolean()
    at_risk = ma.fields.Boolean(
        metadata={"description": "Due within two working days."}
    )


class TaskCountsSchema(ma.Schema):
    status = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Per status filter, with the other filters."},
    )
    due = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Per due filter, with the other filters."},
    )
    process = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Per process key, with the other filters."},
    )


class TaskPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InboxTaskSchema))
    total = ma.fields.Integer(metadata={"description": "Tasks matching the filter."})
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    page_size = ma.fields.Integer()
    counts = ma.fields.Nested(TaskCountsSchema)


class TaskDetailSchema(TaskSchema):
    process_name = ma.fields.String()
    case_number = ma.fields.String(allow_none=True)
    form_schema = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "The JSON schema the completion data must satisfy."},
    )


# -- cases -------------------------------------------------------------------------
class CaseArgs(ma.Schema):
    status = ma.fields.String(
        load_default="",
        validate=validate.OneOf(["", "open", "closed"]),
        metadata={"description": 'open, closed or "" (all).'},
    )
    process = ma.fields.String(load_default="", validate=validate.Length(max=100))
    number = ma.fields.String(
        load_default="",
        validate=validate.Length(max=50),
        metadata={"description": "A case number or its beginning."},
    )
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = ma.fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=100)
    )


class CaseSchema(ma.Schema):
    number = ma.fields.String(metadata={"example": "RIGA-2026-000042"})
    instance_id = ma.fields.String()
    process_key = ma.fields.String()
    process_name = ma.fields.String()
    service_code = ma.fields.String(allow_none=True)
    client_name = ma.fields.String()
    client_masked = ma.fields.String(
        metadata={
            "description": "The client's personal code or registration number, "
            "masked (16****-****7): the API never shows it whole."
        }
    )
    channel = ma.fields.String(
        metadata={"enum": ["e_service", "office", "vpvkac", "e_address"]}
    )
    status = ma.fields.String(
        metadata={
            "enum": [
                "in_progress",
                "waiting",
                "suspended",
                "completed",
                "cancelled",
                "failed",
            ]
        }
    )
    status_label = ma.fields.String(
        metadata={"description": "Where the case is: its open steps or its end."}
    )
    has_incident = ma.fields.Boolean()
    created_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    status_changed_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)


class CasePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CaseSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    pages = ma.fields.Integer()
    page_size = ma.fields.Integer()


class CaseHistorySchema(ma.Schema):
    at = ma.fields.DateTime()
    kind = ma.fields.String()
    element_id = ma.fields.String(allow_none=True)
    element_name = ma.fields.String(allow_none=True)
    actor = ma.fields.String(allow_none=True)
    actor_name = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()


class MaskedString(ma.fields.String):
    """A text shown with every personal code masked like logs (``16****-****7``):
    also one stored before the engine masked at the source."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        text = super()._serialize(value, attr, obj, **kwargs)
        return None if text is None else mask_identifiers(text)


class IncidentSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    element_id = ma.fields.String(allow_none=True)
    error_type = ma.fields.String()
    message = MaskedString()
    attempts = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class DocumentSchema(ma.Schema):
    path = ma.fields.String(metadata={"description": "Where it is in the case data."})
    name = ma.fields.String()
    mime = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()


class CaseDetailSchema(CaseSchema):
    instance_status = ma.fields.String()
    history = ma.fields.List(ma.fields.Nested(CaseHistorySchema))
    open_tasks = ma.fields.List(ma.fields.Nested(TaskSchema))
    finished_tasks = ma.fields.List(ma.fields.Nested(TaskSchema))
    incidents = ma.fields.List(ma.fields.Nested(IncidentSchema))
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema))
