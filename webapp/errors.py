# SPDX-License-Identifier: EUPL-1.2
"""Error pages in the user's language; JSON under /api/ (the shape flask-smorest
uses: ``{"code": 404, "status": "Not Found", "message": "…"}``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.auth import is_api_request, unauthenticated


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Not found"), _("There is no such page or record.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("Too large"), _("The upload is larger than allowed.")),
        429: (_("Too many requests"), _("Please wait a while and try again.")),
        500: (_("Error"), _("Something went wrong on our side. Please try later.")),
    }


def _render(code: int, title: str, message: str) -> Any:
    return render_template("error.html", title=title, message=message), code


def api_error(exc: HTTPException) -> Any:
    """The JSON body flask-smorest gives, also for errors raised outside it."""
    code = exc.code or 500
    payload: dict[str, Any] = {"code": code, "status": exc.name}
    data = getattr(exc, "data", None) or {}
    if data.get("message") or exc.description:
        payload["message"] = data.get("message") or exc.description
    if "messages" in data or "errors" in data:
        payload["errors"] = data.get("messages", data.get("errors"))
    response = jsonify(payload)
    response.status_code = code
    response.headers.update(data.get("headers", {}))
    return response


def register_error_pages(app: Flask) -> None:
    def handle(exc: HTTPException) -> Any:
        if is_api_request():
            return api_error(exc)
        code = exc.code or 500
        title, message = _messages().get(code, (exc.name, exc.description or ""))
        return _render(code, title, message)

    for code in _messages():
        app.register_error_handler(code, handle)

    @app.errorhandler(401)
    def handle_401(exc: HTTPException) -> Any:
        return unauthenticated()

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError) -> Any:
        if is_api_request():
            return api_error(exc)
        return _render(
            400,
            _("The form has expired"),
            _(
                "The form was open too long or was sent from elsewhere. "
                "Go back, reload the page and send it again."
            ),
        )
