# SPDX-License-Identifier: EUPL-1.2
"""Refuse HTML markup in form text fields that are not declared to hold HTML.

The rule: a string in submitted data that contains ``<script`` or anything shaped
like a tag (``<b>``, ``</p>``, ``<!-- -->``, ``<img src=x onerror=…>``) is refused
with code ``markup``, unless the field's schema says
``"contentMediaType": "text/html"``.

Why at input: application texts travel on to case files, e-mail, PDF decisions and
other municipalities' systems, not all of which escape what they render. This is a
second line of defence; every page and document template must still escape output.

What "the field's schema" means: the data is walked together with the schema through
``properties``, ``patternProperties``, ``additionalProperties``, ``prefixItems``,
``items``, local ``$ref`` (``#/…``) and the branches of ``allOf``/``anyOf``/``oneOf``/
``if``/``then``/``else``. A string may hold HTML when *any* schema reached for it
declares ``text/html``. A string reached by no declaring schema (including fields the
schema does not describe at all) may not.

A lone ``<`` or ``>`` (``3 < 5``, ``a <b`` without a closing bracket) is not markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from core.contracts import FieldError
from forms.messages import dotted_path

__all__ = ["MARKUP_MESSAGES", "contains_markup", "markup_errors"]

# A tag name must follow "<" directly, as in HTML: "< b >" is not a tag.
_MARKUP_RE: Final = re.compile(r"<script|<[A-Za-z/!?][^<>]*>", re.IGNORECASE)

MARKUP_MESSAGES: Final = (
    "Teksts nedrīkst saturēt HTML atzīmes",
    "Text must not contain HTML markup",
)

_HTML_MEDIA_TYPE: Final = "text/html"
# Deep enough for any real form; stops a self-referencing $ref from looping forever.
_MAX_REF_DEPTH: Final = 32

Schema = Mapping[str, Any]


def contains_markup(text: str) -> bool:
    """True when ``text`` contains ``<script`` or a tag-shaped ``<…>``."""
    return _MARKUP_RE.search(text) is not None


def _resolve_ref(root: Schema, ref: str) -> Any:
    """Resolve a local JSON pointer (``#/$defs/x``); None when it cannot be resolved."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    # "#/$defs/a~1b" -> ["$defs", "a/b"]; "#" alone is the root.
    for token in ref[1:].split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _expand(schema: Any, root: Schema, depth: int = 0) -> Iterator[Schema]:
    """Yield ``schema`` and every subschema that applies to the same instance."""
    if not isinstance(schema, Mapping) or depth > _MAX_REF_DEPTH:
        return
    yield schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        yield from _expand(_resolve_ref(root, ref), root, depth + 1)
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list):
            for branch in branches:
                yield from _expand(branch, root, depth + 1)
    for keyword in ("if", "then", "else"):
        yield from _expand(schema.get(keyword), root, depth + 1)


def _property_schemas(schemas: list[Schema], name: str) -> list[Any]:
    found: list[Any] = []
    for schema in schemas:
        matched = False
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            found.append(properties[name])
            matched = True
        patterns = schema.get("patternProperties")
        if isinstance(patterns, Mapping):
            for pattern, subschema in patterns.items():
                if re.search(pattern, name):
                    found.append(subschema)
                    matched = True
        if not matched:
            found.append(schema.get("additionalProperties"))
            found.append(schema.get("unevaluatedProperties"))
    return found


def _item_schemas(schemas: list[Schema], index: int) -> list[Any]:
    found: list[Any] = []
    for schema in schemas:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and index < len(prefix):
            found.append(prefix[index])
        else:
            found.append(schema.get("items"))
            found.append(schema.get("unevaluatedItems"))
    return found


def _walk(
    value: Any, candidates: list[Any], root: Schema, path: list[str | int]
) -> Iterator[FieldError]:
    schemas = [s for candidate in candidates for s in _expand(candidate, root)]
    if isinstance(value, str):
        allows_html = any(
            s.get("contentMediaType") == _HTML_MEDIA_TYPE for s in schemas
        )
        if not allows_html and contains_markup(value):
            yield FieldError(
                path=dotted_path(path),
                message=MARKUP_MESSAGES[0],
                message_en=MARKUP_MESSAGES[1],
                code="markup",
            )
    elif isinstance(value, Mapping):
        for name, child in value.items():
            path.append(name)
            yield from _walk(child, _property_schemas(schemas, name), root, path)
            path.pop()
    elif isinstance(value, list):
        for index, child in enumerate(value):
            path.append(index)
            yield from _walk(child, _item_schemas(schemas, index), root, path)
            path.pop()


def markup_errors(schema: Schema, data: Any) -> list[FieldError]:
    """A ``markup`` error for every string in ``data`` that holds markup it may not."""
    return list(_walk(data, [schema], schema, []))
