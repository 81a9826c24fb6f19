# SPDX-License-Identifier: EUPL-1.2
"""Fixtures for the forms room: throw-away schema directories."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from forms.validation import JsonSchemaForms

WriteSchema = Callable[[str, Any], Path]
MakeForms = Callable[..., JsonSchemaForms]


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "schemas"
    directory.mkdir()
    return directory


@pytest.fixture
def write_schema(schema_dir: Path) -> WriteSchema:
    """Write ``<key>.json`` into the schema directory and return its path."""

    def write(key: str, schema: Any) -> Path:
        path = schema_dir / f"{key}.json"
        text = schema if isinstance(schema, str) else json.dumps(schema)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_forms(schema_dir: Path, write_schema: WriteSchema) -> MakeForms:
    """Build a catalogue from ``key=schema`` keyword arguments."""

    def make(**schemas: Any) -> JsonSchemaForms:
        for key, schema in schemas.items():
            write_schema(key, schema)
        return JsonSchemaForms(schema_dir)

    return make
