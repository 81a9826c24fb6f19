# SPDX-License-Identifier: EUPL-1.2
"""Render a whole form: objects as fieldsets, arrays as rows, the error summary.

Rows of an array are added and removed without JavaScript by submit buttons:

* ``__add__:<prefix>.<array path>`` — "Pievienot rindu"
* ``__remove__:<prefix>.<array path>:<index>`` — "Noņemt"

Both carry ``formnovalidate`` (the browser must not block them over an empty
required field). :func:`forms.render.parse.parse_submission` reports the press as a
:class:`~forms.render.parse.FormAction`; the page re-renders instead of completing.
Every row also posts ``<prefix>.<array path>.__rows__`` with its index, so a row
whose only field is an unticked checkbox still exists on the server.

Because the first submit button in a form is what Enter in a text field presses,
a form with row buttons starts with a visually hidden, nameless submit button: Enter
submits the form rather than adding a row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from core.contracts import FieldError
from forms.messages import dotted_path
from forms.render.context import Field, RenderContext, merge_errors
from forms.render.fields import (
    MAX_DEPTH,
    description,
    is_required_in,
    item_schema,
    object_properties,
    resolve,
    title,
    widget_kind,
)
from forms.render.html import Path, element, field_name, join, valid_prefix
from forms.render.texts import FORMAT_HINTS, bounds_hint
from forms.render.widgets import WIDGETS

__all__ = ["render_form"]

_ERRORS_BELOW = frozenset({"file", "checkboxes", "multiselect"})


def render_form(
    schema: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    errors: Sequence[FieldError] = (),
    *,
    readonly: bool = False,
    prefix: str = "f",
    language: str = "lv",
    focus: str | None = None,
) -> Markup:
    """The fields of form ``schema`` as HTML (no ``<form>``, no buttons, no CSRF).

    ``data`` is what to show: ``None`` on the first render (the schema's
    ``default`` values are used then), else the data returned by
    ``parse_submission`` — including the raw text of values that could not be
    converted. ``errors`` are the parse errors followed by the validator's errors
    (duplicates are shown once). ``focus`` is a dotted path whose first control
    gets ``autofocus`` (``FormAction.focus`` after a row was added or removed).

    The page wraps the result in ``<form method="post"
    enctype="multipart/form-data" novalidate>`` with its CSRF field and buttons.
    """
    ctx = RenderContext(
        root=schema,
        prefix=valid_prefix(prefix),
        language=language,
        readonly=readonly,
        errors=merge_errors(errors),
        focus=focus,
        use_defaults=data is None,
    )
    ctx.errors_at(())  # form-level errors: the summary is their only place
    body = _object_fields(ctx, (), resolve(schema, schema), data or {})
    default_button = None
    if ctx.has_actions:
        default_button = element(
            "button",
            {
                "type": "submit",
                "class": "visually-hidden",
                "tabindex": "-1",
                "aria-hidden": "true",
            },
            ctx.text("default_submit"),
        )
    return join([_summary(ctx), default_button, body])


def _summary(ctx: RenderContext) -> Markup | None:
    if not ctx.errors:
        return None
    title_id = f"{ctx.prefix}--errors-title"
    items = []
    for error in _in_page_order(ctx):
        target = _target(ctx, error.path)
        if target is None:
            items.append(element("li", {}, ctx.message(error)))
        else:
            target_id, label = target
            link = element(
                "a", {"href": f"#{target_id}"}, f"{label}: {ctx.message(error)}"
            )
            items.append(element("li", {}, link))
    return element(
        "div",
        {
            "class": "error-summary",
            "id": f"{ctx.prefix}--errors",
            "role": "alert",
            "aria-labelledby": title_id,
            "tabindex": "-1",
        },
        element("h2", {"id": title_id}, ctx.text("summary")),
        element("ul", {}, *items),
    )


def _in_page_order(ctx: RenderContext) -> list[FieldError]:
    """Errors in the order their fields appear; form-level errors first."""
    order = {path: position for position, path in enumerate(ctx.targets)}

    def position(error: FieldError) -> int:
        path = error.path
        while path and path not in order:
            path = path.rpartition(".")[0]
        return order.get(path, -1) if path else -1

    return sorted(ctx.errors, key=position)


def _target(ctx: RenderContext, path: str) -> tuple[str, str] | None:
    """The rendered field for ``path``, or the nearest rendered field holding it."""
    while path:
        if path in ctx.targets:
            return ctx.targets[path]
        path = path.rpartition(".")[0]
    return None


def _object_fields(
    ctx: RenderContext, path: Path, schema: Mapping[str, Any], value: Any
) -> Markup:
    values = value if isinstance(value, Mapping) else {}
    return join(
        _value(ctx, (*path, name), sub, values.get(name), is_required_in(schema, name))
        for name, sub in object_properties(schema, ctx.root)
    )


def _hints(ctx: RenderContext, schema: Mapping[str, Any], kind: str) -> list[str]:
    hints = [description(schema, ctx.language) or ""]
    fmt = schema.get("format")
    if kind in ("text", "email") and isinstance(fmt, str) and fmt in FORMAT_HINTS:
        hints.append(FORMAT_HINTS[fmt][1 if ctx.language == "en" else 0])
    elif kind == "date":
        hints.append(ctx.text("date_hint"))
    elif kind == "date-time":
        hints.append(ctx.text("date_time_hint"))
    elif kind in ("integer", "number"):
        hints.append(bounds_hint(dict(schema), ctx.language) or "")
    return hints


def _value(
    ctx: RenderContext,
    path: Path,
    raw_schema: Any,
    value: Any,
    required: bool,
    label: str | None = None,
) -> Markup | None:
    if len(path) > MAX_DEPTH:
        return None
    schema = resolve(raw_schema, ctx.root)
    if value is None and ctx.use_defaults and "default" in schema:
        value = schema["default"]
    kind = widget_kind(schema, ctx.root)
    label = label or title(schema, str(path[-1]), ctx.language)
    if kind == "object":
        return _fieldset(ctx, path, schema, value, label)
    if kind == "rows":
        return _rows(ctx, path, schema, value, label)
    if kind in ("checkboxes", "multiselect"):
        schema = {**schema, "items": item_schema(schema, ctx.root)}
    field = Field.make(
        ctx,
        path,
        schema,
        value,
        required=required,
        label=label,
        hints=_hints(ctx, schema, kind),
        errors_below=kind in _ERRORS_BELOW,
    )
    return _conditional(ctx, path, schema, WIDGETS[kind](ctx, field))


def _conditional(
    ctx: RenderContext, path: Path, schema: Mapping[str, Any], html: Markup
) -> Markup:
    """Wrap a field shown only when a sibling field has a value (``x-showWhen``:
    ``{"field": "other", "equals": value}``; without ``equals``: when it is filled).

    The field stays in the page, so without JavaScript it is simply shown;
    webapp/static/form-conditions.js hides it while the condition is false. The
    schema's own ``if``/``then`` decides when it is required.
    """
    when = schema.get("x-showWhen")
    if ctx.readonly or not isinstance(when, Mapping):
        return html
    other = when.get("field")
    if not isinstance(other, str) or not other:
        return html
    equals = when.get("equals")
    return element(
        "div",
        {
            "class": "field-conditional",
            "data-show-when": field_name(ctx.prefix, (*path[:-1], other)),
            "data-show-equals": None
            if equals is None
            else json.dumps(equals, ensure_ascii=False),
        },
        html,
    )


def _group_head(
    ctx: RenderContext, path: Path, schema: Mapping[str, Any], label: str
) -> tuple[dict[str, Any], list[Markup | None]]:
    """The attributes, legend, help and errors of a fieldset for an object or array."""
    field = Field.make(
        ctx,
        path,
        schema,
        None,
        required=False,
        label=label,
        hints=[description(schema, ctx.language) or ""],
    )
    attributes = {
        "class": "field-group field-invalid" if field.errors else "field-group",
        "id": field.id,
        "tabindex": "-1",  # so the error summary's link can move focus here
        "data-path": dotted_path(path),
        "aria-describedby": field.described_by,
    }
    head: list[Markup | None] = [element("legend", {}, label)]
    if field.hints:
        head.append(element("p", {"class": "hint", "id": field.hint_id}, *field.hints))
    if field.errors:
        prefix = element("span", {"class": "visually-hidden"}, ctx.text("error"), " ")
        text = "; ".join(ctx.message(e) for e in field.errors)
        head.append(
            element("p", {"class": "field-error", "id": field.error_id}, prefix, text)
        )
    return attributes, head


def _fieldset(
    ctx: RenderContext, path: Path, schema: Mapping[str, Any], value: Any, label: str
) -> Markup:
    attributes, head = _group_head(ctx, path, schema, label)
    if path:
        ctx.trail.append(label)
    body = _object_fields(ctx, path, schema, value)
    if path:
        ctx.trail.pop()
    return element("fieldset", attributes, *head, body)


def _row_count(schema: Mapping[str, Any], rows: list[Any]) -> int:
    minimum = schema.get("minItems")
    return max(len(rows), minimum if isinstance(minimum, int) else 0)


def _rows(
    ctx: RenderContext,
    path: Path,
    schema: Mapping[str, Any],
    value: Any,
    label: str,
) -> Markup:
    attributes, head = _group_head(ctx, path, schema, label)
    items = item_schema(schema, ctx.root)
    rows = list(value) if isinstance(value, list) else []
    count = _row_count(schema, rows)
    rows += [None] * (count - len(rows))
    minimum, maximum = schema.get("minItems"), schema.get("maxItems")
    removable = not ctx.readonly and count > (
        minimum if isinstance(minimum, int) else 0
    )
    body: list[Markup | None] = []
    ctx.trail.append(label)
    if not rows:
        body.append(element("p", {"class": "hint"}, ctx.text("no_rows")))
    for index, row in enumerate(rows):
        body.append(_row(ctx, path, items, index, row, removable))
    ctx.trail.pop()
    if not ctx.readonly and (not isinstance(maximum, int) or count < maximum):
        body.append(_add_button(ctx, path, label))
    return element(
        "fieldset",
        {**attributes, "class": attributes["class"] + " field-rows"},
        *head,
        *body,
    )


def _row(
    ctx: RenderContext,
    path: Path,
    items: Mapping[str, Any],
    index: int,
    row: Any,
    removable: bool,
) -> Markup:
    n = index + 1
    item_title = items.get("x-title-en") if ctx.language == "en" else None
    item_title = item_title or items.get("title")
    label = (
        ctx.text("titled_row", title=item_title, n=n)
        if item_title
        else ctx.text("row", n=n)
    )
    marker = None
    if not ctx.readonly:
        marker = element(
            "input",
            {
                "type": "hidden",
                "name": f"{field_name(ctx.prefix, path)}.__rows__",
                "value": str(index),
            },
        )
    remove = _remove_button(ctx, path, index, label) if removable else None
    row_path = (*path, index)
    if widget_kind(items, ctx.root) != "object":
        inner = _value(ctx, row_path, items, row, False, label=label)
        return join([marker, element("div", {"class": "field-row"}, inner, remove)])
    attributes, head = _group_head(ctx, row_path, items, label)
    attributes["class"] += " field-row"
    ctx.trail.append(label)
    fields = _object_fields(ctx, row_path, items, row)
    ctx.trail.pop()
    content = element("fieldset", attributes, *head, fields, remove)
    return join([marker, content])


def _action_button(
    ctx: RenderContext, name: str, text: str, context: str, *, autofocus: bool = False
) -> Markup:
    ctx.has_actions = True
    return element(
        "button",
        {
            "type": "submit",
            "class": "button-secondary",
            "name": name,
            "value": "1",
            "formnovalidate": True,
            "autofocus": autofocus,
        },
        text,
        element("span", {"class": "visually-hidden"}, f" ({context})"),
    )


def _add_button(ctx: RenderContext, path: Path, label: str) -> Markup:
    name = f"__add__:{field_name(ctx.prefix, path)}"
    focus = ctx.autofocus(f"{dotted_path(path)}.__add__")
    return _action_button(ctx, name, ctx.text("add_row"), label, autofocus=focus)


def _remove_button(ctx: RenderContext, path: Path, index: int, label: str) -> Markup:
    name = f"__remove__:{field_name(ctx.prefix, path)}:{index}"
    return _action_button(ctx, name, ctx.text("remove"), label)
