# SPDX-License-Identifier: EUPL-1.2
"""The JSON-schema form catalogue: load, check and validate PKIP forms.

A form is one JSON Schema (Draft 2020-12) file, ``<key>.json``; its key is the file
stem. :class:`JsonSchemaForms` implements ``engine.interfaces.FormCatalogue``.

Everything is loaded and checked when the catalogue is built, so a broken schema
stops the application (or the deploy check) at start instead of failing the first
resident who opens the form. Compiled validators are kept per form: validation runs
on every task completion and every submitted application.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.contracts import FieldError, FormValidationError
from forms.formats import FORMAT_CHECKER
from forms.markup import markup_errors
from forms.messages import field_errors
from forms.patterns import FormValidator

__all__ = [
    "FormSchemaError",
    "JsonSchemaForms",
    "default_forms",
    "schema_problems",
]

_KEY_RE: Final = re.compile(r"[a-z0-9_]+")
_DRAFT_2020_12: Final = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
    }
)
SCHEMAS_DIR: Final = Path(__file__).parent / "schemas"

# Keywords whose value is a schema, a {name: schema} map, or a list of schemas; used
# to find every "format" in a form without mistaking a field named "format" for one.
_SCHEMA_KEYWORDS: Final = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
)
_SCHEMA_MAP_KEYWORDS: Final = (
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
)
_SCHEMA_LIST_KEYWORDS: Final = ("allOf", "anyOf", "oneOf", "prefixItems")


class FormSchemaError(Exception):
    """A form schema file cannot be used; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def _subschemas(schema: Any) -> Iterator[Mapping[str, Any]]:
    """Yield ``schema`` and every schema nested in it."""
    if not isinstance(schema, Mapping):
        return
    yield schema
    for keyword in _SCHEMA_KEYWORDS:
        yield from _subschemas(schema.get(keyword))
    for keyword in _SCHEMA_MAP_KEYWORDS:
        members = schema.get(keyword)
        if isinstance(members, Mapping):
            for member in members.values():
                yield from _subschemas(member)
    for keyword in _SCHEMA_LIST_KEYWORDS:
        members = schema.get(keyword)
        if isinstance(members, list):
            for member in members:
                yield from _subschemas(member)


def _format_problems(schema: Mapping[str, Any]) -> list[str]:
    # jsonschema ignores formats it does not know, so a typo such as
    # "personas_kods" would silently switch the check off.
    problems = []
    for subschema in _subschemas(schema):
        name = subschema.get("format")
        if isinstance(name, str) and name not in FORMAT_CHECKER.checkers:
            known = ", ".join(sorted(FORMAT_CHECKER.checkers))
            problems.append(f"unknown format {name!r} (known: {known})")
    return problems


def schema_problems(schema: Any) -> list[tuple[str, str]]:
    """What keeps ``schema`` from being a PKIP form: (where, reason) pairs.

    ``where`` is the JSON path of the offending part (``properties/x/type``), empty
    for the whole schema. Checked: a JSON object, Draft 2020-12 (the declared
    ``$schema`` and the metaschema), and only formats PKIP checks.
    """
    if not isinstance(schema, dict):
        return [("", "a form schema must be a JSON object")]
    declared = schema.get("$schema")
    if declared is not None and declared not in _DRAFT_2020_12:
        return [
            (
                "$schema",
                f"$schema {declared!r}: only JSON Schema Draft 2020-12 is supported",
            )
        ]
    validator = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    problems = [
        ("/".join(str(p) for p in error.absolute_path), error.message)
        for error in sorted(validator.iter_errors(schema), key=lambda e: e.path)
    ]
    if problems:
        return problems
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:  # pragma: no cover - iter_errors found it above
        return [("/".join(str(p) for p in exc.absolute_path), exc.message)]
    return [("format", reason) for reason in _format_problems(schema)]


def _load_schema(path: Path) -> dict[str, Any]:
    """Read one schema file and check it against the Draft 2020-12 metaschema."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormSchemaError(path, f"cannot read JSON: {exc}") from exc
    problems = schema_problems(schema)
    if problems:
        where, reason = problems[0]
        if where and where not in ("$schema", "format"):
            reason = f"not a valid schema at {where}: {reason}"
        raise FormSchemaError(path, reason)
    return schema


class JsonSchemaForms:
    """The forms in one directory, each ``<key>.json`` a Draft 2020-12 schema."""

    def __init__(self, directory: Path) -> None:
        """Load and check every ``*.json`` file in ``directory``.

        Raises FormSchemaError naming the file when one is unreadable, misnamed (the
        stem must match ``[a-z0-9_]+``) or not a valid schema.
        """
        if not directory.is_dir():
            raise FormSchemaError(directory, "not a directory")
        schemas: dict[str, dict[str, Any]] = {}
        for path in sorted(directory.glob("*.json")):
            if not _KEY_RE.fullmatch(path.stem):
                raise FormSchemaError(
                    path, "a form file name must match [a-z0-9_]+ followed by .json"
                )
            schemas[path.stem] = _load_schema(path)
        self._set(schemas)

    @classmethod
    def from_schemas(cls, schemas: Mapping[str, dict[str, Any]]) -> JsonSchemaForms:
        """A catalogue of schemas already checked (``schema_problems`` is empty),
        e.g. the form versions stored in the database."""
        forms = cls.__new__(cls)
        forms._set({key: copy.deepcopy(dict(s)) for key, s in schemas.items()})
        return forms

    def _set(self, schemas: dict[str, dict[str, Any]]) -> None:
        self._schemas = schemas
        self._validators: dict[str, Any] = {
            key: FormValidator(schema, format_checker=FORMAT_CHECKER)
            for key, schema in schemas.items()
        }

    def has(self, key: str) -> bool:
        """True when a form with this key exists."""
        return key in self._schemas

    def keys(self) -> list[str]:
        """The form keys, sorted."""
        return sorted(self._schemas)

    def schema(self, key: str) -> dict[str, Any]:
        """A copy of form ``key``'s schema (for rendering the form).

        A copy, because the compiled validator shares the original: a caller that
        edits the result must not change how later submissions are validated.
        Raises KeyError for an unknown form key.
        """
        return copy.deepcopy(self._schemas[self._known(key)])

    def validate(self, key: str, data: Mapping[str, Any]) -> list[FieldError]:
        """Return every field error of ``data`` against form ``key`` (empty = valid).

        Raises KeyError for an unknown form key.
        """
        validator = self._validators[self._known(key)]
        errors: list[FieldError] = []
        seen: set[tuple[str, str, str]] = set()
        found = [
            *(e for error in validator.iter_errors(data) for e in field_errors(error)),
            *markup_errors(self._schemas[key], data),
        ]
        for error in found:
            # "required" yields one jsonschema error per missing name, each of
            # which expands to all missing names; keep every field error once.
            identity = (error.path, error.code, error.message)
            if identity not in seen:
                seen.add(identity)
                errors.append(error)
        return errors

    def validate_or_raise(self, key: str, data: Mapping[str, Any]) -> None:
        """Raise FormValidationError when ``data`` does not satisfy form ``key``."""
        errors = self.validate(key, data)
        if errors:
            raise FormValidationError(key, errors)

    def _known(self, key: str) -> str:
        if key not in self._schemas:
            known = ", ".join(self.keys()) or "none"
            raise KeyError(f"unknown form {key!r} (known forms: {known})")
        return key


@cache
def default_forms() -> JsonSchemaForms:
    """The catalogue of the forms shipped in ``forms/schemas/`` (built once)."""
    return JsonSchemaForms(SCHEMAS_DIR)
