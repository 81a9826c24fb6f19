# SPDX-License-Identifier: EUPL-1.2
"""PKIP's provisional PSPP contract (``openapi.yaml``) as something code can use.

The OpenAPI 3.1 document is the single source: its schemas are JSON Schema 2020-12,
so the client checks a body before sending it and the simulator checks what it
receives with the very same definitions. Messages never repeat a submitted value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from connectors.restkit import FieldProblem
from forms.formats import FORMAT_CHECKER
from forms.messages import field_errors
from forms.patterns import FormValidator

OPENAPI_PATH: Final = Path(__file__).with_name("openapi.yaml")
_URI: Final = "urn:pkip:pspp:openapi"

SERVICE_CARD: Final = "ServiceCard"
CASE_STATUS_REPORT: Final = "CaseStatusReport"
CASE_EVENT: Final = "CaseEvent"


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document, parsed once."""
    loaded = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{OPENAPI_PATH}: not an OpenAPI document")
    return loaded


def version() -> str:
    return str(document()["info"]["version"])


def enum(schema: str) -> tuple[str, ...]:
    """The allowed values of an enumerated schema (``Channel``, ``CaseStatus``)."""
    return tuple(document()["components"]["schemas"][schema]["enum"])


@cache
def _validator(schema: str) -> Validator:
    doc = document()
    if schema not in doc["components"]["schemas"]:
        raise KeyError(f"no schema {schema!r} in {OPENAPI_PATH.name}")
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    # ECMA-262 patterns: "^[0-9]{11}$" must refuse a trailing newline
    return FormValidator(
        {"$ref": f"{_URI}#/components/schemas/{schema}"},
        registry=registry,
        format_checker=FORMAT_CHECKER,
    )


def validate(schema: str, instance: Mapping[str, Any] | Any) -> list[FieldProblem]:
    """Every field that breaks ``schema``, once each, in document order."""
    problems: list[FieldProblem] = []
    seen: set[tuple[str, str]] = set()
    for error in _validator(schema).iter_errors(instance):
        for found in field_errors(error):
            key = (found.path, found.message)
            if key not in seen:
                seen.add(key)
                problems.append(FieldProblem(found.path, found.message))
    problems.sort(key=lambda p: p.path)
    return problems
