# SPDX-License-Identifier: EUPL-1.2
"""What every API resource shares: access (scope and roles, documented in the
OpenAPI document), the acting party, and the mapping of engine errors to HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_smorest import abort
from flask_smorest.error_handler import ErrorSchema

from core.contracts import FieldError, FormValidationError
from domain.accounts.tokens import token_actor
from domain.cases import CASE_FORM
from domain.inbox import NotAllowed, Viewer
from domain.services.services import ServiceNotSetUp
from engine.errors import Conflict, InvalidOperation, NotFound
from webapp.api import wants_english
from webapp.auth import (
    api_access,
    current_api_token,
    current_municipality,
    current_token_rights,
    current_user,
)
from webapp.support import current_viewer

F = TypeVar("F", bound=Callable[..., Any])
ERROR = ErrorSchema
"""The JSON error body (``{"code", "status", "message", "errors"}``) in the docs."""


def access(scope: str, *roles: str) -> Callable[[F], F]:
    """``api_access(scope, *roles)`` plus the same facts in the OpenAPI document
    (``x-pkip-scope``, ``x-pkip-roles``) and the 401/403 answers.

    Put it above ``@blp.arguments`` so a caller without access learns nothing from
    validation errors.
    """

    def decorate(view: F) -> F:
        wrapped = api_access(scope, *roles)(view)
        doc = getattr(wrapped, "_apidoc", {})
        manual = doc.setdefault("manual_doc", {})
        manual["x-pkip-scope"] = scope
        manual["x-pkip-roles"] = sorted(roles)
        responses = manual.setdefault("responses", {})
        responses.setdefault(401, "UNAUTHORIZED")  # lazy components of flask-smorest
        responses.setdefault(403, "FORBIDDEN")
        wrapped._apidoc = doc  # type: ignore[attr-defined]
        return wrapped

    return decorate


def actor() -> str:
    """Who acts, as the engine records it: the person's username, or ``token:<id>``
    for a system (names of tokens repeat; ids do not). The history events of a
    token's action also carry its name and creator (``webapp.token_audit``)."""
    user = current_user()
    if user is not None:
        return user.username
    token = current_api_token()
    if token is None:  # access() ran before: cannot happen
        abort(401)
    return token_actor(token)


def viewer() -> Viewer:
    """The caller as the inbox sees it. A person: their username, departments and
    whether they supervise. A system (token): its own tasks and those of its
    creator's departments, every open task if the creator supervises — never
    more than the person behind it (its scopes decide what it may do)."""
    if current_user() is not None:
        return current_viewer()  # the workplace's inbox viewer
    rights = current_token_rights()
    return Viewer(
        username=actor(),
        municipality=current_municipality(),
        departments=rights.departments if rights else frozenset(),
        supervisor=rights.supervisor if rights else False,
    )


def not_found() -> Any:
    abort(404, message=_("There is no such record."))


@contextmanager
def engine_errors(
    conflict: str | None = None, invalid: str | None = None
) -> Iterator[None]:
    """Engine errors as HTTP answers: NotFound 404, Conflict and InvalidOperation
    409, the inbox's NotAllowed 403, form errors 422 with the field paths under
    ``errors.json.data``."""
    try:
        yield
    except NotFound:
        not_found()
    except Conflict:
        abort(
            409,
            message=conflict
            or _("Someone else changed this first. Reload and try again."),
        )
    except InvalidOperation:
        abort(409, message=invalid or _("This cannot be done in the current state."))
    except NotAllowed:
        abort(403, message=_("You may not do this with this task."))
    except ServiceNotSetUp as exc:
        abort(409, message=exc.message_en if wants_english() else exc.message)
    except FormValidationError as exc:
        # the case's own fields (client, channel) are the body's "case" object
        abort_form_errors(exc.errors, "case" if exc.form_key == CASE_FORM else "data")


def field_error_tree(errors: Sequence[FieldError]) -> dict[str, list[str]]:
    """Field errors by dotted path (``""``, an error of the whole form, becomes
    ``_schema`` as in marshmallow), in the request's language (Latvian default)."""
    english = wants_english()
    tree: dict[str, list[str]] = {}
    for error in errors:
        text = error.message_en if english and error.message_en else error.message
        tree.setdefault(error.path or "_schema", []).append(text)
    return tree


def abort_form_errors(errors: Sequence[FieldError], field: str = "data") -> None:
    abort(
        422,
        message=_("The form data is not valid."),
        errors={"json": {field: field_error_tree(errors)}},
    )
