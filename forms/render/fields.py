# SPDX-License-Identifier: EUPL-1.2
"""Read a form schema the way the renderer and the parser need it.

Both sides must agree on which widget a schema gets (the parser converts what the
widget sent), so the decision lives here once: :func:`widget_kind`.

Schema extensions a form may use (all optional; JSON Schema ignores ``x-`` keys):

``x-widget``        ``textarea``, ``radio``, ``select``, ``checkbox`` or ``file``
``x-title-en``      English label (``title`` is Latvian)
``x-description-en``  English help text
``x-enumTitles``    option labels for ``enum``: a list parallel to it or a
                    ``{value: label}`` map (``x-enumTitles-en`` for English)
``x-maxBytes``      largest accepted upload (default 10 MiB)
``x-accept``        accepted MIME types of an upload (``image/*`` allowed)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "Option",
    "choice_options",
    "description",
    "is_required_in",
    "item_schema",
    "object_properties",
    "resolve",
    "title",
    "widget_kind",
]

Schema = Mapping[str, Any]

# Deep enough for any real form; stops a self-referencing $ref from looping forever.
MAX_DEPTH: Final = 24
TEXTAREA_FROM_LENGTH: Final = 200
RADIO_UP_TO: Final = 4
CHECKBOXES_UP_TO: Final = 10
_MERGED_MAPS: Final = ("properties", "$defs")


def _pointer(root: Schema, ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for token in ref[1:].split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _merge_into(target: dict[str, Any], source: Schema) -> None:
    for key, value in source.items():
        if key in _MERGED_MAPS and isinstance(value, Mapping):
            merged = dict(target.get(key) or {})
            for name, sub in value.items():
                old = merged.get(name)
                if isinstance(old, Mapping) and isinstance(sub, Mapping):
                    merged[name] = {**old, **sub}
                else:
                    merged[name] = sub
            target[key] = merged
        elif key == "required" and isinstance(value, list):
            target[key] = [*target.get(key, []), *value]
        else:
            target[key] = value


def resolve(schema: Any, root: Schema, depth: int = 0) -> dict[str, Any]:
    """``schema`` with its local ``$ref`` and ``allOf`` branches merged in.

    The schema's own keywords win over what it refers to (``title`` beside a
    ``$ref`` names this use of the shared definition). ``if``/``then``/``else`` are
    not merged: their constraints hold only sometimes (see :func:`object_properties`).
    """
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return {}
    merged: dict[str, Any] = {}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        _merge_into(merged, resolve(_pointer(root, ref), root, depth + 1))
    for branch in schema.get("allOf") or []:
        _merge_into(merged, resolve(branch, root, depth + 1))
    _merge_into(merged, {k: v for k, v in schema.items() if k not in ("$ref", "allOf")})
    return merged


def object_properties(schema: Schema, root: Schema) -> list[tuple[str, Any]]:
    """The fields of an object schema, in order.

    Fields that only ``then``/``else`` describe are included (without their
    conditional constraints): the form must offer them, the validator decides when
    they are needed.
    """
    fields: dict[str, Any] = dict((schema.get("properties") or {}).items())
    for keyword in ("then", "else"):
        branch = resolve(schema.get(keyword), root)
        for name, sub in (branch.get("properties") or {}).items():
            fields.setdefault(name, sub)
    return list(fields.items())


def is_required_in(schema: Schema, name: str) -> bool:
    """True when the object ``schema`` always requires ``name``."""
    required = schema.get("required")
    return isinstance(required, list) and name in required


def item_schema(schema: Schema, root: Schema) -> dict[str, Any]:
    """The resolved schema of an array's items (``{}`` when it has none)."""
    return resolve(schema.get("items"), root)


def primary_type(schema: Schema) -> str | None:
    """The schema's type, ignoring ``null`` in a type list (``["string", "null"]``)."""
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if isinstance(declared, str):
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


@dataclass(frozen=True)
class Option:
    """One choice of an enum: the JSON value, what it is called in the form."""

    value: Any
    label: str


def _const_branches(schema: Schema) -> list[Schema] | None:
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if (
            isinstance(branches, list)
            and branches
            and all(isinstance(b, Mapping) and "const" in b for b in branches)
        ):
            return branches
    return None


def _enum_title(schema: Schema, index: int, value: Any, language: str) -> str | None:
    keys = ("x-enumTitles-en", "x-enumTitles") if language == "en" else ()
    for key in (*keys, "x-enumTitles"):
        titles = schema.get(key)
        if isinstance(titles, list) and index < len(titles):
            return str(titles[index])
        if isinstance(titles, Mapping):
            found = titles.get(value if isinstance(value, str) else json.dumps(value))
            if found is not None:
                return str(found)
    return None


def choice_options(
    schema: Schema, language: str, yes_no: tuple[str, str] = ("Jā", "Nē")
) -> list[Option] | None:
    """The options of an enum-like schema, or None when it is not one.

    ``oneOf``/``anyOf`` of ``{const, title}`` give labelled options; ``enum`` takes
    its labels from ``x-enumTitles`` or shows the values. ``null`` is never an
    option: an empty choice stands for it.
    """
    branches = _const_branches(schema)
    if branches is not None:
        return [
            Option(b["const"], title(b, str(b["const"]), language))
            for b in branches
            if b["const"] is not None
        ]
    values = schema.get("enum")
    if not isinstance(values, list):
        return None
    options = []
    for index, value in enumerate(values):
        if value is None:
            continue
        label = _enum_title(schema, index, value, language)
        if label is None:
            label = (
                (yes_no[0] if value else yes_no[1])
                if isinstance(value, bool)
                else str(value)
            )
        options.append(Option(value, label))
    return options


def title(schema: Schema, key: str, language: str) -> str:
    """The field's label: ``x-title-en`` in English, else ``title``, else the key."""
    if language == "en" and isinstance(schema.get("x-title-en"), str):
        return str(schema["x-title-en"])
    if isinstance(schema.get("title"), str) and schema["title"].strip():
        return str(schema["title"])
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def description(schema: Schema, language: str) -> str | None:
    """The field's help text in ``language`` (English falls back to Latvian)."""
    if language == "en" and isinstance(schema.get("x-description-en"), str):
        return str(schema["x-description-en"])
    found = schema.get("description")
    return str(found) if isinstance(found, str) and found.strip() else None


def is_file(schema: Schema) -> bool:
    """An upload: ``x-widget: file``, ``format: binary`` or a non-text media type.

    ``contentMediaType: text/html`` marks a text field that may hold HTML (see
    forms/markup.py), so ``text/*`` media types are not uploads.
    """
    if schema.get("x-widget") == "file" or schema.get("format") == "binary":
        return True
    media = schema.get("contentMediaType")
    return isinstance(media, str) and not media.startswith("text/")


def widget_kind(schema: Schema, root: Schema) -> str:
    """Which widget a resolved schema gets; the parser reads the same kinds.

    One of: ``file``, ``radio``, ``select``, ``object``, ``rows`` (an array of
    anything else than choices), ``checkboxes``, ``multiselect``, ``checkbox``,
    ``yesno``, ``integer``, ``number``, ``textarea``, ``date``, ``date-time``,
    ``email``, ``text``.
    """
    widget = schema.get("x-widget")
    if is_file(schema):
        return "file"
    options = choice_options(schema, "lv")
    if options is not None:
        radio = widget == "radio" or (
            widget != "select" and len(options) <= RADIO_UP_TO
        )
        return "radio" if radio else "select"
    kind = primary_type(schema)
    if kind == "object":
        return "object"
    if kind == "array":
        choices = choice_options(item_schema(schema, root), "lv")
        if not choices:
            return "rows"
        many = len(choices) > CHECKBOXES_UP_TO
        return (
            "multiselect"
            if widget == "select" or (many and widget != "checkbox")
            else "checkboxes"
        )
    if kind == "boolean":
        return "yesno" if widget == "radio" else "checkbox"
    if kind in ("integer", "number"):
        return kind
    return _text_kind(schema)


def _text_kind(schema: Schema) -> str:
    fmt = schema.get("format")
    max_length = schema.get("maxLength")
    long_text = isinstance(max_length, int) and max_length > TEXTAREA_FROM_LENGTH
    if schema.get("x-widget") == "textarea" or fmt == "textarea" or long_text:
        return "textarea"
    if fmt in ("date", "date-time", "email"):
        return str(fmt)
    return "text"
