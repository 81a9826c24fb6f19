# SPDX-License-Identifier: EUPL-1.2
"""The widgets for one value: inputs, text areas, choices and file uploads.

Every control has a ``<label for>`` (or, for a group of radio buttons or
checkboxes, a ``<fieldset>`` whose ``<legend>`` names the group and a label per
option), points ``aria-describedby`` at its help and error text, and carries
``aria-invalid`` while it has an error. Required fields get ``required`` and
``aria-required``, and a visible "(obligāts)" hidden from screen readers, which
announce ``required`` themselves. A single checkbox is never marked required: an
unticked box is a valid "no".

A value that cannot be shown in a typed input (text in a number field, a date the
browser would not parse) is shown in a plain text input instead, so what the user
typed is never silently blanked by the browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from markupsafe import Markup

from forms.formats import is_date
from forms.render.context import Field, RenderContext
from forms.render.fields import Option, choice_options
from forms.render.files import accepted_types, kept_values, max_bytes, type_names
from forms.render.html import AttrValue, element, join
from forms.render.texts import format_size
from forms.render.values import local_input_value

__all__ = ["WIDGETS", "option_value"]

# HTML input hints per Latvian format: the browser's keyboard and a pattern that
# matches what forms/identifiers.py accepts. ``autocomplete="off"``: staff type
# residents' codes, which a shared workstation must not offer to the next user.
_FORMAT_ATTRIBUTES: Final[dict[str, dict[str, AttrValue]]] = {
    "personas-kods": {"inputmode": "numeric", "pattern": "[0-9]{6}-?[0-9]{5}"},
    "registracijas-numurs": {"inputmode": "numeric", "pattern": "[0-9]{11}"},
    "iban": {
        "pattern": "[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{8,40}",
        "autocapitalize": "characters",
    },
    "atvk": {"inputmode": "numeric", "pattern": "[0-9]{7}"},
}
_PRIVATE: Final[dict[str, AttrValue]] = {"autocomplete": "off", "spellcheck": "false"}
# A JSON Schema pattern is unanchored ECMAScript; HTML's is implicitly anchored and
# compiled with the "v" flag. Only a pattern anchored at both ends means the same in
# both, and only simple ones survive the "v" flag unchanged.
_ANCHORED: Final = re.compile(r"\^([\w\[\]{}(),.?*+|\\-]*)\$")


def option_value(value: Any) -> str:
    """How an enum value travels in the form: strings as they are, the rest JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _required_marker(ctx: RenderContext, f: Field) -> Markup | None:
    if not f.required:
        return None
    attrs = {"class": "field-required", "aria-hidden": "true"}
    return element("span", attrs, " ", ctx.text("required"))


def _label(ctx: RenderContext, f: Field, *, for_id: str | None) -> Markup:
    return element("label", {"for": for_id}, f.label, _required_marker(ctx, f))


def _choice_row(attrs: dict[str, AttrValue], label: str) -> Markup:
    """An option: the box or button first, its label after it."""
    label_tag = element("label", {"for": attrs["id"]}, label)
    return element("div", {"class": "choice"}, element("input", attrs), " ", label_tag)


def _hint(f: Field) -> Markup | None:
    if not f.hints:
        return None
    return element("p", {"class": "hint", "id": f.hint_id}, " ".join(f.hints))


def _error_text(ctx: RenderContext, f: Field) -> Markup | None:
    if not f.errors:
        return None
    prefix = element("span", {"class": "visually-hidden"}, ctx.text("error"), " ")
    messages = [ctx.message(e) for e in f.errors]
    return element(
        "p", {"class": "field-error", "id": f.error_id}, prefix, "; ".join(messages)
    )


def _control_attributes(ctx: RenderContext, f: Field) -> dict[str, AttrValue]:
    return {
        "id": f.id,
        "name": f.name(ctx.prefix),
        "required": f.required,
        "aria-required": "true" if f.required else None,
        "aria-invalid": "true" if f.errors else None,
        "aria-describedby": f.described_by,
        "autofocus": ctx.autofocus(f.path),
    }


def _field_div(f: Field, *parts: Markup | None) -> Markup:
    classes = "field field-invalid" if f.errors else "field"
    return element(
        "div", {"class": classes, "data-path": ".".join(map(str, f.path))}, *parts
    )


def _boxed(ctx: RenderContext, f: Field, control: Markup) -> Markup:
    """Label, help, error, control: the order a screen reader meets them in."""
    return _field_div(
        f, _label(ctx, f, for_id=f.id), _hint(f), _error_text(ctx, f), control
    )


def _text_type(kind: str, value: str) -> tuple[str, str]:
    if kind == "date":
        return ("date", value) if not value or is_date(value) else ("text", value)
    if kind == "date-time":
        local = local_input_value(value) if value else ""
        return ("datetime-local", local) if local is not None else ("text", value)
    if kind == "email":
        return "email", value
    return "text", value


def _number_attributes(f: Field, integer: bool) -> dict[str, AttrValue]:
    return {
        "min": _json_number(f.schema.get("minimum")),
        "max": _json_number(f.schema.get("maximum")),
        "step": _json_number(f.schema.get("multipleOf")) or ("1" if integer else "any"),
    }


def _json_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _pattern(schema: Mapping[str, Any]) -> str | None:
    pattern = schema.get("pattern")
    match = _ANCHORED.fullmatch(pattern) if isinstance(pattern, str) else None
    return match.group(1) if match else None


def text_input(ctx: RenderContext, f: Field, kind: str) -> Markup:
    """``<input>`` for text, e-mail, date, date-time, numbers and Latvian formats."""
    attrs = _control_attributes(ctx, f)
    value = _shown(f.value)
    datalist = None
    if kind in ("integer", "number"):
        numeric = isinstance(f.value, int | float) and not isinstance(f.value, bool)
        if numeric or f.value is None:
            attrs.update(type="number", **_number_attributes(f, kind == "integer"))
        else:  # text that failed to convert: keep it visible and editable
            attrs.update(type="text", inputmode="decimal")
    else:
        input_type, value = _text_type(kind, value)
        attrs["type"] = input_type
        if input_type == "datetime-local" and len(value) > len("2025-01-01T00:00"):
            attrs["step"] = "1"  # seconds are shown, so they are valid steps
        fmt = f.schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMAT_ATTRIBUTES:
            attrs.update(_FORMAT_ATTRIBUTES[fmt], **_PRIVATE)
        elif input_type == "text":
            attrs["pattern"] = _pattern(f.schema)
        examples = f.schema.get("examples")
        if input_type == "text" and isinstance(examples, list) and examples:
            attrs["list"] = f"{f.id}--examples"
            datalist = element(
                "datalist",
                {"id": attrs["list"]},
                *(element("option", {"value": _shown(e)}) for e in examples),
            )
    if ctx.readonly:
        attrs["readonly"] = True
    attrs["value"] = value
    return _boxed(ctx, f, join([element("input", attrs), datalist]))


def textarea(ctx: RenderContext, f: Field) -> Markup:
    """``<textarea>``; a leading newline is added because HTML parsers drop one."""
    attrs = _control_attributes(ctx, f)
    max_length = f.schema.get("maxLength")
    attrs["rows"] = 4 if isinstance(max_length, int) and max_length <= 2000 else 8
    attrs["readonly"] = ctx.readonly
    return _boxed(ctx, f, element("textarea", attrs, "\n", _shown(f.value)))


def select(ctx: RenderContext, f: Field, options: list[Option]) -> Markup:
    """A drop-down with an empty first choice (so nothing is picked by accident)."""
    attrs = _control_attributes(ctx, f)
    attrs["disabled"] = ctx.readonly
    current = _shown_choice(f.value)
    items = [element("option", {"value": ""}, ctx.text("choose"))]
    items += [
        element(
            "option",
            {
                "value": option_value(o.value),
                "selected": option_value(o.value) == current,
            },
            o.label,
        )
        for o in options
    ]
    if current and current not in {option_value(o.value) for o in options}:
        # A value the schema does not offer (stale data): show it rather than lose it.
        items.append(element("option", {"value": current, "selected": True}, current))
    return _boxed(ctx, f, element("select", attrs, *items))


def _shown_choice(value: Any) -> str:
    return "" if value is None else option_value(value)


def _group(
    ctx: RenderContext,
    f: Field,
    input_type: str,
    options: list[Option],
    chosen: set[str],
) -> Markup:
    """A fieldset of radio buttons or checkboxes; the first carries the field's id."""
    name = f.name(ctx.prefix)
    rows = []
    for index, option in enumerate(options):
        option_id = f.id if index == 0 else f"{f.id}--{index + 1}"
        value = option_value(option.value)
        attrs: dict[str, AttrValue] = {
            "type": input_type,
            "id": option_id,
            "name": name,
            "value": value,
            "checked": value in chosen,
            "required": f.required and input_type == "radio",
            "aria-invalid": "true" if f.errors else None,
            "disabled": ctx.readonly,
            "autofocus": index == 0 and ctx.autofocus(f.path),
        }
        rows.append(_choice_row(attrs, option.label))
    classes = "field field-invalid" if f.errors else "field"
    fieldset_attrs: dict[str, AttrValue] = {
        "class": classes,
        "data-path": ".".join(map(str, f.path)),
        "aria-describedby": f.described_by,
    }
    return element(
        "fieldset",
        fieldset_attrs,
        element("legend", {}, f.label, _required_marker(ctx, f)),
        _hint(f),
        _error_text(ctx, f),
        *rows,
    )


def radios(ctx: RenderContext, f: Field, options: list[Option]) -> Markup:
    """Radio buttons for a few options; unticked means "no answer"."""
    return _group(ctx, f, "radio", options, {_shown_choice(f.value)})


def checkboxes(ctx: RenderContext, f: Field, options: list[Option]) -> Markup:
    """A checkbox per option of an array of choices."""
    values = f.value if isinstance(f.value, list) else []
    return _group(ctx, f, "checkbox", options, {_shown_choice(v) for v in values})


def multiselect(ctx: RenderContext, f: Field, options: list[Option]) -> Markup:
    """``<select multiple>`` for an array of many choices."""
    attrs = _control_attributes(ctx, f)
    attrs.update(multiple=True, size=min(len(options), 8), disabled=ctx.readonly)
    chosen = {_shown_choice(v) for v in (f.value if isinstance(f.value, list) else [])}
    items = [
        element(
            "option",
            {
                "value": option_value(o.value),
                "selected": option_value(o.value) in chosen,
            },
            o.label,
        )
        for o in options
    ]
    return _boxed(ctx, f, element("select", attrs, *items))


def checkbox(ctx: RenderContext, f: Field) -> Markup:
    """One checkbox for a boolean: ticked is true, absent from the post is false."""
    attrs = _control_attributes(ctx, f)
    attrs.update(
        type="checkbox", value="true", checked=f.value is True, disabled=ctx.readonly
    )
    attrs.update({"required": False, "aria-required": None})
    box = element(
        "div",
        {"class": "choice"},
        element("input", attrs),
        " ",
        element("label", {"for": f.id}, f.label),
    )
    return _field_div(f, _error_text(ctx, f), box, _hint(f))


def yes_no(ctx: RenderContext, f: Field) -> Markup:
    """A boolean as two radio buttons; no answer stays absent (``required`` applies)."""
    options = [Option(True, ctx.text("yes")), Option(False, ctx.text("no"))]
    return radios(ctx, f, options)


def file_input(ctx: RenderContext, f: Field) -> Markup:
    """An upload with its limits in the help; an accepted file is kept (hidden)."""
    kept = kept_values(f.value) if isinstance(f.value, Mapping) else None
    types = accepted_types(f.schema)
    f.hints.append(
        ctx.text("file_size", size=format_size(max_bytes(f.schema), ctx.language))
    )
    if types:
        f.hints.append(ctx.text("file_types", types=type_names(types, ctx.language)))
    attrs = _control_attributes(ctx, f)
    attrs.update(type="file", accept=",".join(types) or None, disabled=ctx.readonly)
    if kept or (isinstance(f.value, Mapping) and ctx.readonly):
        attrs.update({"required": False, "aria-required": None})
    attached = None
    if isinstance(f.value, Mapping) and f.value.get("name"):
        attached = _attached(ctx, f, kept)
    parts = [element("input", attrs), attached]
    return _boxed(ctx, f, join(parts))


def _attached(ctx: RenderContext, f: Field, kept: list[str] | None) -> Markup:
    name = f.name(ctx.prefix)
    size = f.value.get("size")
    shown = str(f.value.get("name"))
    if isinstance(size, int):
        shown += f" ({format_size(size, ctx.language)})"
    parts: list[Markup | str | None] = [
        element("p", {"class": "file-attached"}, ctx.text("attached"), " ", shown)
    ]
    if kept and not ctx.readonly:
        parts += [
            element("input", {"type": "hidden", "name": f"{name}.__kept__", "value": v})
            for v in kept
        ]
        clear_id = f"{f.id}--clear"
        parts.append(element("p", {"class": "hint"}, ctx.text("replace_file")))
        parts.append(
            element(
                "div",
                {"class": "choice"},
                element(
                    "input",
                    {
                        "type": "checkbox",
                        "id": clear_id,
                        "name": f"{name}.__clear__",
                        "value": "true",
                    },
                ),
                " ",
                element("label", {"for": clear_id}, ctx.text("remove_file")),
            )
        )
    return join(parts)


def _choices(
    render: Callable[[RenderContext, Field, list[Option]], Markup], *, items: bool
) -> Callable[[RenderContext, Field], Markup]:
    def widget(ctx: RenderContext, f: Field) -> Markup:
        schema = f.schema.get("items", {}) if items else f.schema
        options = (
            choice_options(schema, ctx.language, (ctx.text("yes"), ctx.text("no")))
            or []
        )
        return render(ctx, f, options)

    return widget


def _text(kind: str) -> Callable[[RenderContext, Field], Markup]:
    return lambda ctx, f: text_input(ctx, f, kind)


WIDGETS: Final[dict[str, Callable[[RenderContext, Field], Markup]]] = {
    "text": _text("text"),
    "email": _text("email"),
    "date": _text("date"),
    "date-time": _text("date-time"),
    "integer": _text("integer"),
    "number": _text("number"),
    "textarea": textarea,
    "select": _choices(select, items=False),
    "radio": _choices(radios, items=False),
    "checkboxes": _choices(checkboxes, items=True),
    "multiselect": _choices(multiselect, items=True),
    "checkbox": checkbox,
    "yesno": yes_no,
    "file": file_input,
}
"""Widget kind (see forms.render.fields.widget_kind) -> its renderer."""
