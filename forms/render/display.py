# SPDX-License-Identifier: EUPL-1.2
"""Show a case's earlier data read-only: a definition list, tables for rows.

Only fields the schema describes and the data holds are shown, in the schema's
order, labelled and formatted as the form would show them (dates ``dd.mm.yyyy``,
date-times in Riga time, decimal commas in Latvian, enum titles, ``Jā``/``Nē``, ATVK
codes with the unit's name: ``0023000 (Ādažu novads)``).
Keys the schema does not describe are left out unless ``include_unknown``: case
data also holds engine variables that are not for a clerk's eyes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from forms import atvk
from forms.render.fields import (
    MAX_DEPTH,
    choice_options,
    item_schema,
    object_properties,
    resolve,
    title,
    widget_kind,
)
from forms.render.html import element
from forms.render.texts import format_money, format_number, format_size, text
from forms.render.values import display_date, display_date_time

__all__ = ["render_data"]

_SCALAR_KINDS = frozenset(
    {
        "text",
        "textarea",
        "email",
        "date",
        "date-time",
        "integer",
        "number",
        "select",
        "radio",
        "checkbox",
        "yesno",
        "file",
        "checkboxes",
        "multiselect",
    }
)


def render_data(
    schema: Mapping[str, Any],
    data: Mapping[str, Any] | None,
    language: str = "lv",
    *,
    include_unknown: bool = False,
) -> Markup:
    """``data`` as a read-only ``<dl class="form-data">`` labelled by ``schema``."""
    shown = _object(
        schema, resolve(schema, schema), data or {}, language, 0, include_unknown
    )
    return shown or element("p", {"class": "hint"}, text("no_data", language))


def _object(
    root: Mapping[str, Any],
    schema: Mapping[str, Any],
    data: Any,
    language: str,
    depth: int,
    include_unknown: bool = False,
) -> Markup | None:
    if not isinstance(data, Mapping) or depth > MAX_DEPTH:
        return None
    rows: list[Markup] = []
    described = object_properties(schema, root)
    for name, raw in described:
        if name not in data or data[name] is None:
            continue
        sub = resolve(raw, root)
        value = _value(root, sub, data[name], language, depth + 1)
        rows += [
            element("dt", {}, title(sub, name, language)),
            element("dd", {}, value),
        ]
    if include_unknown:
        known = {name for name, _ in described}
        for name, value in data.items():
            if name not in known:
                rows += [element("dt", {}, str(name)), element("dd", {}, _plain(value))]
    return element("dl", {"class": "form-data"}, *rows) if rows else None


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _lines(value: str) -> Markup:
    # Keep the line breaks of a text area without trusting the text.
    return Markup("<br>\n").join(escape(line) for line in value.split("\n"))


def _choice_label(schema: Mapping[str, Any], value: Any, language: str) -> str:
    yes_no = (text("yes", language), text("no", language))
    for option in choice_options(schema, language, yes_no) or []:
        if option.value == value and type(option.value) is type(value):
            return option.label
    return _plain(value)


def _scalar(
    schema: Mapping[str, Any], kind: str, value: Any, language: str
) -> Markup | str:
    if kind in ("select", "radio"):
        return _choice_label(schema, value, language)
    if isinstance(value, bool):
        return text("yes" if value else "no", language)
    if kind == "file" and isinstance(value, Mapping):
        size = value.get("size")
        shown = str(value.get("name") or "")
        return (
            f"{shown} ({format_size(size, language)})"
            if isinstance(size, int)
            else shown
        )
    if schema.get("format") == "money" and isinstance(value, int | float | str):
        return format_money(value, language)
    if isinstance(value, int | float):
        return format_number(value, language)
    if not isinstance(value, str):
        return _plain(value)
    if kind == "date":
        return display_date(value)
    if kind == "date-time":
        return display_date_time(value)
    if schema.get("format") == "atvk":
        unit = atvk.lookup(value)
        if unit is not None:
            return f"{value} ({unit.name})"
    return _lines(value)


def _value(
    root: Mapping[str, Any],
    schema: Mapping[str, Any],
    value: Any,
    language: str,
    depth: int,
) -> Markup | str:
    kind = widget_kind(schema, root)
    if kind == "object":
        return _object(root, schema, value, language, depth) or "—"
    if kind in ("checkboxes", "multiselect") and isinstance(value, list):
        items = item_schema(schema, root)
        return ", ".join(_choice_label(items, v, language) for v in value) or "—"
    if kind == "rows" and isinstance(value, list):
        return _rows(root, item_schema(schema, root), value, language, depth) or "—"
    if kind in _SCALAR_KINDS:
        return _scalar(schema, kind, value, language)
    return _plain(value)


def _rows(
    root: Mapping[str, Any],
    items: Mapping[str, Any],
    rows: list[Any],
    language: str,
    depth: int,
) -> Markup | None:
    if not rows:
        return None
    if widget_kind(items, root) != "object":
        return element(
            "ul",
            {},
            *(
                element("li", {}, _value(root, items, r, language, depth + 1))
                for r in rows
            ),
        )
    columns = [
        (name, resolve(sub, root)) for name, sub in object_properties(items, root)
    ]
    flat = all(widget_kind(sub, root) in _SCALAR_KINDS for _, sub in columns)
    if not flat:
        return element(
            "ol",
            {},
            *(
                element("li", {}, _object(root, items, r, language, depth + 1) or "—")
                for r in rows
            ),
        )
    return _table(root, columns, rows, language)


def _table(
    root: Mapping[str, Any],
    columns: list[tuple[str, dict[str, Any]]],
    rows: list[Any],
    language: str,
) -> Markup:
    """Rows of flat objects as a table, a column per field."""
    headers = [
        element("th", {"scope": "col"}, title(sub, name, language))
        for name, sub in columns
    ]
    body = []
    for row in rows:
        cells = []
        for name, sub in columns:
            value = row.get(name) if isinstance(row, Mapping) else None
            kind = widget_kind(sub, root)
            shown = "—" if value is None else _scalar(sub, kind, value, language)
            cells.append(element("td", {}, shown))
        body.append(element("tr", {}, *cells))
    return element(
        "table",
        {"class": "form-data-rows"},
        element("thead", {}, element("tr", {}, *headers)),
        element("tbody", {}, *body),
    )
