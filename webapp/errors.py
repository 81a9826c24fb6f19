# SPDX-License-Identifier: EUPL-1.2
"""Error pages in the user's language; JSON under /api/ (the shape flask-smorest
uses: ``{"code": 404, "status": "Not Found", "message": "…"}``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from core.db import unavailable
from engine.errors import Conflict
from webapp.auth import is_api_request, unauthenticated

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
"""What a 503 asks the client to wait before trying again (the ``Retry-After``)."""


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


def _database_messages() -> dict[int, tuple[str, str]]:
    return {
        409: (
            _("Changed meanwhile"),
            _(
                "Someone else changed this at the same time, so your changes were "
                "not saved. Reload the page and check before trying again."
            ),
        ),
        503: (
            _("Temporarily unavailable"),
            _(
                "The service cannot reach its database right now. Nothing was "
                "saved. Please try again in a minute."
            ),
        ),
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

    register_database_errors(app)

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


def register_database_errors(app: Flask) -> None:
    """A lost race that reached the request (raised when its transaction ended) is
    409; a database that cannot be reached is 503 with ``Retry-After`` — neither is
    a server fault. Views that expect a conflict answer it themselves first (the
    task page flashes its own message)."""

    def answer(code: int, headers: dict[str, str] | None = None) -> Any:
        title, message = _database_messages()[code]
        if is_api_request():
            response = jsonify(
                {"code": code, "status": _status(code), "message": message}
            )
            response.status_code = code
        else:
            # The page's frame asks the database for the user's municipality: not
            # now (it failed, or its answer is no longer trusted).
            g.pkip_user = None
            g.pkip_municipality, g.pkip_municipalities = None, []
            response = app.make_response(_render(code, title, message))
        response.headers.update(headers or {})
        return response

    @app.errorhandler(Conflict)
    def handle_conflict(exc: Conflict) -> Any:
        log.info("conflict: %s", exc)
        return answer(409)

    @app.errorhandler(DBAPIError)
    def handle_database(exc: DBAPIError) -> Any:
        if not unavailable(exc):
            raise exc  # a fault of ours: the 500 page, with its traceback logged
        return _unreachable(exc)

    @app.errorhandler(PoolTimeout)
    def handle_pool_timeout(exc: PoolTimeout) -> Any:
        return _unreachable(exc)

    def _unreachable(exc: Exception) -> Any:
        # The driver's text may hold the host name; never the request's data.
        log.warning("database unavailable: %s", type(exc).__name__)
        return answer(503, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _status(code: int) -> str:
    return {409: "Conflict", 503: "Service Unavailable"}.get(code, str(code))
