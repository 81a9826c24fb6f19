# SPDX-License-Identifier: EUPL-1.2
"""forms.render: schema -> accessible HTML form -> posted data -> validator -> form."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from core.contracts import FieldError
from forms.render import (
    FormAction,
    merge_errors,
    parse_submission,
    render_data,
    render_form,
)
from forms.validation import default_forms
from tests.forms.conftest import MakeForms

PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 100


# -- a small HTML checker ------------------------------------------------------------


@dataclass
class Tag:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self._open: list[Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = Tag(tag, dict(attrs))
        self.tags.append(found)
        if tag not in ("input", "br"):
            self._open.append(found)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for open_tag in self._open:
            open_tag.text += data


class Page:
    """The rendered HTML, parsed, with the questions the tests ask of it."""

    def __init__(self, html: str) -> None:
        parser = _Page()
        parser.feed(str(html))
        self.html = str(html)
        self.tags = parser.tags

    def all(self, tag: str, **attrs: str) -> list[Tag]:
        return [
            t
            for t in self.tags
            if t.tag == tag and all(t.attrs.get(k) == v for k, v in attrs.items())
        ]

    def by_id(self, id_: str) -> Tag:
        (found,) = [t for t in self.tags if t.attrs.get("id") == id_]
        return found

    def named(self, name: str) -> list[Tag]:
        return [t for t in self.tags if t.attrs.get("name") == name]

    def controls(self) -> list[Tag]:
        return [
            t
            for t in self.tags
            if t.tag in ("select", "textarea")
            or (t.tag == "input" and t.attrs.get("type") != "hidden")
        ]

    def label_for(self, id_: str) -> Tag:
        labels = self.all("label", **{"for": id_})
        assert len(labels) == 1, f"{len(labels)} labels for #{id_}"
        return labels[0]

    def check_accessible(self) -> None:
        """Every control labelled, ids unique, every reference pointing somewhere."""
        ids = [t.attrs["id"] for t in self.tags if t.attrs.get("id")]
        assert len(ids) == len(set(ids)), "duplicate ids"
        for control in self.controls():
            assert control.attrs.get("id"), control
            assert self.label_for(control.attrs["id"] or "").text.strip()
        for tag in self.tags:
            for ref in (tag.attrs.get("aria-describedby") or "").split():
                assert ref in ids, f"aria-describedby -> missing #{ref}"
            if tag.tag == "label":
                assert tag.attrs.get("for") in ids
        for link in self.all("a"):
            assert (link.attrs.get("href") or "#")[1:] in ids


def form(**fields: Any) -> dict[str, Any]:
    required = fields.pop("required", [])
    return {"type": "object", "properties": fields, "required": required}


def page(schema: dict[str, Any], data: Any = None, errors: Any = (), **kw: Any) -> Page:
    result = Page(render_form(schema, data, errors, **kw))
    result.check_accessible()
    return result


EVERY_KIND = form(
    name={"type": "string", "title": "Vārds", "x-title-en": "Name"},
    note={"type": "string", "title": "Piezīmes", "x-widget": "textarea"},
    long={"type": "string", "title": "Apraksts", "maxLength": 2000},
    email={"type": "string", "title": "E-pasts", "format": "email"},
    day={"type": "string", "title": "Datums", "format": "date"},
    at={"type": "string", "title": "Laiks", "format": "date-time"},
    count={"type": "integer", "title": "Skaits", "minimum": 1, "maximum": 10},
    area={"type": "number", "title": "Platība", "minimum": 0, "multipleOf": 0.01},
    colour={"type": "string", "title": "Krāsa", "enum": ["red", "green"]},
    city={"type": "string", "title": "Pilsēta", "enum": ["a", "b", "c", "d", "e"]},
    agree={"type": "boolean", "title": "Piekrītu"},
    signed={"type": "boolean", "title": "Parakstīts", "x-widget": "radio"},
    tags={
        "type": "array",
        "title": "Birkas",
        "items": {"type": "string", "enum": ["x", "y", "z"]},
    },
    pk={"type": "string", "title": "Personas kods", "format": "personas-kods"},
    reg={"type": "string", "title": "Reģ. nr.", "format": "registracijas-numurs"},
    iban={"type": "string", "title": "Konts", "format": "iban"},
    atvk={"type": "string", "title": "ATVK", "format": "atvk"},
    doc={
        "type": "object",
        "title": "Dokuments",
        "x-widget": "file",
        "x-maxBytes": 1000,
        "x-accept": ["application/pdf"],
    },
    applicant={
        "type": "object",
        "title": "Iesniedzējs",
        "properties": {
            "children": {
                "type": "array",
                "title": "Bērni",
                "items": {
                    "type": "object",
                    "title": "Bērns",
                    "properties": {"name": {"type": "string", "title": "Vārds"}},
                    "required": ["name"],
                },
            }
        },
    },
    required=["name", "count", "colour"],
)


# -- widgets -------------------------------------------------------------------------


def test_every_widget_kind_has_its_control_and_a_label() -> None:
    p = page(EVERY_KIND, {"applicant": {"children": [{"name": "Anna"}]}})
    assert p.by_id("f-name").attrs["type"] == "text"
    assert p.by_id("f-note").tag == "textarea"
    assert p.by_id("f-long").tag == "textarea"
    assert p.by_id("f-email").attrs["type"] == "email"
    assert p.by_id("f-day").attrs["type"] == "date"
    assert p.by_id("f-at").attrs["type"] == "datetime-local"
    count = p.by_id("f-count").attrs
    assert (count["type"], count["min"], count["max"], count["step"]) == (
        "number",
        "1",
        "10",
        "1",
    )
    assert p.by_id("f-area").attrs["step"] == "0.01"
    assert [t.attrs["value"] for t in p.named("f.colour")] == ["red", "green"]
    assert {t.attrs["type"] for t in p.named("f.colour")} == {"radio"}
    assert p.by_id("f-city").tag == "select"
    assert p.by_id("f-agree").attrs["type"] == "checkbox"
    assert [t.attrs["value"] for t in p.named("f.signed")] == ["true", "false"]
    assert [t.attrs["type"] for t in p.named("f.tags")] == ["checkbox"] * 3
    assert p.by_id("f-doc").attrs["type"] == "file"
    assert p.by_id("f-doc").attrs["accept"] == "application/pdf"
    assert p.by_id("f-applicant-children-0-name").attrs["value"] == "Anna"
    assert p.by_id("f-applicant").tag == "fieldset"


def test_textarea_rule_and_leading_newline_kept() -> None:
    schema = form(
        a={"type": "string", "maxLength": 201},
        b={"type": "string", "maxLength": 200},
        c={"type": "string", "format": "textarea"},
    )
    p = page(schema, {"a": "\nfirst line was empty"})
    assert [p.by_id(i).tag for i in ("f-a", "f-b", "f-c")] == [
        "textarea",
        "input",
        "textarea",
    ]
    # HTML drops one newline after <textarea>; the renderer adds one.
    assert "<textarea" in p.html and ">\n\nfirst line was empty</textarea>" in p.html


def test_latvian_formats_get_keyboard_pattern_and_help() -> None:
    p = page(EVERY_KIND)
    pk = p.by_id("f-pk").attrs
    assert pk["inputmode"] == "numeric" and pk["autocomplete"] == "off"
    assert pk["pattern"] == "[0-9]{6}-?[0-9]{5}"
    assert p.by_id("f-reg").attrs["pattern"] == "[0-9]{11}"
    assert p.by_id("f-atvk").attrs["pattern"] == "[0-9]{7}"
    assert p.by_id("f-iban").attrs["autocapitalize"] == "characters"
    assert "11 cipari" in p.by_id("f-pk--hint").text
    assert "IBAN" in p.by_id("f-iban--hint").text
    assert "dd.mm.gggg" in p.by_id("f-day--hint").text
    assert "No 1 līdz 10." in p.by_id("f-count--hint").text
    assert p.by_id("f-pk").attrs["aria-describedby"] == "f-pk--hint"


def test_required_fields_are_marked_but_a_checkbox_never_is() -> None:
    schema = form(
        name={"type": "string", "title": "Vārds"},
        ok={"type": "boolean", "title": "Labi"},
        pick={"type": "string", "enum": ["a", "b"]},
        required=["name", "ok", "pick"],
    )
    p = page(schema)
    name = p.by_id("f-name").attrs
    assert "required" in name and name["aria-required"] == "true"
    assert "(obligāts)" in p.label_for("f-name").text
    assert "required" not in p.by_id("f-ok").attrs  # unticked is a valid "no"
    assert all("required" in t.attrs for t in p.named("f.pick"))


def test_enum_labels_from_one_of_and_enum_titles_in_both_languages() -> None:
    schema = form(
        a={
            "type": "string",
            "oneOf": [
                {"const": "y", "title": "Jā, atļaut", "x-title-en": "Yes, allow"},
                {"const": "n", "title": "Nē"},
            ],
        },
        b={
            "type": "integer",
            "enum": [1, 2, 3, 4, 5],
            "x-enumTitles": ["viens", "divi", "trīs", "četri", "pieci"],
        },
        c={"enum": ["p", "q"], "x-enumTitles": {"p": "Pē"}, "x-widget": "select"},
    )
    lv, en = page(schema), page(schema, language="en")
    assert lv.label_for("f-a").text == "Jā, atļaut"
    assert en.label_for("f-a").text == "Yes, allow"
    assert en.label_for("f-a--2").text == "Nē"  # falls back to Latvian
    assert [o.text for o in lv.all("option")][1:6] == [
        "viens",
        "divi",
        "trīs",
        "četri",
        "pieci",
    ]
    assert lv.by_id("f-c").tag == "select"
    assert [o.text for o in lv.all("option")][-2:] == ["Pē", "q"]
    assert [o.text for o in en.all("option")][0] == "— choose —"


def test_english_titles_fall_back_to_latvian() -> None:
    p = page(EVERY_KIND, language="en")
    assert p.label_for("f-name").text.startswith("Name")
    assert p.label_for("f-email").text == "E-pasts"
    assert "(required)" in p.label_for("f-name").text
    assert p.by_id("f-day--hint").text == "Date as dd.mm.yyyy."


def test_many_choices_in_an_array_become_a_multiselect() -> None:
    items = {"type": "string", "enum": [f"v{i}" for i in range(12)]}
    p = page(form(many={"type": "array", "items": items}), {"many": ["v3"]})
    select = p.by_id("f-many")
    assert select.tag == "select" and "multiple" in select.attrs
    assert [o.attrs["value"] for o in p.all("option") if "selected" in o.attrs] == [
        "v3"
    ]


def test_schema_defaults_fill_only_the_first_render() -> None:
    schema = form(n={"type": "integer", "default": 3})
    assert page(schema).by_id("f-n").attrs["value"] == "3"
    assert page(schema, {}).by_id("f-n").attrs["value"] == ""


def test_ref_and_all_of_are_followed() -> None:
    schema = {
        "type": "object",
        "$defs": {"code": {"type": "string", "format": "atvk", "title": "Kods"}},
        "allOf": [{"properties": {"b": {"type": "boolean"}}}],
        "properties": {"a": {"$ref": "#/$defs/code", "title": "Novads"}},
    }
    p = page(schema)
    assert p.label_for("f-a").text == "Novads"
    assert p.by_id("f-a").attrs["pattern"] == "[0-9]{7}"
    assert p.by_id("f-b").attrs["type"] == "checkbox"


# -- names, ids, errors, escaping ----------------------------------------------------


def test_names_and_ids_follow_the_path() -> None:
    data = {"applicant": {"children": [{"name": "A"}, {"name": "B"}]}}
    p = page(EVERY_KIND, data, prefix="task")
    second = p.by_id("task-applicant-children-1-name")
    assert second.attrs["name"] == "task.applicant.children.1.name"
    assert second.attrs["value"] == "B"
    assert p.by_id("task-applicant-children-1").tag == "fieldset"
    with pytest.raises(ValueError, match="prefix"):
        render_form(EVERY_KIND, prefix="1 bad")


def test_errors_inline_and_in_a_summary_linking_to_the_field() -> None:
    errors = [
        FieldError(
            "applicant.children.0.name", "Obligāts lauks", "Required", "required"
        ),
        FieldError("count", "Nedrīkst būt lielāks par 10", "Too big", "maximum"),
        FieldError("", "Forma nav derīga", "Invalid form", "anyOf"),
        FieldError("tags.1", "Jāizvēlas no dotajām vērtībām", "", "enum"),
    ]
    data = {"count": 11, "applicant": {"children": [{}]}}
    p = page(EVERY_KIND, data, errors)
    name = p.by_id("f-applicant-children-0-name").attrs
    assert name["aria-invalid"] == "true"
    assert name["aria-describedby"] == "f-applicant-children-0-name--error"
    assert "Obligāts lauks" in p.by_id("f-applicant-children-0-name--error").text
    summary = p.by_id("f--errors")
    assert summary.attrs["role"] == "alert"
    links = [(a.attrs["href"], a.text) for a in p.all("a")]
    assert links == [  # page order, form-level error first (without a link)
        ("#f-count", "Skaits: Nedrīkst būt lielāks par 10"),
        ("#f-tags", "Birkas: Jāizvēlas no dotajām vērtībām"),
        (
            "#f-applicant-children-0-name",
            "Iesniedzējs, Bērni, Bērns 1, Vārds: Obligāts lauks",
        ),
    ]
    assert "Forma nav derīga" in summary.text
    assert p.by_id("f-count").attrs["value"] == "11"
    assert p.by_id("f-tags").attrs["aria-invalid"] == "true"  # item error shown


def test_everything_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    schema = form(
        t={"type": "string", "title": evil, "description": evil},
        e={"type": "string", "enum": [evil, "b"], "title": "E"},
        n={"type": "integer", "title": "N"},
    )
    errors = [FieldError("t", evil, evil, "x")]
    html = render_form(schema, {"t": evil, "e": evil, "n": evil}, errors)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    p = Page(html)
    assert p.by_id("f-t").attrs["value"] == evil
    assert p.by_id("f-n").attrs["value"] == evil
    assert evil in render_data(schema, {"t": evil}).unescape()
    assert "<script" not in render_data(schema, {"t": evil, "e": evil})


def test_merge_errors_shows_a_reason_once_and_drops_required_beside_it() -> None:
    parse = FieldError("doc", "Fails ir pārāk liels", "", "maxBytes")
    typed = FieldError("n", "Jābūt skaitlim", "", "type")
    merged = merge_errors(
        [parse, typed, typed, FieldError("doc", "Obligāts lauks", "", "required")]
    )
    assert merged == [parse, typed]


# -- parsing -------------------------------------------------------------------------


def test_parse_converts_types_trims_and_drops_empty_fields() -> None:
    post = {
        "f.name": ["  Anna  "],
        "f.note": ["a\r\nb  "],
        "f.email": [""],
        "f.day": ["31.03.2025"],
        "f.at": ["2025-07-01T14:05"],
        "f.count": ["7"],
        "f.area": ["1 234,56"],
        "f.colour": ["green"],
        "f.city": [""],
        "f.signed": ["false"],
        "f.tags": ["z", "x", "z"],
        "f.unknown": ["ignored"],
        "f.pk": ["010101-11111"],
    }
    sub = parse_submission(EVERY_KIND, post)
    assert sub.errors == [] and sub.action is None
    assert sub.data == {
        "name": "Anna",
        "note": "a\nb",
        "day": "2025-03-31",
        "at": "2025-07-01T14:05:00+03:00",
        "count": 7,
        "area": 1234.56,
        "colour": "green",
        "agree": False,  # absent checkbox
        "signed": False,
        "tags": ["z", "x"],
        "pk": "010101-11111",
    }


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("integer", "12", 12),
        ("integer", "12,0", 12),
        ("integer", "-3", -3),
        ("integer", "1,5", "1,5"),
        ("integer", "12abc", "12abc"),
        ("number", "0.25", 0.25),
        ("number", "0,25", 0.25),
        ("number", "1.234,5", "1.234,5"),
        ("number", "1e5", "1e5"),
    ],
)
def test_numbers(kind: str, raw: str, expected: Any) -> None:
    sub = parse_submission(form(x={"type": kind}), {"f.x": [raw]})
    assert sub.data == {"x": expected}
    if isinstance(expected, str):  # kept as typed, with a parse error
        assert [(e.path, e.code) for e in sub.errors] == [("x", "type")]


def test_date_time_in_riga_time_both_ways() -> None:
    schema = form(at={"type": "string", "format": "date-time"})
    winter = parse_submission(schema, {"f.at": ["15.01.2025 08:30"]}).data
    assert winter == {"at": "2025-01-15T08:30:00+02:00"}
    shown = page(schema, {"at": "2025-07-01T11:05:00Z"}).by_id("f-at")
    assert shown.attrs["value"] == "2025-07-01T14:05"
    # 03:30 on the last Sunday of March does not exist in Riga.
    gap = parse_submission(schema, {"f.at": ["2025-03-30T03:30"]})
    assert gap.data == {"at": "2025-03-30T03:30"}
    assert gap.errors[0].code == "format" and "neeksistē" in gap.errors[0].message


def test_booleans_checkbox_and_yes_no() -> None:
    schema = form(a={"type": "boolean"}, b={"type": "boolean", "x-widget": "radio"})
    assert parse_submission(schema, {"f.a": ["true"], "f.b": ["true"]}).data == {
        "a": True,
        "b": True,
    }
    assert parse_submission(schema, {}).data == {"a": False}


def test_werkzeug_multidicts_work_as_they_are() -> None:
    post = MultiDict([("f.tags", "x"), ("f.tags", "y"), ("f.name", "A")])
    upload = FileStorage(io.BytesIO(PDF), "a.pdf", content_type="application/pdf")
    sub = parse_submission(EVERY_KIND, post, MultiDict([("f.doc", upload)]))
    assert sub.data["tags"] == ["x", "y"] and sub.data["name"] == "A"
    assert sub.data["doc"]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_optional_objects_vanish_when_empty_required_ones_stay() -> None:
    schema = form(
        a={"type": "object", "properties": {"x": {"type": "string"}}},
        b={"type": "object", "properties": {"x": {"type": "string"}}},
        required=["b"],
    )
    assert parse_submission(schema, {"f.a.x": [""]}).data == {"b": {}}


# -- rows ----------------------------------------------------------------------------

ROWS = form(
    people={
        "type": "array",
        "title": "Personas",
        "minItems": 1,
        "maxItems": 3,
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "Vārds"},
                "age": {"type": "integer", "title": "Vecums"},
                "ok": {"type": "boolean", "title": "Labi"},
            },
            "required": ["name"],
        },
    },
    notes={"type": "array", "title": "Piezīmes", "items": {"type": "string"}},
)


def post_of(html: str, **changes: list[str]) -> dict[str, list[str]]:
    """What a browser would send for the rendered form, with typed ``changes``."""
    sent: dict[str, list[str]] = {}
    for tag in Page(html).tags:
        name, kind = tag.attrs.get("name"), tag.attrs.get("type")
        if not name or tag.tag == "button" or kind in ("checkbox", "radio", "file"):
            continue
        sent.setdefault(name, []).append(
            tag.text.lstrip("\n")
            if tag.tag == "textarea"
            else tag.attrs.get("value") or ""
        )
    sent.update(changes)
    return sent


def test_rows_render_with_their_buttons() -> None:
    p = page(ROWS)
    assert p.by_id("f-people-0-name")  # minItems rows are there from the start
    assert p.all("button", name="__add__:f.people")
    assert not p.all("button", name="__remove__:f.people:0")  # at minItems
    assert "Nav nevienas rindas." in p.by_id("f-notes").text
    add = p.all("button", name="__add__:f.notes")[0]
    assert "formnovalidate" in add.attrs and "Pievienot rindu" in add.text
    first = p.tags[0]
    assert first.tag == "button" and "name" not in first.attrs  # Enter submits
    full = page(ROWS, {"people": [{}, {}, {}]})
    assert not full.all("button", name="__add__:f.people")  # at maxItems
    assert len(full.all("button", name="__remove__:f.people:2")) == 1


def test_add_and_remove_rows_without_javascript_keep_what_was_typed() -> None:
    html = render_form(ROWS, {"people": [{"name": "Anna", "age": 30}]})
    sent = post_of(
        html, **{"f.people.0.age": ["trīsdesmit"], "__add__:f.people": ["1"]}
    )
    sub = parse_submission(ROWS, sent)
    assert sub.action == FormAction("add", "people", None, focus="people.1")
    assert sub.data["people"] == [
        {"name": "Anna", "age": "trīsdesmit", "ok": False},
        {},
    ]
    p = page(ROWS, sub.data, focus=sub.action.focus)
    assert p.by_id("f-people-0-age").attrs["value"] == "trīsdesmit"
    assert "autofocus" in p.by_id("f-people-1-name").attrs
    # type the second row, then remove the first
    sent = post_of(
        p.html,
        **{"f.people.1.name": ["Berta"], "f.people.1.ok": ["true"]},
        **{"__remove__:f.people:0": ["1"]},
    )
    sub = parse_submission(ROWS, sent)
    assert sub.action == FormAction("remove", "people", 0, focus="people.0")
    assert sub.data["people"] == [{"name": "Berta", "ok": True}]
    p = page(ROWS, sub.data, focus=sub.action.focus)
    assert p.by_id("f-people-0-name").attrs["value"] == "Berta"
    assert "autofocus" in p.by_id("f-people-0-name").attrs


def test_removing_the_last_row_focuses_the_add_button() -> None:
    html = render_form(ROWS, {"people": [{"name": "A"}], "notes": ["x"]})
    sub = parse_submission(ROWS, post_of(html, **{"__remove__:f.notes:0": ["1"]}))
    assert sub.data["notes"] == [] and sub.action
    p = page(ROWS, sub.data, focus=sub.action.focus)
    assert "autofocus" in p.all("button", name="__add__:f.notes")[0].attrs


def test_rows_keep_order_and_errors_point_at_the_row_shown(
    make_forms: MakeForms,
) -> None:
    forms = make_forms(rows=ROWS)
    sent = {
        "f.people.__rows__": ["0", "1"],
        "f.people.0.name": [""],
        "f.people.1.name": ["B"],
        "f.notes.0": ["  "],  # empty single-value rows are dropped
        "f.notes.3": ["c"],
        "f.notes.1": ["a"],
    }
    sub = parse_submission(ROWS, sent)
    assert sub.data == {
        "people": [{"ok": False}, {"name": "B", "ok": False}],
        "notes": ["a", "c"],
    }
    errors = sub.errors + forms.validate("rows", sub.data)
    assert [e.path for e in errors] == ["people.0.name"]
    p = page(ROWS, sub.data, errors)
    assert p.by_id("f-people-0-name").attrs["aria-invalid"] == "true"
    assert p.by_id("f-notes-1").attrs["value"] == "c"


def test_a_bogus_action_is_ignored() -> None:
    sub = parse_submission(
        ROWS, {"__add__:f.nothing": ["1"], "__add__:g.people": ["1"]}
    )
    assert sub.action is None


# -- files ---------------------------------------------------------------------------

DOC_FORM = form(
    doc={
        "type": "object",
        "title": "Pielikums",
        "x-widget": "file",
        "x-maxBytes": 200,
        "x-accept": ["application/pdf", "image/*"],
    },
    required=["doc"],
)


def upload(
    content: bytes, name: str = "a.pdf", mime: str = "application/pdf"
) -> FileStorage:
    return FileStorage(io.BytesIO(content), name, content_type=mime)


def test_an_accepted_upload_becomes_its_json_value() -> None:
    sub = parse_submission(
        DOC_FORM, {}, {"f.doc": [upload(PDF, "C:\\dir\\iesniegums.pdf")]}
    )
    assert sub.errors == []
    assert sub.data["doc"] == {
        "name": "iesniegums.pdf",
        "mime": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "content_base64": base64.b64encode(PDF).decode(),
    }


@pytest.mark.parametrize(
    ("file", "code", "message"),
    [
        (
            upload(PDF * 3),
            "maxBytes",
            "Fails ir pārāk liels; atļauts ne vairāk kā 200 B",
        ),
        (
            upload(b"x", "a.txt", "text/plain"),
            "fileType",
            "Nepieļaujams faila tips; atļauti: PDF, attēli",
        ),
        (
            upload(b"MZ\x90\x00 not a pdf"),
            "fileType",
            "Nepieļaujams faila tips; atļauti: PDF, attēli",
        ),
        (
            upload(PDF, "a.png", "image/png"),
            "fileType",
            "Nepieļaujams faila tips; atļauti: PDF, attēli",
        ),
        (upload(b""), "fileEmpty", "Fails ir tukšs"),
    ],
)
def test_uploads_are_refused_by_size_and_type(
    file: FileStorage, code: str, message: str
) -> None:
    sub = parse_submission(DOC_FORM, {}, {"f.doc": [file]})
    assert sub.data == {}
    assert [(e.path, e.code, e.message) for e in sub.errors] == [("doc", code, message)]


def test_a_generic_mime_type_is_guessed_from_the_name() -> None:
    sub = parse_submission(
        DOC_FORM, {}, {"f.doc": [upload(PNG, "scan.png", "application/octet-stream")]}
    )
    assert sub.data["doc"]["mime"] == "image/png"


def test_an_accepted_file_survives_a_re_render_and_can_be_removed() -> None:
    schema = form(n={"type": "integer"}, **DOC_FORM["properties"])
    first = parse_submission(schema, {"f.n": ["x"]}, {"f.doc": [upload(PDF)]})
    p = page(schema, first.data, first.errors)
    assert "Pievienotais fails: a.pdf" in p.html
    assert "required" not in p.by_id("f-doc").attrs
    again = parse_submission(
        schema, post_of(p.html, **{"f.n": ["5"]}), {"f.doc": [upload(b"", "")]}
    )
    assert again.errors == [] and again.data == {"n": 5, "doc": first.data["doc"]}
    cleared = parse_submission(schema, post_of(p.html, **{"f.doc.__clear__": ["true"]}))
    assert "doc" not in cleared.data


def test_a_tampered_kept_file_is_checked_again() -> None:
    p = Page(
        render_form(
            DOC_FORM, parse_submission(DOC_FORM, {}, {"f.doc": [upload(PDF)]}).data
        )
    )
    sent = post_of(p.html)
    head = sent["f.doc.__kept__"][0]
    swapped = {"f.doc.__kept__": [head, base64.b64encode(b"MZ evil").decode()]}
    assert parse_submission(DOC_FORM, swapped).errors[0].code == "fileType"
    assert (
        parse_submission(DOC_FORM, {"f.doc.__kept__": [head, "%%%"]}).errors[0].code
        == "fileKept"
    )
    huge = {"f.doc.__kept__": [head, "A" * 10_000]}
    assert parse_submission(DOC_FORM, huge).errors[0].code == "maxBytes"


# -- round trips through the validator -----------------------------------------------


def test_parse_validate_re_render_keeps_typed_values(make_forms: MakeForms) -> None:
    schema = form(
        pk={"type": "string", "title": "Personas kods", "format": "personas-kods"},
        n={"type": "integer", "title": "Skaits", "minimum": 1},
        day={"type": "string", "format": "date"},
        required=["pk", "n", "day"],
    )
    forms = make_forms(f=schema)
    sub = parse_submission(
        schema, {"f.pk": ["123"], "f.n": ["1,5"], "f.day": ["31.02.2025"]}
    )
    errors = sub.errors + forms.validate("f", sub.data)
    p = page(schema, sub.data, errors)
    assert p.by_id("f-pk").attrs["value"] == "123"
    assert p.by_id("f-n").attrs["value"] == "1,5"
    assert p.by_id("f-n").attrs["type"] == "text"  # a number input would blank it
    assert p.by_id("f-day").attrs == p.by_id("f-day").attrs | {
        "type": "text",
        "value": "31.02.2025",
    }
    assert len(p.all("li")) == 3  # the integer error once, not twice
    assert "Nederīgs personas kods" in p.by_id("f-pk--error").text


def test_the_shipped_forms_render_parse_and_validate() -> None:
    forms = default_forms()
    for key in list(forms.keys()):
        schema = forms.schema(key)
        p = page(schema)
        assert p.controls(), key
        assert parse_submission(schema, post_of(p.html)).errors == []


def test_dog_fee_not_approved_needs_a_comment() -> None:
    forms = default_forms()
    schema = forms.schema("dog_fee_review")
    # a yes/no radio group: the clerk must choose; "Nē" with an empty comment
    assert parse_submission(schema, {}).data == {}
    sub = parse_submission(schema, {"f.approved": ["false"], "f.comment": ["   "]})
    assert sub.data == {"approved": False}
    errors = sub.errors + forms.validate("dog_fee_review", sub.data)
    assert [e.path for e in errors] == ["comment"]
    p = page(schema, sub.data, errors)
    assert p.by_id("f-comment").attrs["aria-invalid"] == "true"
    assert "checked" not in p.by_id("f-approved").attrs
    ok = parse_submission(schema, {"f.approved": ["true"]})
    assert forms.validate("dog_fee_review", ok.data) == []


def test_tree_felling_registration_round_trip() -> None:
    forms = default_forms()
    schema = forms.schema("tree_felling_registration")
    sent = {
        "f.address": ["Brīvības iela 1, Rīga"],
        "f.cadastre_number": ["0100 123 0456"],
        "f.tree_count": ["3"],
        "f.species": ["ozols"],
        "f.atvk": ["0001000"],
    }
    sub = parse_submission(schema, sent)
    errors = sub.errors + forms.validate("tree_felling_registration", sub.data)
    assert [(e.path, e.code) for e in errors] == [("cadastre_number", "pattern")]
    p = page(schema, sub.data, errors)
    assert p.by_id("f-cadastre_number").attrs["value"] == "0100 123 0456"
    assert p.by_id("f-tree_count").attrs["value"] == "3"


# -- read-only -----------------------------------------------------------------------


def test_readonly_form_has_no_buttons_or_hidden_state() -> None:
    p = page(ROWS, {"people": [{"name": "A"}]}, readonly=True)
    assert not p.all("button") and not p.all("input", type="hidden")
    assert "readonly" in p.by_id("f-people-0-name").attrs
    assert "disabled" in p.by_id("f-people-0-ok").attrs


def test_render_data_shows_labelled_formatted_values() -> None:
    data = {
        "name": "Anna",
        "day": "2025-03-31",
        "at": "2025-07-01T11:05:00Z",
        "area": 12.5,
        "colour": "green",
        "agree": True,
        "tags": ["x", "z"],
        "doc": {"name": "a.pdf", "size": 2048},
        "applicant": {"children": [{"name": "Kārlis"}, {}]},
        "secret_engine_variable": 1,
        "atvk": "0023000",
    }
    p = Page(render_data(EVERY_KIND, data))
    pairs = dict(
        zip([t.text for t in p.all("dt")], [t.text for t in p.all("dd")], strict=False)
    )
    assert pairs["Datums"] == "31.03.2025"
    assert pairs["Laiks"] == "01.07.2025 14:05"
    assert pairs["Platība"] == "12,5"
    assert pairs["Piekrītu"] == "Jā"
    assert pairs["Birkas"] == "x, z"
    assert pairs["Dokuments"] == "a.pdf (2 KB)"
    assert pairs["ATVK"] == "0023000 (Ādažu novads)"
    assert [t.text for t in p.all("th")] == ["Vārds"]
    assert [t.text for t in p.all("td")] == ["Kārlis", "—"]
    assert "secret_engine_variable" not in p.html
    shown = render_data(EVERY_KIND, data, include_unknown=True)
    assert "secret_engine_variable" in shown
    assert "Yes" in render_data(EVERY_KIND, {"agree": True}, language="en")
    assert "Nav datu." in render_data(EVERY_KIND, {})
    # A code the classifier does not know is shown as it was submitted.
    assert "0099000</dd>" in render_data(EVERY_KIND, {"atvk": "0099000"})


def test_english_form_shows_english_errors_and_words() -> None:
    errors = [
        FieldError("name", "Obligāts lauks", "This field is required", "required")
    ]
    p = page(EVERY_KIND, {}, errors, language="en")
    assert p.by_id("f--errors-title").text == "Please correct the errors in the form"
    assert p.by_id("f-name--error").text == "Error: This field is required"
    assert "Add a row" in p.all("button", name="__add__:f.applicant.children")[0].text


def test_empty_arrays_are_left_out_unless_required() -> None:
    rows = {"type": "array", "items": {"type": "object", "properties": {}}}
    schema = form(
        a=rows, b=rows, c={**rows, "items": {"type": "string"}}, required=["b"]
    )
    assert parse_submission(schema, {"f.c.0": [""]}).data == {"b": []}


def test_readonly_file_shows_the_attached_name() -> None:
    value = {"name": "plāns.pdf", "mime": "application/pdf", "size": 3 * 1024 * 1024}
    p = page(DOC_FORM, {"doc": value}, readonly=True)
    assert "Pievienotais fails: plāns.pdf (3 MB)" in p.html
    assert "disabled" in p.by_id("f-doc").attrs and not p.all("input", type="hidden")
