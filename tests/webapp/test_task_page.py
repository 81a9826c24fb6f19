# SPDX-License-Identifier: EUPL-1.2
"""The task page: the form rendered from the task's schema, earlier data beside it,
invalid data re-rendered with Latvian errors and the typed values kept, rows added
and removed without JavaScript, uploads, completion and conflicts."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import User
from engine.deploy import Deployer
from engine.models import UserTask
from engine.runtime import ProcessEngine
from forms.validation import SCHEMAS_DIR, JsonSchemaForms
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.engine import bpmn_snippets as b
from tests.webapp.casework import (
    TREE_REGISTRATION,
    ready_task,
    start,
    unlabelled_controls,
)
from tests.webapp.conftest import WebClient, make_app

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROWS_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Pārbaudes veidlapa",
    "type": "object",
    "properties": {
        "note": {"type": "string", "title": "Piezīme", "minLength": 1},
        "people": {
            "type": "array",
            "title": "Personas",
            "items": {
                "type": "object",
                "title": "Persona",
                "properties": {
                    "name": {"type": "string", "title": "Vārds"},
                    "code": {
                        "type": "string",
                        "title": "Personas kods",
                        "format": "personas-kods",
                    },
                },
                "required": ["name"],
            },
        },
        "doc": {
            "type": "object",
            "title": "Pielikums",
            "x-widget": "file",
            "x-maxBytes": 1000,
            "x-accept": ["application/pdf"],
        },
    },
    "required": ["note"],
    "additionalProperties": False,
}


@pytest.fixture
def test_platform(
    web_platform: Platform, tmp_path: Path, db_session: Session
) -> Platform:
    """The web platform with one more form (rows and a file) and a process using it."""
    for schema in SCHEMAS_DIR.glob("*.json"):
        shutil.copy(schema, tmp_path / schema.name)
    (tmp_path / "test_rows.json").write_text(json.dumps(ROWS_FORM), encoding="utf-8")
    forms = JsonSchemaForms(tmp_path)
    plat = copy.copy(web_platform)
    plat.engine_config = dataclasses.replace(web_platform.engine_config, forms=forms)
    Deployer(
        db_session,
        serializer=plat.engine_config.serializer,
        connectors=plat.connectors,
        forms=forms,
    ).deploy({"rows.bpmn": b.linear("rows_test", b.user_task("test_rows"))})
    return plat


@pytest.fixture
def app(test_platform: Platform, municipalities: tuple[str, str]) -> Flask:
    return make_app(test_platform)


@pytest.fixture
def test_engine(test_platform: Platform, db_session: Session) -> ProcessEngine:
    return ProcessEngine(db_session, test_platform.engine_config)


@pytest.fixture
def clerk(login: Callable[..., WebClient], make_user: Callable[..., User]) -> WebClient:
    return login(make_user("lietvede", departments=("lietvedis",)))


def _values(page: str) -> dict[str, str]:
    tree = lxml_html.fromstring(page)
    found = {i.get("name"): i.get("value") for i in tree.cssselect("input[name]")}
    found.update(
        {
            t.get("name"): t.text_content().removeprefix("\n")
            for t in tree.cssselect("textarea[name]")
        }
    )
    return found


@pytest.mark.usefixtures("deployed")
def test_invalid_data_keeps_the_values_and_shows_latvian_errors_then_completes(
    clerk: WebClient, test_engine: ProcessEngine, db_session: Session
) -> None:
    case = start(test_engine)
    task = ready_task(db_session, case)
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Reģistrēt iesniegumu" in page and "Koku ciršanas atļauja" in page
    aside = lxml_html.fromstring(page).cssselect("aside")[0].text_content()
    assert "16****-****7" in aside and "161175-19997" not in aside
    assert unlabelled_controls(page) == []

    typed = {
        **TREE_REGISTRATION,
        "f.tree_count": "divi",
        "f.cadastre_number": "123",
    }
    answer = clerk.submit(f"/tasks/{task.id}", typed)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Jābūt veselam skaitlim" in page
    tree = lxml_html.fromstring(page)
    assert tree.cssselect(".error-summary[role=alert]")
    invalid = {e.get("name") for e in tree.cssselect("[aria-invalid=true]")}
    assert {"f.tree_count", "f.cadastre_number"} <= invalid
    values = _values(page)
    assert values["f.tree_count"] == "divi"
    assert values["f.cadastre_number"] == "123"
    assert values["f.address"] == "Brīvības iela 1, Rīga"
    db_session.refresh(task)
    assert task.state == UserTask.READY

    done = clerk.submit(f"/tasks/{task.id}", TREE_REGISTRATION)
    assert done.status_code == 302 and done.location.endswith("/inbox/")
    inbox = clerk.get("/inbox/").get_data(as_text=True)
    assert "Uzdevums “Reģistrēt iesniegumu” ir izpildīts." in inbox
    assert case.number in inbox
    db_session.refresh(task)
    assert (task.state, task.completed_by) == (UserTask.COMPLETED, "lietvede")
    db_session.refresh(case)
    assert case.status_label == "Apsekot koku"

    # the next clerk sees the registration read-only beside the inspection form
    inspector = db_session.scalars(
        select(UserTask).where(
            UserTask.instance_id == case.instance_id, UserTask.state == UserTask.READY
        )
    ).one()
    assert inspector.candidate_group == "specialists"


@pytest.mark.usefixtures("deployed")
def test_earlier_forms_are_shown_read_only(
    as_role: Callable[..., WebClient],
    test_engine: ProcessEngine,
    db_session: Session,
) -> None:
    from tests.engine.factories import TREE_REGISTRATION as DATA

    case = start(test_engine)
    test_engine.complete_task(
        ready_task(db_session, case).id, DATA, actor="lietvede", municipality=MUNI
    )
    inspection = ready_task(db_session, case)
    specialist = as_role("specialist", departments=("specialists",))
    page = specialist.get(f"/tasks/{inspection.id}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    aside = tree.cssselect("aside")[0].text_content()
    assert "Reģistrēt iesniegumu" in aside and "Parastā liepa" in aside
    assert "Koku skaits" in aside  # labelled by the earlier form's schema
    assert tree.cssselect("aside input") == []  # read-only
    assert "Apsekošanas datums" in tree.cssselect("form[enctype]")[0].text_content()


def test_rows_are_added_and_removed_without_javascript(
    clerk: WebClient, test_engine: ProcessEngine, db_session: Session
) -> None:
    case = start(test_engine, "rows_test")
    task = ready_task(db_session, case)
    added = clerk.submit(
        f"/tasks/{task.id}", {"f.note": "Sveiki", "__add__:f.people": "1"}
    )
    assert added.status_code == 200
    values = _values(added.get_data(as_text=True))
    assert "f.people.0.name" in values and values["f.note"] == "Sveiki"
    two = clerk.submit(
        f"/tasks/{task.id}",
        {
            "f.note": "Sveiki",
            "f.people.0.name": "Anna",
            "__add__:f.people": "1",
        },
    )
    values = _values(two.get_data(as_text=True))
    assert values["f.people.0.name"] == "Anna" and "f.people.1.name" in values
    removed = clerk.submit(
        f"/tasks/{task.id}",
        {
            "f.note": "Sveiki",
            "f.people.0.name": "Anna",
            "f.people.1.name": "Berta",
            "__remove__:f.people:0": "1",
        },
    )
    values = _values(removed.get_data(as_text=True))
    assert values["f.people.0.name"] == "Berta" and "f.people.1.name" not in values
    db_session.refresh(task)
    assert task.state == UserTask.READY  # a row button never completes


def test_uploads_are_checked_and_listed_as_documents(
    clerk: WebClient,
    test_engine: ProcessEngine,
    db_session: Session,
    as_role: Callable[..., WebClient],
) -> None:
    case = start(test_engine, "rows_test")
    task = ready_task(db_session, case)
    wrong = clerk.submit(
        f"/tasks/{task.id}",
        {"f.note": "Ar pielikumu", "f.doc": (io.BytesIO(b"GIF89a...."), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 200
    assert "Ar pielikumu" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count('aria-invalid="true"') >= 1
    done = clerk.submit(
        f"/tasks/{task.id}",
        {
            "f.note": "Ar pielikumu",
            "f.doc": (io.BytesIO(PDF), "iesniegums.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    supervisor = as_role("supervisor")
    page = supervisor.get(f"/cases/{case.number}").get_data(as_text=True)
    sha = hashlib.sha256(PDF).hexdigest()
    assert "iesniegums.pdf" in page and sha in page
    download = supervisor.get(f"/cases/{case.number}/documents/{sha}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert (
        supervisor.get(f"/cases/{case.number}/documents/{'0' * 64}").status_code == 404
    )


def test_too_large_a_request_is_refused(
    app: Flask, clerk: WebClient, test_engine: ProcessEngine, db_session: Session
) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 20_000  # a small body stays in memory
    case = start(test_engine, "rows_test")
    task = ready_task(db_session, case)
    big = io.BytesIO(b"%PDF" + b"0" * 30_000)
    answer = clerk.submit(
        f"/tasks/{task.id}",
        {"f.note": "x", "f.doc": (big, "liels.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413


@pytest.mark.usefixtures("deployed")
def test_someone_else_completed_it_first(
    clerk: WebClient,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
    test_engine: ProcessEngine,
    db_session: Session,
) -> None:
    case = start(test_engine)
    task = ready_task(db_session, case)
    other = login(make_user(departments=("lietvedis",)))
    clerk.get(f"/tasks/{task.id}")  # both have the page open
    assert other.submit(f"/tasks/{task.id}", TREE_REGISTRATION).status_code == 302
    late = clerk.submit(f"/tasks/{task.id}", TREE_REGISTRATION)
    assert late.status_code == 302 and late.location.endswith(f"/cases/{case.number}")
    page = clerk.get(late.location).get_data(as_text=True)
    assert "jau ir izpildījis vai paņēmis cits lietotājs" in page
    # and opening a finished task says so
    again = clerk.get(f"/tasks/{task.id}", follow_redirects=True)
    assert "Šis uzdevums jau ir izpildīts." in again.get_data(as_text=True)


@pytest.mark.usefixtures("deployed")
def test_a_task_claimed_by_a_colleague_cannot_be_completed(
    clerk: WebClient,
    login: Callable[..., WebClient],
    make_user: Callable[..., User],
    test_engine: ProcessEngine,
    db_session: Session,
) -> None:
    case = start(test_engine)
    task = ready_task(db_session, case)
    test_engine.claim(task.id, user="kolege", municipality=MUNI)
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Šo uzdevumu pilda kolege." in page
    assert 'enctype="multipart/form-data"' not in page
    late = clerk.submit(f"/tasks/{task.id}", TREE_REGISTRATION)
    assert late.status_code == 302
    db_session.refresh(task)
    assert task.state == UserTask.READY and task.assignee == "kolege"


@pytest.mark.usefixtures("deployed")
def test_other_municipalities_and_departments_answer_404(
    clerk: WebClient,
    test_engine: ProcessEngine,
    db_session: Session,
) -> None:
    theirs = ready_task(db_session, start(test_engine, municipality=OTHER_MUNI))
    dogs = ready_task(db_session, start(test_engine, "dog_fee"))  # finansists
    for task in (theirs, dogs):
        assert clerk.get(f"/tasks/{task.id}").status_code == 404
        assert clerk.submit(f"/tasks/{task.id}", {}).status_code == 404
        for action in ("claim", "unclaim"):
            assert clerk.submit(f"/tasks/{task.id}/{action}").status_code == 404
    assert clerk.get("/tasks/no-such-task").status_code == 404
    db_session.refresh(theirs)
    assert theirs.state == UserTask.READY and theirs.assignee is None
