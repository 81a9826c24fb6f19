# SPDX-License-Identifier: EUPL-1.2
"""The API reference page: ReDoc (vendored in static/vendor/redoc) over the served
OpenAPI document. Public, like the document: it describes the API, never data."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from webapp.auth import public

bp = Blueprint("api_reference", __name__)


@bp.get("/api/docs")
@public
def index() -> str:
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
