# SPDX-License-Identifier: EUPL-1.2
"""The request guard: input no part of PKIP can store or show is refused at the door.

Runs before sign-in (``create_app`` registers it before ``auth.guard``), so the login
form and every public page are covered too. Refused with 400 naming the field:

- a form part whose name cannot be read (``name="a\\"``: werkzeug gives None);
- a NUL character (PostgreSQL cannot store it in text, and no form needs it) or a
  lone UTF-16 surrogate (``"\\ud800"`` in JSON: accepted once it would break every
  later page that shows the value) in the path, a query value or name, a form field
  or its name, an uploaded file's field name or file name, or any JSON string;
- a JSON body nested deeper than ``MAX_JSON_DEPTH`` (the engine, the validator and
  the serializer all recurse), with an integer of more than ``MAX_INT_DIGITS``
  digits, or with NaN/Infinity (not JSON; PostgreSQL's JSON refuses them).

It also makes the ``int`` URL converter refuse ids beyond the database's integer
columns: such a URL is 404, like any id that does not exist, instead of an overflow
in the driver.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_locale
from werkzeug.routing import IntegerConverter

from webapp.auth import is_api_request

MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 100
MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every integer id column

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")

# Latvian first, English second (the guard runs before the session is read, so it
# picks by the locale Flask-Babel resolves; the default is Latvian).
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Nederīgs pieprasījums", "Bad request"),
    "message": (
        "Pieprasījumā ir nederīgi dati.",
        "The request contains data that is not valid.",
    ),
    "nul": (
        "Satur nepieļaujamu rakstzīmi (NUL).",
        "Contains a character that is not allowed (NUL).",
    ),
    "surrogate": (
        "Satur nepāra UTF-16 aizstājējrakstzīmi (nederīgs teksts).",
        "Contains a lone UTF-16 surrogate (not valid text).",
    ),
    "noname": (
        "Formas daļai nav nolasāma nosaukuma.",
        "A part of the form has no readable name.",
    ),
    "depth": (
        f"JSON ir ligzdots dziļāk par {MAX_JSON_DEPTH} līmeņiem.",
        f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.",
    ),
    "digits": (
        f"Skaitlī ir vairāk par {MAX_INT_DIGITS} cipariem.",
        f"The number has more than {MAX_INT_DIGITS} digits.",
    ),
    "number": (
        "NaN un Infinity nav JSON skaitļi.",
        "NaN and Infinity are not JSON numbers.",
    ),
    "json": ("Nederīgs JSON: {detail}.", "Not valid JSON: {detail}."),
    "field": ("Lauks „{field}”: {reason}", "Field '{field}': {reason}"),
}


class Refused(Exception):
    """One refused value: where it is (location and field path) and why."""

    def __init__(self, location: str, path: tuple[str, ...], reason: str) -> None:
        self.location = location
        self.path = path
        self.reason = reason
        super().__init__(f"{location}.{'.'.join(path)}: {reason}")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` within the id columns' range (0 … 2**31-1) unless told otherwise."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter (before any route is added) and the guard (first)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard)


def guard() -> Response | None:
    try:
        check_request()
    except Refused as refused:
        return refusal(refused)
    return None


def check_request() -> None:
    """Raise ``Refused`` for the first value of the request that cannot be used."""
    _check_text("path", ("path",), request.path)
    for name, values in request.args.lists():
        _check_field("query", name, values)
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, values in request.form.lists():
            _check_field("form", name, values)
        for name, files in request.files.lists():
            _check_field("files", name, [f.filename or "" for f in files])
    elif request.is_json and request.content_length != 0:
        check_json(request.get_data(cache=True))


def _check_field(location: str, name: str | None, values: list[str]) -> None:
    if not name:  # werkzeug's name for a part whose name it could not read
        raise Refused(location, ("_schema",), "noname")
    _check_text(location, (_shown(name),), name)
    for value in values:
        _check_text(location, (name,), value)


def _check_text(location: str, path: tuple[str, ...], text: str) -> None:
    found = _BAD_CHAR.search(text)
    if found:
        raise Refused(location, path, "nul" if found.group() == "\x00" else "surrogate")


def _shown(text: str) -> str:
    """A name safe to put in the answer (the bad characters replaced)."""
    return _BAD_CHAR.sub("\ufffd", text)


# -- JSON --------------------------------------------------------------------------
def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 is inf, which no JSON column stores
        raise _NotFinite
    return value


def _parse_constant(text: str) -> Any:
    raise _NotFinite


class _TooLong(ValueError):
    pass


class _NotFinite(ValueError):
    pass


def check_json(body: bytes) -> Any:
    """Parse a JSON body within the limits; ``Refused`` names the field at fault."""
    try:
        document = json.loads(
            body,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _TooLong:
        raise Refused("json", ("_schema",), "digits") from None
    except _NotFinite:
        raise Refused("json", ("_schema",), "number") from None
    except RecursionError:
        raise Refused("json", ("_schema",), "depth") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise Refused("json", ("_schema",), f"json:{_shown(str(exc))}") from None
    for path, value in _walk(document):
        if len(path) > MAX_JSON_DEPTH:
            raise Refused("json", path[: MAX_JSON_DEPTH + 1], "depth")
        if isinstance(value, str):
            _check_text("json", path or ("_schema",), value)
    return document


def _walk(document: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value and key (as a string value at its own path), without recursion:
    the document may be nested a thousand levels deep."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            for key, member in value.items():
                inner = (*path, _shown(key))
                yield inner, key
                stack.append((inner, member))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), member) for i, member in enumerate(value))


# -- the answer --------------------------------------------------------------------
def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _text(key: str, **values: str) -> str:
    lv, en = _TEXT[key]
    return (en if _english() else lv).format(**values)


def reason_text(reason: str) -> str:
    key, _, detail = reason.partition(":")
    return _text(key, detail=detail) if detail else _text(key)


def refusal(refused: Refused) -> Response:
    """400: JSON in the API's error shape under /api/, the error page elsewhere."""
    reason = reason_text(refused.reason)
    if is_api_request():
        response = jsonify(
            code=400,
            status="Bad Request",
            message=_text("message"),
            errors={refused.location: _error_tree(refused.path, reason)},
        )
    else:
        field = ".".join(refused.path)
        response = Response(
            render_template(
                "error.html",
                title=_text("title"),
                message=_text("field", field=field, reason=reason),
            ),
            mimetype="text/html",
        )
    response.status_code = 400
    return response


def _error_tree(path: tuple[str, ...], reason: str) -> dict[str, Any]:
    """``{"data": {"owner.name": [reason]}}``: the body's own field, then the rest
    of the path dotted, as form errors are reported (docs/api.md)."""
    if len(path) == 1:
        return {path[0]: [reason]}
    return {path[0]: {".".join(path[1:]): [reason]}}
