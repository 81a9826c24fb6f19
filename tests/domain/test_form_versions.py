# SPDX-License-Identifier: EUPL-1.2
"""Forms versioned per municipality in the database: the shipped files are the base's
version 1, a municipality's variant wins, deploying pins the versions on the
definition and a running case keeps the versions it started with; a schema that
cannot be a form is refused with errors naming the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FormValidationError
from domain import cases, inbox
from domain.form_versions import deploy as form_deploy
from domain.form_versions import services as fv
from engine.models import BASE_VARIANT, ProcessDefinition, UserTask
from engine.runtime import ProcessEngine
from forms.validation import default_forms
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0

StartCase = Callable[..., cases.ServiceCase]
FINANCE = inbox.Viewer("finansiste", MUNI, frozenset({"finansists"}))
FINANCE_OTHER = inbox.Viewer("finansiste2", OTHER_MUNI, frozenset({"finansists"}))


def _review_with_note() -> dict[str, Any]:
    schema = copy.deepcopy(default_forms().schema("dog_fee_review"))
    schema["properties"]["invoice_note"] = {
        "type": "string",
        "title": "Piezīme rēķinam",
        "x-title-en": "Note for the invoice",
        "maxLength": 200,
    }
    schema["required"] = ["approved", "invoice_note"]
    return schema


def _review_task(db: Session, case: cases.ServiceCase) -> UserTask:
    return db.scalars(
        select(UserTask).where(
            UserTask.instance_id == case.instance_id,
            UserTask.element_id == "review_fee",
        )
    ).one()


def test_shipped_files_are_the_base_version_one(db_session: Session) -> None:
    assert fv.in_force(db_session, "dog_fee_review", MUNI) == fv.Pin(BASE_VARIANT, 1)
    assert fv.schema_of(
        db_session, "dog_fee_review", fv.Pin(BASE_VARIANT, 1)
    ) == default_forms().schema("dog_fee_review")
    first = fv.save_version(
        db_session,
        "dog_fee_review",
        _review_with_note(),
        variant=BASE_VARIANT,
        author="platforma",
        now=T0,
    )
    assert first.version == 2  # the file is version 1
    own = fv.save_version(
        db_session,
        "dog_fee_review",
        _review_with_note(),
        variant=MUNI,
        author="analitike",
        now=T0,
    )
    assert own.version == 1
    assert fv.in_force(db_session, "dog_fee_review", MUNI) == fv.Pin(MUNI, 1)
    assert fv.in_force(db_session, "dog_fee_review", OTHER_MUNI) == fv.Pin(
        BASE_VARIANT, 2
    )
    listed = fv.versions_of(db_session, "dog_fee_review", MUNI)
    assert [(v.variant, v.version) for v in listed] == [
        (MUNI, 1),
        (BASE_VARIANT, 2),
        (BASE_VARIANT, 1),
    ]


def test_the_municipalitys_variant_wins_and_an_old_case_keeps_its_version(
    start_case: StartCase,
    engine: ProcessEngine,
    db_session: Session,
    platform: Platform,
) -> None:
    old = start_case()
    fv.save_version(
        db_session,
        "dog_fee_review",
        _review_with_note(),
        variant=MUNI,
        author="analitike",
        now=T0,
    )
    # saved, not yet deployed: new cases still get the version in force
    assert (
        "invoice_note"
        not in inbox.task_view(
            engine, FINANCE, _review_task(db_session, start_case()).id
        ).schema["properties"]
    )

    done = form_deploy.deploy_with_form(
        db_session, platform.deployer(db_session), MUNI, "dog_fee_review", actor="a"
    )
    assert [(d.key, d.created) for d in done] == [("dog_fee", True)]
    variant = db_session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == "dog_fee", ProcessDefinition.municipality == MUNI
        )
    ).one()
    assert variant.forms == {"dog_fee_review": {"variant": MUNI, "version": 1}}
    # deploying again changes nothing
    again = form_deploy.deploy_with_form(
        db_session, platform.deployer(db_session), MUNI, "dog_fee_review", actor="a"
    )
    assert [d.created for d in again] == [False]

    new = start_case()
    new_task = _review_task(db_session, new)
    view = inbox.task_view(engine, FINANCE, new_task.id)
    assert "invoice_note" in view.schema["properties"]
    with pytest.raises(FormValidationError) as raised:
        inbox.complete(engine, FINANCE, new_task.id, {"approved": True})
    assert [e.path for e in raised.value.errors] == ["invoice_note"]
    inbox.complete(
        engine, FINANCE, new_task.id, {"approved": True, "invoice_note": "Rēķins"}
    )

    # the case started before the deploy keeps the version it started with
    old_task = _review_task(db_session, old)
    assert (
        "invoice_note"
        not in inbox.task_view(engine, FINANCE, old_task.id).schema["properties"]
    )
    inbox.complete(engine, FINANCE, old_task.id, {"approved": True})

    # another municipality has no variant: the base form
    other = start_case(municipality=OTHER_MUNI)
    other_task = _review_task(db_session, other)
    assert (
        "invoice_note"
        not in inbox.task_view(engine, FINANCE_OTHER, other_task.id).schema[
            "properties"
        ]
    )


def _errors(schema: Any) -> dict[str, str]:
    return {e.path: e.message for e in fv.check_schema(schema)}


def test_schema_errors_name_the_field() -> None:
    base = {"type": "object", "properties": {}}
    assert _errors(
        {**base, "properties": {"age": {"type": "numbr", "title": "Vecums"}}}
    ).keys() == {"schema.properties.age.type"}
    found = _errors(
        {**base, "properties": {"code": {"type": "string", "title": "K",
                                         "format": "personas_kods"}}}
    )  # fmt: skip
    assert list(found) == ["schema.format"]
    assert "personas_kods" in next(iter(found.values()))
    markup = _errors(
        {**base, "properties": {"x": {"type": "string", "title": "<script>a</script>"}}}
    )
    assert markup == {
        "schema.properties.x.title": (
            "Lauks “x”: teksts nedrīkst saturēt HTML atzīmes vai skriptus"
        )
    }
    condition = _errors(
        {
            **base,
            "properties": {
                "reason": {
                    "type": "string",
                    "title": "Iemesls",
                    "x-showWhen": {"field": "missing", "equals": True},
                }
            },
        }
    )
    assert list(condition) == ["schema.properties.reason.x-showWhen"]
    assert "missing" in condition["schema.properties.reason.x-showWhen"]
    unnamed = _errors({**base, "properties": {"Bad Name": {"type": "string"}}})
    assert "schema.properties.Bad Name" in unnamed
    assert "schema.properties.Bad Name.title" in unnamed
    assert _errors([1, 2]) == {"schema": "a form schema must be a JSON object"}
    assert _errors({"type": "string"}) == {
        "schema.type": "formai jābūt objektam ar laukiem (type object, properties)"
    }
    for key in default_forms().keys():  # noqa: SIM118 - every shipped form can be saved as it is
        assert fv.check_schema(default_forms().schema(key)) == [], key


def test_a_refused_schema_is_not_stored(db_session: Session) -> None:
    with pytest.raises(FormValidationError) as raised:
        fv.save_version(
            db_session,
            "Bad-Key",
            {"type": "object", "properties": {"a": {"type": 5, "title": "A"}}},
            variant=MUNI,
            author="analitike",
            now=T0,
        )
    assert {e.path for e in raised.value.errors} == {"key", "schema.properties.a.type"}
    assert fv.form_keys(db_session) == sorted(default_forms().keys())


def test_conditions_render_and_validate() -> None:
    from forms.render import render_form
    from forms.validation import JsonSchemaForms

    schema = {
        "type": "object",
        "properties": {
            "has_dog": {"type": "boolean", "x-widget": "radio", "title": "Ir suns"},
            "dog_name": {
                "type": "string",
                "title": "Suņa vārds",
                "x-showWhen": {"field": "has_dog", "equals": True},
            },
        },
        "allOf": [
            {
                "if": {
                    "properties": {"has_dog": {"const": True}},
                    "required": ["has_dog"],
                },
                "then": {"required": ["dog_name"]},
            }
        ],
    }
    assert fv.check_schema(schema) == []
    html = str(render_form(schema))
    assert 'class="field-conditional" data-show-when="f.has_dog"' in html
    assert 'data-show-equals="true"' in html
    forms = JsonSchemaForms.from_schemas({"k": schema})
    assert [e.path for e in forms.validate("k", {"has_dog": True})] == ["dog_name"]
    assert forms.validate("k", {"has_dog": False}) == []


def test_a_form_of_one_municipality_only_deploys_for_it(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    from engine.deploy import DeployError
    from tests.engine.bpmn_snippets import linear, user_task

    fv.save_version(
        db_session,
        "trade_note",
        {
            "type": "object",
            "properties": {"note": {"type": "string", "title": "Piezīme"}},
            "required": ["note"],
        },
        variant=MUNI,
        author="analitike",
        now=T0,
    )
    files = {"trade.bpmn": linear("trade_note_test", user_task("trade_note"))}
    with pytest.raises(DeployError) as refused:
        platform.deployer(db_session).deploy(files, municipality=OTHER_MUNI)
    assert "trade_note" in str(refused.value.problems[0])
    [result] = platform.deployer(db_session).deploy(files, municipality=MUNI)
    assert result.definition.forms == {"trade_note": {"variant": MUNI, "version": 1}}
    instance = engine.start("trade_note_test", municipality=MUNI)
    task = db_session.scalars(
        select(UserTask).where(UserTask.instance_id == instance.id)
    ).one()
    with pytest.raises(FormValidationError):
        engine.complete_task(task.id, {}, actor="x", municipality=MUNI)
    engine.complete_task(task.id, {"note": "Labi"}, actor="x", municipality=MUNI)
