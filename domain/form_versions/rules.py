# SPDX-License-Identifier: EUPL-1.2
"""PKIP's own rules for a saved form, beyond JSON Schema's metaschema.

What the renderer and the validator rely on: an object form with named fields,
labels and help texts that are plain text (they are escaped anyway; refusing markup
keeps a pasted ``<script>`` from ever being stored), known widgets, and conditions
that name a sibling field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from forms.markup import contains_markup

__all__ = ["WIDGETS", "editor_problems"]

WIDGETS: Final = frozenset({"textarea", "radio", "select", "checkbox", "file"})
_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TEXT_KEYS: Final = ("title", "description", "x-title-en", "x-description-en")
_MAX_FIELDS: Final = 200


def editor_problems(schema: Any) -> list[tuple[str, str]]:
    """(where, reason) for each rule ``schema`` breaks; empty when it keeps them."""
    if not isinstance(schema, Mapping):
        return []  # schema_problems says so already
    problems: list[tuple[str, str]] = []
    if schema.get("type") != "object" or not isinstance(
        schema.get("properties"), Mapping
    ):
        return [("type", "formai jābūt objektam ar laukiem (type object, properties)")]
    problems += _texts("", schema)
    problems += list(_object("", schema))
    return problems


def _texts(where: str, schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key in _TEXT_KEYS:
        value = schema.get(key)
        if isinstance(value, str) and contains_markup(value):
            found.append(
                (_join(where, key), "teksts nedrīkst saturēt HTML atzīmes vai skriptus")
            )
    for key in ("x-enumTitles", "x-enumTitles-en"):
        titles = schema.get(key)
        values = titles.values() if isinstance(titles, Mapping) else titles
        if isinstance(values, list | type({}.values())) and any(
            isinstance(t, str) and contains_markup(t) for t in values
        ):
            found.append(
                (_join(where, key), "izvēles nosaukumi nedrīkst saturēt HTML atzīmes")
            )
    return found


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def _object(where: str, schema: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    if len(properties) > _MAX_FIELDS:
        yield (_join(where, "properties"), f"formā var būt līdz {_MAX_FIELDS} laukiem")
    for name, sub in properties.items():
        at = _join(where, "properties", name)
        if not _NAME_RE.fullmatch(name):
            yield (
                at,
                "lauka nosaukumā drīkst būt mazie latīņu burti, cipari un _,"
                " sākumā burts",
            )
        if not isinstance(sub, Mapping):
            continue
        title = sub.get("title")
        if not (isinstance(title, str) and title.strip()) and "$ref" not in sub:
            yield (_join(at, "title"), "laukam jābūt nosaukumam latviski")
        yield from _texts(at, sub)
        widget = sub.get("x-widget")
        if widget is not None and widget not in WIDGETS:
            yield (
                _join(at, "x-widget"),
                f"nezināms ievades veids {widget!r} (zināmie: "
                f"{', '.join(sorted(WIDGETS))})",
            )
        yield from _condition(at, name, sub.get("x-showWhen"), properties)
        if sub.get("type") == "object":
            yield from _object(at, sub)
        items = sub.get("items")
        if isinstance(items, Mapping) and items.get("type") == "object":
            yield from _object(_join(at, "items"), items)
    required = schema.get("required")
    if isinstance(required, list):
        for missing in [n for n in required if n not in properties]:
            yield (
                _join(where, "required"),
                f"obligātais lauks “{missing}” formā nav aprakstīts",
            )


def _condition(
    at: str, name: str, when: Any, siblings: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    if when is None:
        return
    where = _join(at, "x-showWhen")
    if not isinstance(when, Mapping) or not isinstance(when.get("field"), str):
        yield (where, 'nosacījumam jānorāda lauks: {"field": …, "equals": …}')
        return
    other = when["field"]
    if other == name:
        yield (where, "lauks nevar būt atkarīgs pats no sevis")
    elif other not in siblings:
        yield (where, f"nosacījumā minētā lauka “{other}” formā nav")
