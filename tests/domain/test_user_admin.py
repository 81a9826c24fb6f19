# SPDX-License-Identifier: EUPL-1.2
"""User administration's domain services: the rules of who may change what, the
administration log, rights versions, substitutes in the inbox, the CSV import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import WorkingCalendar
from domain import cases, inbox
from domain.accounts import admin as administration
from domain.accounts import csv_import, departments, handover, substitutes
from domain.accounts import municipalities as munis
from domain.accounts import services as accounts
from domain.accounts.admin import Admin, AdminError
from domain.accounts.models import AdminLogEntry, ApiToken, User
from domain.accounts.tokens import still_valid, token_rights
from engine.models import UserTask
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI, T0

ADMIN = Admin("andris", MUNI)
PLATFORM = Admin("peteris", MUNI, platform=True)
StartCase = Callable[..., cases.ServiceCase]


@pytest.fixture
def people(db_session: Session, municipalities: tuple[str, str]) -> dict[str, User]:
    for key, name in (("lietvedis", "Lietvedība"), ("specialists", "Speciālisti")):
        for code in (MUNI, OTHER_MUNI):
            accounts.ensure_department(db_session, code, key, name)
    made = {}
    for username, depts in (("ilze", ("lietvedis",)), ("janis", ("specialists",))):
        made[username] = accounts.create_user(
            db_session,
            username=username,
            full_name=username.title(),
            municipality=MUNI,
            password="parole-123",
            roles=("specialist",),
            departments=depts,
        )
    return made


def _entries(db: Session) -> list[AdminLogEntry]:
    return list(db.scalars(select(AdminLogEntry).order_by(AdminLogEntry.id)).all())


def test_create_update_disable_are_logged_without_secrets(
    db_session: Session, people: dict[str, User]
) -> None:
    user, password = administration.create_user(
        db_session, ADMIN, username="Anna", full_name="Anna Ā", roles=["analyst"]
    )
    assert user.username == "anna" and user.must_change_password
    assert len(password) == administration.ONE_TIME_PASSWORD_LENGTH
    assert accounts.check_password(db_session, "anna", password) is not None
    version = user.rights_version
    assert administration.update_user(db_session, ADMIN, user, roles=["supervisor"])
    assert user.rights_version > version
    assert not administration.update_user(db_session, ADMIN, user, roles=["supervisor"])
    administration.reset_password(db_session, ADMIN, user)
    administration.disable_user(db_session, ADMIN, user)
    assert not user.active and user.disabled_at is not None
    log = _entries(db_session)
    assert [e.action for e in log] == [
        "user.create",
        "user.update",
        "user.password_reset",
        "user.disable",
    ]
    assert log[1].before["roles"] == ["analyst"] and log[1].after["roles"] == [
        "supervisor"
    ]
    text = str([(e.before, e.after) for e in log])
    assert password not in text and user.password_hash not in text
    assert "password" not in text


def test_the_rules_of_who_may_change_what(
    db_session: Session, people: dict[str, User]
) -> None:
    with pytest.raises(AdminError) as refused:
        administration.create_user(
            db_session, ADMIN, username="x1", full_name="X", roles=["platform_admin"]
        )
    assert refused.value.code == "platform_role"
    boss, _ = administration.create_user(
        db_session, PLATFORM, username="boss", full_name="B", roles=["platform_admin"]
    )
    for action in (
        lambda: administration.disable_user(db_session, ADMIN, boss),
        lambda: administration.update_user(db_session, ADMIN, boss, full_name="Z"),
        lambda: administration.reset_password(db_session, ADMIN, boss),
    ):
        with pytest.raises(AdminError) as refused:
            action()
        assert refused.value.code == "platform_user"
    me, _ = administration.create_user(
        db_session, ADMIN, username="andris", full_name="Andris"
    )
    with pytest.raises(AdminError) as refused:
        administration.disable_user(db_session, ADMIN, me)
    assert refused.value.code == "self_disable"
    with pytest.raises(AdminError) as refused:
        administration.create_user(db_session, ADMIN, username="ilze", full_name="I")
    assert refused.value.code == "username_taken"
    with pytest.raises(AdminError) as refused:
        administration.user_by_username(db_session, Admin("x", OTHER_MUNI), "ilze")
    assert refused.value.code == "unknown_user"
    assert administration.scoped_user(db_session, Admin("x", OTHER_MUNI), me.id) is None


def test_a_token_is_stale_the_moment_its_creator_changes(
    db_session: Session, people: dict[str, User]
) -> None:
    ilze = people["ilze"]
    _, token = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="DVS",
        scopes=["tasks:read"],
        created_by="ilze",
    )
    rights = token_rights(db_session, token)
    assert still_valid(db_session, token.id, rights)
    administration.update_user(db_session, ADMIN, ilze, departments=["specialists"])
    assert not still_valid(db_session, token.id, rights)
    rights = token_rights(db_session, token)
    assert rights.departments == {"specialists"}
    assert still_valid(db_session, token.id, rights)
    accounts.revoke_api_token(token)
    db_session.flush()
    assert not still_valid(db_session, token.id, rights)
    assert db_session.get(ApiToken, token.id) is not None


def test_departments_heads_and_members(
    db_session: Session, people: dict[str, User]
) -> None:
    made = departments.create_department(
        db_session, ADMIN, key="Buvvalde", name=" Būvvalde ", head="janis"
    )
    assert (made.key, made.name, made.head) == ("buvvalde", "Būvvalde", people["janis"])
    with pytest.raises(AdminError) as refused:
        departments.create_department(db_session, ADMIN, key="buvvalde", name="X")
    assert refused.value.code == "department_key_taken"
    with pytest.raises(AdminError):
        departments.create_department(db_session, ADMIN, key="a b", name="X")
    before = people["ilze"].rights_version
    assert departments.set_members(db_session, ADMIN, made, ["ilze", "janis"])
    assert people["ilze"].department_keys == {"lietvedis", "buvvalde"}
    assert people["ilze"].rights_version > before
    assert departments.set_members(db_session, ADMIN, made, ["janis"])
    assert people["ilze"].department_keys == {"lietvedis"}
    assert departments.member_counts(db_session, MUNI)[made.id] == 1
    with pytest.raises(AdminError):  # another municipality's person
        accounts.create_user(
            db_session,
            username="svesais",
            full_name="S",
            municipality=OTHER_MUNI,
            password="parole-123",
        )
        departments.set_members(db_session, ADMIN, made, ["svesais"])
    assert departments.update_department(db_session, ADMIN, made, clear_head=True)
    assert made.head is None
    assert (
        departments.scoped_department(db_session, Admin("x", OTHER_MUNI), made.id)
        is None
    )


def _page(db: Session, viewer: inbox.Viewer) -> set[str]:
    page = inbox.inbox(
        db, viewer, inbox.InboxFilter(), now=T0, calendar=WorkingCalendar()
    )
    return {item.task.id for item in page.items}


def test_a_substitute_sees_and_acts_on_the_absent_persons_tasks_in_the_period(
    db_session: Session,
    people: dict[str, User],
    start_case: StartCase,
    engine: ProcessEngine,
) -> None:
    claimed = start_case("tree_felling")
    queued = start_case("tree_felling")
    task = db_session.scalars(
        select(UserTask).where(UserTask.instance_id == claimed.instance_id)
    ).one()
    queue_task = db_session.scalars(
        select(UserTask).where(UserTask.instance_id == queued.instance_id)
    ).one()
    engine.claim(task.id, user="ilze", municipality=MUNI)
    janis = inbox.Viewer("janis", MUNI, frozenset({"specialists"}))
    assert _page(db_session, janis) == set()

    sub = substitutes.add_substitution(
        db_session,
        ADMIN,
        absent="ilze",
        substitute="janis",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 6),
    )
    assert (
        substitutes.covered_by(db_session, people["janis"].id, date(2026, 3, 1)) == []
    )
    assert (
        substitutes.covered_by(db_session, people["janis"].id, date(2026, 3, 7)) == []
    )
    [covered] = substitutes.covered_by(db_session, people["janis"].id, date(2026, 3, 6))
    assert covered.username == "ilze" and covered.departments == {"lietvedis"}
    acting = inbox.Viewer(
        "janis",
        MUNI,
        frozenset({"specialists"}),
        absences=(inbox.Absence("ilze", covered.departments),),
    )
    assert _page(db_session, acting) == {task.id, queue_task.id}
    assert acting.acting_for("ilze", "lietvedis") == "ilze"
    assert acting.acting_for(None, "lietvedis") == "ilze"
    assert acting.acting_for(None, "specialists") is None

    inbox.complete(engine, acting, queue_task.id, _registration())
    db_session.refresh(queue_task)
    assert queue_task.completed_by == "janis"

    substitutes.end_substitution(db_session, ADMIN, sub)
    assert (
        substitutes.covered_by(db_session, people["janis"].id, date(2026, 3, 3)) == []
    )
    assert [e.action for e in _entries(db_session)] == [
        "substitution.create",
        "substitution.end",
    ]
    with pytest.raises(AdminError) as refused:
        substitutes.add_substitution(
            db_session,
            ADMIN,
            absent="ilze",
            substitute="ilze",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 6),
        )
    assert refused.value.code == "substitute_self"
    with pytest.raises(AdminError) as refused:
        substitutes.add_substitution(
            db_session,
            ADMIN,
            absent="ilze",
            substitute="janis",
            starts_on=date(2026, 3, 6),
            ends_on=date(2026, 3, 2),
        )
    assert refused.value.code == "dates_order"


def _registration() -> dict[str, str]:
    from tests.engine.factories import TREE_REGISTRATION

    return dict(TREE_REGISTRATION)


def test_handover_to_a_person_or_back_to_the_queue(
    db_session: Session,
    people: dict[str, User],
    start_case: StartCase,
    engine: ProcessEngine,
) -> None:
    first, second = start_case("tree_felling"), start_case("tree_felling")
    for case in (first, second):
        [row] = db_session.scalars(
            select(UserTask).where(UserTask.instance_id == case.instance_id)
        ).all()
        engine.claim(row.id, user="ilze", municipality=MUNI)
    administration.disable_user(db_session, ADMIN, people["ilze"])
    tasks = handover.open_tasks(db_session, MUNI, "ilze")
    assert len(tasks) == 2
    assert handover.reassign(engine, ADMIN, tasks[0].id, "janis").assignee == "janis"
    assert handover.reassign(engine, ADMIN, tasks[1].id, None).assignee is None
    assert handover.open_tasks(db_session, MUNI, "ilze") == []
    with pytest.raises(AdminError) as refused:
        handover.reassign(engine, ADMIN, tasks[1].id, "ilze")  # disabled
    assert refused.value.code == "inactive_user"


CSV_HEADER = "lietotājvārds;vārds_uzvārds;e_pasts;lomas;nodaļas\n"


def test_csv_import_is_all_or_nothing_with_errors_by_line_and_column(
    db_session: Session, people: dict[str, User]
) -> None:
    data = (
        "\ufeff"
        + CSV_HEADER
        + "ok1;Pirmais;ok1@example.lv;specialist;lietvedis\n"
        + "ok1;Otrais;;;\n"
        + "ilze;Ilze Divi;;;\n"
        + "jauns;;x@;burvis platform_admin;nav\n"
    ).encode()
    result = csv_import.import_users(db_session, ADMIN, data)
    assert not result.ok and result.created == []
    messages = [str(e) for e in result.errors]
    assert "3. rinda, kolonna “lietotājvārds”: atkārtojas (jau 2. rindā)" in messages
    assert "4. rinda, kolonna “lietotājvārds”: šāds lietotājvārds jau ir" in messages
    columns = {(e.line, e.column) for e in result.errors}
    assert {
        (5, "vārds_uzvārds"),
        (5, "e_pasts"),
        (5, "lomas"),
        (5, "nodaļas"),
    } <= columns
    assert any("platformas administratora lomu" in m for m in messages)
    assert accounts.find_user(db_session, "ok1") is None

    good = "username,full_name,email,roles,departments\nok1,Pirmais Labais,,analyst,\n"
    done = csv_import.import_users(db_session, ADMIN, good.encode())
    assert done.ok and [u.username for u, _ in done.created] == ["ok1"]
    assert done.created[0][0].must_change_password


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "trūkst virsrakstu rindas"),
        ("vārds_uzvārds\nJānis\n".encode(), "trūkst obligātās kolonnas"),
        ("lietotājvārds;vārds_uzvārds;alga\n".encode(), "nezināma kolonna"),
        ("lietotājvārds;vārds_uzvārds\n".encode(), "failā nav neviena lietotāja"),
        ("lietotājvārds;vārds_uzvārds\nā;Ā\n".encode("utf-16"), "nav UTF-8"),
        (b"x" * (csv_import.MAX_BYTES + 1), "lielāks par"),
        ("lietotājvārds;vārds_uzvārds\na1;A;x;y\n".encode(), "vairāk šūnu"),
    ],
)
def test_csv_import_structure_errors(
    db_session: Session, people: dict[str, User], data: bytes, message: str
) -> None:
    result = csv_import.import_users(db_session, ADMIN, data)
    assert not result.ok
    assert any(message in str(e) for e in result.errors), result.errors


def test_municipalities_validate_atvk_and_e_address(db_session: Session) -> None:
    made = munis.create_municipality(
        db_session,
        "peteris",
        code="valmiera",
        name="Valmieras novads",
        atvk="0001000",
        e_address="_DEFAULT@90000043403",
    )
    assert made.code == "VALMIERA" and made.e_address == "_DEFAULT@90000043403"
    for kwargs, code in (
        ({"atvk": "0038000"}, "atvk_invalid"),  # retired by the reform
        ({"e_address": "_DEFAULT@90000043400"}, "e_address_invalid"),
        ({"name": " "}, "name_invalid"),
    ):
        args = {"name": "X", "atvk": None, "e_address": None, **kwargs}
        with pytest.raises(AdminError) as refused:
            munis.update_municipality(db_session, "peteris", made, **args)
        assert refused.value.code == code
    with pytest.raises(AdminError) as refused:
        munis.create_municipality(db_session, "peteris", code="VALMIERA", name="V")
    assert refused.value.code == "municipality_code_taken"
    assert [e.action for e in _entries(db_session)] == ["municipality.create"]
