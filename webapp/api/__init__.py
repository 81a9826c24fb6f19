# SPDX-License-Identifier: EUPL-1.2
"""The REST API under /api/v1 (flask-smorest): one blueprint per resource.

| blueprint | module | paths |
| --- | --- | --- |
| definitions | ``definitions.py`` | ``/api/v1/definitions`` (list, get, deploy) |
| instances | ``instances.py`` | ``/api/v1/instances`` (start, get, history) |
| tasks | ``tasks.py`` | ``/api/v1/tasks`` (list, get, claim, unclaim, complete) |
| cases | ``cases.py`` | ``/api/v1/cases`` (list, get, status history) |
| documents | ``documents.py`` | ``/api/v1/cases/<number>/documents`` (list, get, pdf) |
| intake | ``intake.py`` | ``/api/v1/intake`` (list, get, attachment, 3 actions) |
| audit | ``audit.py`` | ``/api/v1/audit/events`` (ingest a batch, search) |

The OpenAPI document is served at ``/api/v1/openapi.json`` and committed as
``docs/openapi.json`` (``pkip openapi`` rewrites it; a test fails when the two
differ). The reference page is ``/api/docs`` (ReDoc, vendored). Both are public:
they describe the API, never data.

Authentication and scoping come from the workplace (``webapp.auth.api_access``):
a bearer API token with the endpoint's scope, or a signed-in person with one of its
roles (with the CSRF header for unsafe methods). Every query is limited to
``current_municipality()``; another municipality's ids answer 404.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apispec import BasePlugin
from flask import Flask, request
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from webapp.auth import is_api_request, mark_public

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
OPENAPI_JSON = "openapi.json"
OPENAPI_ENDPOINT = "api-docs.openapi_json"
COMMITTED_OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
"""The committed document (``pkip openapi`` writes it; tests compare it)."""

API_DESCRIPTION = """\
The REST API of PKIP for other systems and scripts.

**Authentication.** Systems send `Authorization: Bearer pkip_…`, an API token a
municipality administrator creates in the workplace under Administrēšana → API
pilnvaras (`/admin/tokens`). A token belongs to one municipality and carries scopes;
each operation names the scope it needs (`x-pkip-scope`). People may use the API
with their signed-in session (the roles of each operation are in `x-pkip-roles`);
unsafe methods then need the `X-CSRFToken` header.

**Municipality.** Every answer is limited to the token's (or the person's)
municipality; ids of other municipalities answer 404, exactly like ids that do not
exist.

**Errors** are JSON: `{"code", "status", "message"[, "errors"]}`. Invalid input is
422 with `errors` keyed by location and field path, e.g.
`{"json": {"data": {"tree_count": ["…"]}}}`; form fields are dotted paths
(`owner.address`, `rows.0.amount`). Messages are in Latvian.
"""

SECURITY_SCHEMES = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (pkip_…) of one municipality, with scopes.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "pkip_session",
        "description": "A signed-in person's session (unsafe methods also need "
        "the X-CSRFToken header).",
    },
}


UNAVAILABLE = "DATABASE_UNAVAILABLE"
"""The shared 503 response every operation documents (webapp/errors.py answers it)."""


def unavailable_response(error_schema: Any) -> dict[str, Any]:
    from webapp.errors import RETRY_AFTER_SECONDS

    return {
        "description": "The database cannot be reached for now: try again after "
        "the seconds in Retry-After.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
            }
        },
        "content": {"application/json": {"schema": error_schema}},
    }


class UnavailablePlugin(BasePlugin):  # type: ignore[misc]
    """Adds the 503 answer to every operation: any request that reaches the
    database can meet it unreachable (webapp/errors.py: 503 with Retry-After)."""

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        for operation in (operations or {}).values():
            operation.setdefault("responses", {}).setdefault(503, UNAVAILABLE)


class PkipApi(Api):
    """flask-smorest's Api whose JSON error handler answers only under /api/:
    the workplace's pages keep their HTML error pages (webapp/errors.py)."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not is_api_request():
            return error
        payload, code, headers = super().handle_http_exception(error)
        if "message" not in payload and error.code == 422:
            payload["message"] = _("The request data is not valid.")
        elif "message" not in payload and error.description:
            payload["message"] = error.description
        return payload, code, headers

    def register_blueprint(  # type: ignore[override]
        self, blp: Any, *, tag: str, **options: Any
    ) -> None:
        """flask-smorest's registration, with the resource's tag given apart from
        the blueprint's name: the names carry an ``api_`` prefix so they never
        collide with the workplace's blueprints (``tasks``, ``cases``), while the
        document shows "Tasks", "Cases". Routes say ``tags=[TAG]``."""
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(
            self, self._app, self.spec, name=blp.name, parameters=None
        )
        self.spec.tag({"name": tag, "description": blp.description})


def init_api(app: Flask) -> PkipApi:
    """Mount the API on ``app`` and open its description to everyone."""
    from webapp.api import (
        audit,
        cases,
        definitions,
        docs,
        documents,
        instances,
        intake,
        tasks,
    )

    app.config.update(
        API_TITLE="PKIP REST API",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH=OPENAPI_JSON,
        API_SPEC_OPTIONS={
            "info": {
                "description": API_DESCRIPTION,
                "license": {
                    "name": "EUPL-1.2",
                    "url": "https://interoperable-europe.ec.europa.eu/collection/eupl",
                },
            },
            "components": {"securitySchemes": SECURITY_SCHEMES},
            "security": [{"apiToken": []}, {"session": []}],
        },
    )
    api = PkipApi(app, spec_kwargs={"extra_plugins": [UnavailablePlugin()]})
    api.spec.components.response(UNAVAILABLE, unavailable_response(api.ERROR_SCHEMA))
    api.ma_plugin.converter.add_attribute_function(null_branch_takes_null_only)
    for module in (definitions, instances, tasks, cases, documents, intake, audit):
        api.register_blueprint(
            module.blp, tag=module.TAG, url_prefix=f"{API_PREFIX}/{module.PATH}"
        )
    app.register_blueprint(docs.bp)
    mark_public(app, OPENAPI_ENDPOINT, "api_reference.index")
    app.extensions["pkip_api"] = api
    return api


_ANY_OBJECT_OR_NULL = {"type": "object", "nullable": True}


def null_branch_takes_null_only(converter: Any, field: Any, ret: Any) -> dict[str, Any]:
    """apispec writes a nullable nested schema (OpenAPI 3.0) as ``anyOf: [{type:
    object, nullable: true}, {$ref}]``: any object, ``{}`` included, valid by the
    document though the API answers 422. The branch is narrowed to null itself."""
    branches = ret.get("anyOf")
    if not isinstance(branches, list) or _ANY_OBJECT_OR_NULL not in branches:
        return {}
    null_only = {**_ANY_OBJECT_OR_NULL, "enum": [None]}
    return {"anyOf": [null_only if b == _ANY_OBJECT_OR_NULL else b for b in branches]}


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document the app serves (a plain dict, JSON types only)."""
    api: PkipApi = app.extensions["pkip_api"]
    with app.test_request_context(API_PREFIX):
        document: dict[str, Any] = json.loads(json.dumps(api.spec.to_dict()))
    return document


def render_openapi(document: dict[str, Any]) -> str:
    """The committed form of the document: sorted keys, two spaces, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def wants_english() -> bool:
    """True when the request's language is English (messages default to Latvian)."""
    from flask_babel import get_locale

    locale = get_locale()
    return bool(request) and locale is not None and locale.language == "en"
