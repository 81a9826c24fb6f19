# SPDX-License-Identifier: EUPL-1.2
"""Markup in text fields is refused unless the field declares text/html."""

from __future__ import annotations

from typing import Any

import pytest

from forms.markup import contains_markup, markup_errors
from tests.forms.conftest import MakeForms

HTML = {"type": "string", "contentMediaType": "text/html"}
TEXT = {"type": "string"}


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Sveiki<SCRIPT src=//x.example>",
        "<script",  # unterminated still counts
        "<b>treknraksts</b>",
        "teksts </p> beigas",
        "<img src=x onerror=alert(1)>",
        "<!-- komentārs -->",
        "<!DOCTYPE html>",
        "<?xml version='1.0'?>",
    ],
)
def test_markup_is_detected(text: str) -> None:
    assert contains_markup(text)


@pytest.mark.parametrize(
    "text",
    [
        "3 < 5 un 7 > 2",
        "a <b",
        "< b >",
        "Bērziņš & dēli",
        "bultiņa -> pa labi",
        "",
    ],
)
def test_plain_text_is_not_markup(text: str) -> None:
    assert not contains_markup(text)


def test_refused_with_code_markup_and_latvian_message(make_forms: MakeForms) -> None:
    forms = make_forms(f={"type": "object", "properties": {"note": TEXT}})
    errors = forms.validate("f", {"note": "Labdien <script>alert(1)</script>"})
    assert [(e.path, e.code, e.message, e.message_en) for e in errors] == [
        (
            "note",
            "markup",
            "Teksts nedrīkst saturēt HTML atzīmes",
            "Text must not contain HTML markup",
        )
    ]


def test_html_field_may_hold_markup(make_forms: MakeForms) -> None:
    forms = make_forms(f={"type": "object", "properties": {"body": HTML, "note": TEXT}})
    errors = forms.validate("f", {"body": "<p>Lēmums</p>", "note": "<p>x</p>"})
    assert [(e.path, e.code) for e in errors] == [("note", "markup")]


SCHEMA: dict[str, Any] = {
    "$defs": {"html": HTML, "text": TEXT},
    "type": "object",
    "properties": {
        "ref_html": {"$ref": "#/$defs/html"},
        "ref_text": {"$ref": "#/$defs/text"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/html"}},
        "rows": {
            "type": "array",
            "prefixItems": [HTML],
            "items": TEXT,
        },
        "either": {"anyOf": [HTML, {"type": "integer"}]},
        "nested": {
            "type": "object",
            "properties": {"deep": {"type": "array", "items": {"properties": {}}}},
        },
    },
    "patternProperties": {"^html_": HTML},
    "additionalProperties": TEXT,
}


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        ({"ref_html": "<b>x</b>"}, []),
        ({"ref_text": "<b>x</b>"}, ["ref_text"]),
        ({"items": ["<b>x</b>", "<i>y</i>"]}, []),
        ({"rows": ["<b>html</b>", "<b>text</b>"]}, ["rows.1"]),
        ({"either": "<b>x</b>"}, []),
        ({"html_intro": "<b>x</b>"}, []),
        ({"other": "<b>x</b>"}, ["other"]),
        ({"nested": {"deep": [{"c": "<b>x</b>"}]}}, ["nested.deep.0.c"]),
        ({"nested": {"deep": [{"c": "3 < 4"}]}}, []),
    ],
)
def test_where_markup_is_allowed(data: dict[str, Any], refused: list[str]) -> None:
    assert [e.path for e in markup_errors(SCHEMA, data)] == refused


def test_fields_the_schema_does_not_describe_are_checked(make_forms: MakeForms) -> None:
    forms = make_forms(f={"type": "object"})
    errors = forms.validate("f", {"anything": ["<b>x</b>"]})
    assert [(e.path, e.code) for e in errors] == [("anything.0", "markup")]


def test_a_self_referencing_schema_terminates() -> None:
    schema = {"$defs": {"node": {"$ref": "#/$defs/node"}}, "$ref": "#/$defs/node"}
    assert [e.path for e in markup_errors(schema, {"a": "<b>x</b>"})] == ["a"]


def test_unresolvable_ref_allows_no_markup() -> None:
    schema = {"properties": {"a": {"$ref": "https://example.org/html.json"}}}
    assert [e.path for e in markup_errors(schema, {"a": "<b>x</b>"})] == ["a"]
