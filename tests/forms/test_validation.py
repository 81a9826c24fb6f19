# SPDX-License-Identifier: EUPL-1.2
"""JsonSchemaForms: loading, metaschema checks, and Latvian field errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.contracts import FieldError, FormValidationError
from engine.interfaces import FormCatalogue
from forms.validation import (
    SCHEMAS_DIR,
    FormSchemaError,
    JsonSchemaForms,
    default_forms,
)
from tests.forms.conftest import MakeForms, WriteSchema

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def errors_of(
    make_forms: MakeForms, schema: dict[str, Any], data: Any
) -> list[FieldError]:
    return make_forms(f=schema).validate("f", data)


def one_error(make_forms: MakeForms, schema: dict[str, Any], data: Any) -> FieldError:
    errors = errors_of(make_forms, schema, data)
    assert len(errors) == 1, errors
    return errors[0]


def field(schema: dict[str, Any]) -> dict[str, Any]:
    """A form with a single field ``x`` described by ``schema``."""
    return {"type": "object", "properties": {"x": schema}}


# -- the catalogue ------------------------------------------------------------------


def test_loads_every_json_file_and_keys_are_stems(
    make_forms: MakeForms, schema_dir: Path
) -> None:
    (schema_dir / "notes.txt").write_text("not a form", encoding="utf-8")
    forms = make_forms(suns={"type": "object"}, koku_cirsana_2={"$schema": DRAFT})
    assert forms.keys() == ["koku_cirsana_2", "suns"]
    assert forms.has("suns")
    assert not forms.has("notes")
    assert not forms.has("missing")


def test_is_a_form_catalogue(make_forms: MakeForms) -> None:
    catalogue: FormCatalogue = make_forms(a={"type": "object"})
    assert catalogue.validate("a", {}) == []


def test_schema_returns_a_copy(make_forms: MakeForms) -> None:
    forms = make_forms(f=field({"type": "string", "maxLength": 3}))
    copy = forms.schema("f")
    copy["properties"]["x"]["maxLength"] = 100
    assert forms.schema("f")["properties"]["x"]["maxLength"] == 3
    assert [e.code for e in forms.validate("f", {"x": "abcd"})] == ["maxLength"]


def test_unknown_key_raises_key_error_naming_it(make_forms: MakeForms) -> None:
    forms = make_forms(suns={"type": "object"})
    with pytest.raises(KeyError, match="'kakis'.*suns"):
        forms.validate("kakis", {})
    with pytest.raises(KeyError, match="kakis"):
        forms.schema("kakis")


def test_empty_directory_is_an_empty_catalogue(schema_dir: Path) -> None:
    assert JsonSchemaForms(schema_dir).keys() == []


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FormSchemaError, match="not a directory"):
        JsonSchemaForms(tmp_path / "nowhere")


def test_default_forms_loads_the_package_schemas() -> None:
    forms = default_forms()
    assert forms is default_forms()  # built once
    assert forms.keys() == sorted(p.stem for p in SCHEMAS_DIR.glob("*.json"))


# -- schema checks at load ----------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "strin"}, "not a valid schema"),
        ({"properties": {"x": {"minLength": -1}}}, "properties/x/minLength"),
        ({"properties": {"x": {"pattern": "["}}}, "regex"),
        ({"required": "name"}, "not a valid schema"),
        ([1, 2], "must be a JSON object"),
        ("{not json", "cannot read JSON"),
        ({"$schema": "http://json-schema.org/draft-07/schema#"}, "2020-12"),
        ({"properties": {"pk": {"format": "personas_kods"}}}, "unknown format"),
        ({"$defs": {"d": {"items": {"format": "ibna"}}}}, "unknown format 'ibna'"),
    ],
)
def test_broken_schema_names_the_file(
    schema_dir: Path, write_schema: WriteSchema, schema: Any, reason: str
) -> None:
    write_schema("good", {"type": "object"})
    bad = write_schema("bad", schema)
    with pytest.raises(FormSchemaError, match=reason) as caught:
        JsonSchemaForms(schema_dir)
    assert caught.value.path == bad
    assert "bad.json" in str(caught.value)


def test_a_field_named_format_is_not_a_format_keyword(make_forms: MakeForms) -> None:
    forms = make_forms(f={"properties": {"format": {"type": "string"}}})
    assert forms.validate("f", {"format": "A4"}) == []


@pytest.mark.parametrize("name", ["Suns", "suns-v2", "suns.v2"])
def test_misnamed_file_is_refused(
    schema_dir: Path, write_schema: WriteSchema, name: str
) -> None:
    write_schema(name, {"type": "object"})
    with pytest.raises(FormSchemaError, match=r"\[a-z0-9_\]"):
        JsonSchemaForms(schema_dir)


# -- messages per keyword -----------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "value", "code", "message", "message_en"),
    [
        ({"type": "string"}, 5, "type", "Jābūt tekstam", "Must be text"),
        ({"type": "integer"}, 1.5, "type", "Jābūt veselam skaitlim", None),
        ({"type": "number"}, "5", "type", "Jābūt skaitlim", "Must be a number"),
        ({"type": "boolean"}, "jā", "type", "Jābūt jā vai nē vērtībai", None),
        ({"type": "array"}, {}, "type", "Jābūt sarakstam", "Must be a list"),
        ({"type": ["string", "null"]}, 5, "type", "Jābūt tekstam", None),
        ({"type": ["string", "integer"]}, [], "type", "Nepareizs vērtības tips", None),
        ({"minLength": 5}, "abc", "minLength", "Jābūt vismaz 5 rakstzīmēm", None),
        ({"minLength": 1}, "", "minLength", "Jābūt vismaz 1 rakstzīmei", None),
        ({"minLength": 21}, "a", "minLength", "Jābūt vismaz 21 rakstzīmei", None),
        ({"minLength": 11}, "a", "minLength", "Jābūt vismaz 11 rakstzīmēm", None),
        (
            {"maxLength": 3},
            "abcd",
            "maxLength",
            "Jābūt ne vairāk kā 3 rakstzīmēm",
            "Must be at most 3 characters",
        ),
        (
            {"pattern": "^[A-Z]{2}$"},
            "lv",
            "pattern",
            "Neatbilst prasītajam formātam",
            None,
        ),
        ({"minimum": 1}, 0, "minimum", "Nedrīkst būt mazāks par 1", None),
        (
            {"maximum": 10},
            11,
            "maximum",
            "Nedrīkst būt lielāks par 10",
            "Must not be greater than 10",
        ),
        ({"maximum": 2.5}, 3, "maximum", "Nedrīkst būt lielāks par 2,5", None),
        ({"exclusiveMinimum": 0}, 0, "exclusiveMinimum", "Jābūt lielākam par 0", None),
        ({"exclusiveMaximum": 5}, 5, "exclusiveMaximum", "Jābūt mazākam par 5", None),
        (
            {"enum": ["a", "b"]},
            "c",
            "enum",
            "Jāizvēlas no dotajām vērtībām",
            "Must be one of the given values",
        ),
        ({"const": True}, False, "const", "Vērtība neatbilst prasītajai", None),
        (
            {"multipleOf": 0.01},
            1.005,
            "multipleOf",
            "Jābūt 0,01 daudzkārtnim",
            "Must be a multiple of 0.01",
        ),
        ({"minItems": 2}, [1], "minItems", "Jānorāda vismaz 2 ieraksti", None),
        ({"minItems": 1}, [], "minItems", "Jānorāda vismaz 1 ieraksts", None),
        (
            {"maxItems": 1},
            [1, 2],
            "maxItems",
            "Drīkst norādīt ne vairāk kā 1 ierakstu",
            "Must have at most 1 item",
        ),
        ({"maxItems": 3}, [1, 2, 3, 4], "maxItems", None, "Must have at most 3 items"),
        (
            {"uniqueItems": True},
            ["a", "a"],
            "uniqueItems",
            "Vērtības nedrīkst atkārtoties",
            None,
        ),
        (
            {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            1.5,
            "anyOf",
            "Neatbilst nevienam no pieļaujamajiem variantiem",
            None,
        ),
        ({"not": {"const": "x"}}, "x", "not", "Nepieļaujama vērtība", None),
        (
            {"minProperties": 2},
            {"a": 1},
            "minProperties",
            "Jāaizpilda vismaz 2 lauki",
            None,
        ),
    ],
)
def test_keyword_messages(
    make_forms: MakeForms,
    schema: dict[str, Any],
    value: Any,
    code: str,
    message: str | None,
    message_en: str | None,
) -> None:
    error = one_error(make_forms, field(schema), {"x": value})
    assert error.path == "x"
    assert error.code == code
    if message is not None:
        assert error.message == message
    if message_en is not None:
        assert error.message_en == message_en
    assert error.message_en  # always an English text too


@pytest.mark.parametrize(
    ("fmt", "bad", "message"),
    [
        ("personas-kods", "161175-19998", "Nederīgs personas kods"),
        ("registracijas-numurs", "40003521601", "Nederīgs reģistrācijas numurs"),
        ("iban", "LV81BANK0000435195001", "Nederīgs IBAN konts"),
        ("atvk", "00010", "Nederīgs ATVK kods"),
        ("atvk", "0099000", "ATVK kods nav ATVK 2021 klasifikatorā"),
        ("date", "2025-02-29", "Nederīgs datums"),
        ("date-time", "2025-02-28T10:00", "Nederīgs datums un laiks"),
        ("email", "janis(at)example.lv", "Nederīga e-pasta adrese"),
    ],
)
def test_format_messages(
    make_forms: MakeForms, fmt: str, bad: str, message: str
) -> None:
    schema = field({"type": "string", "format": fmt})
    error = one_error(make_forms, schema, {"x": bad})
    assert (error.path, error.code, error.message) == ("x", "format", message)


def test_formats_accept_good_values(make_forms: MakeForms) -> None:
    formats = {
        "pk": ("personas-kods", "161175-19997"),
        "pk_new": ("personas-kods", "328673-00677"),  # warning, not an error
        "reg": ("registracijas-numurs", "40003521600"),
        "iban": ("iban", "LV80 BANK 0000 4351 9500 1"),
        "atvk": ("atvk", "0001000"),
        "parish": ("atvk", "0023410"),
        "day": ("date", "2024-02-29"),
        "at": ("date-time", "2025-03-30T03:30:00+03:00"),
        "mail": ("email", "pasts@riga.lv"),
    }
    schema = {
        "type": "object",
        "properties": {
            k: {"type": "string", "format": f} for k, (f, _) in formats.items()
        },
    }
    assert errors_of(make_forms, schema, {k: v for k, (_, v) in formats.items()}) == []


def test_messages_never_repeat_the_submitted_value(make_forms: MakeForms) -> None:
    schema = field({"type": "string", "format": "personas-kods", "maxLength": 5})
    forms = make_forms(f=schema)
    with pytest.raises(FormValidationError) as caught:
        forms.validate_or_raise("f", {"x": "161175-19998"})
    text = str(caught.value)
    for error in caught.value.errors:
        text += error.message + error.message_en
    assert "161175" not in text
    assert caught.value.form_key == "f"
    assert {e.code for e in caught.value.errors} == {"format", "maxLength"}


def test_validate_or_raise_passes_valid_data(make_forms: MakeForms) -> None:
    forms = make_forms(f=field({"type": "string"}))
    assert forms.validate_or_raise("f", {"x": "ok"}) is None


# -- paths --------------------------------------------------------------------------

APPLICATION = {
    "type": "object",
    "required": ["applicant", "consent"],
    "additionalProperties": False,
    "properties": {
        "consent": {"const": True},
        "applicant": {
            "type": "object",
            "required": ["name", "personas_kods"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 2},
                "personas_kods": {"type": "string", "format": "personas-kods"},
                "children": {
                    "type": "array",
                    "maxItems": 5,
                    "items": {
                        "type": "object",
                        "required": ["name", "birth_date"],
                        "properties": {
                            "name": {"type": "string", "minLength": 2},
                            "birth_date": {"type": "string", "format": "date"},
                        },
                    },
                },
            },
        },
    },
}


def test_all_errors_with_dotted_paths(make_forms: MakeForms) -> None:
    data = {
        "consent": True,
        "applicant": {
            "personas_kods": "161175-19998",
            "nickname": "Jāņuks",
            "children": [
                {"name": "Anna", "birth_date": "2020-02-30"},
                {"name": "B"},
            ],
        },
        "extra": 1,
    }
    errors = errors_of(make_forms, APPLICATION, data)
    found = {(e.path, e.code, e.message) for e in errors}
    assert found == {
        ("extra", "additionalProperties", "Nezināms lauks"),
        ("applicant.name", "required", "Obligāts lauks"),
        ("applicant.nickname", "additionalProperties", "Nezināms lauks"),
        ("applicant.personas_kods", "format", "Nederīgs personas kods"),
        ("applicant.children.0.birth_date", "format", "Nederīgs datums"),
        ("applicant.children.1.name", "minLength", "Jābūt vismaz 2 rakstzīmēm"),
        ("applicant.children.1.birth_date", "required", "Obligāts lauks"),
    }
    assert len(errors) == len(found)  # no duplicates


def test_each_missing_field_is_reported_once(make_forms: MakeForms) -> None:
    errors = errors_of(make_forms, APPLICATION, {})
    assert [(e.path, e.code) for e in errors] == [
        ("applicant", "required"),
        ("consent", "required"),
    ]
    errors = errors_of(make_forms, APPLICATION, {"consent": True, "applicant": {}})
    assert sorted(e.path for e in errors) == [
        "applicant.name",
        "applicant.personas_kods",
    ]


def test_valid_application(make_forms: MakeForms) -> None:
    data = {
        "consent": True,
        "applicant": {
            "name": "Jānis Bērziņš",
            "personas_kods": "161175-19997",
            "children": [{"name": "Anna", "birth_date": "2020-02-29"}],
        },
    }
    assert errors_of(make_forms, APPLICATION, data) == []


def test_root_errors_have_an_empty_path(make_forms: MakeForms) -> None:
    error = one_error(make_forms, {"type": "object"}, ["not", "an", "object"])
    assert (error.path, error.code) == ("", "type")


def test_unknown_fields_respect_pattern_properties(make_forms: MakeForms) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {}},
        "patternProperties": {"^x_": {"type": "integer"}},
        "additionalProperties": False,
    }
    errors = errors_of(make_forms, schema, {"a": 1, "x_1": 2, "b": 3, "c": 4})
    assert sorted((e.path, e.code) for e in errors) == [
        ("b", "additionalProperties"),
        ("c", "additionalProperties"),
    ]


def test_dependent_required_points_at_the_missing_field(make_forms: MakeForms) -> None:
    schema = {
        "type": "object",
        "properties": {"iban": {"type": "string"}, "holder": {"type": "string"}},
        "dependentRequired": {"iban": ["holder"]},
    }
    error = one_error(make_forms, schema, {"iban": "LV80BANK0000435195001"})
    assert (error.path, error.code, error.message) == (
        "holder",
        "dependentRequired",
        "Obligāts lauks",
    )


def test_false_subschema_forbids_a_field(make_forms: MakeForms) -> None:
    # jsonschema 4.26 leaves the property out of a false schema's error path, so
    # the error lands on the enclosing object; "not": {} keeps the field's path.
    error = one_error(make_forms, {"properties": {"x": False}}, {"x": 1})
    assert (error.path, error.code, error.message) == ("", "false", "Lauks nav atļauts")
    error = one_error(make_forms, {"properties": {"x": {"not": {}}}}, {"x": 1})
    assert (error.path, error.code) == ("x", "not")


def test_refs_are_followed(make_forms: MakeForms) -> None:
    schema = {
        "$defs": {"pk": {"type": "string", "format": "personas-kods"}},
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/pk"}, "b": {"$ref": "#/$defs/pk"}},
    }
    errors = errors_of(make_forms, schema, {"a": "161175-19997", "b": "x"})
    assert [(e.path, e.code) for e in errors] == [("b", "format")]


def test_conditional_requirement(make_forms: MakeForms) -> None:
    schema = {
        "type": "object",
        "properties": {"kind": {"enum": ["person", "company"]}},
        "if": {"properties": {"kind": {"const": "company"}}},
        "then": {
            "required": ["reg_nr"],
            "properties": {"reg_nr": {"format": "registracijas-numurs"}},
        },
    }
    error = one_error(make_forms, schema, {"kind": "company"})
    assert (error.path, error.code) == ("reg_nr", "required")
    assert errors_of(make_forms, schema, {"kind": "person"}) == []
