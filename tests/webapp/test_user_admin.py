# SPDX-License-Identifier: EUPL-1.2
"""User administration in the workplace (issue 13, items 1 and 7): users, roles,
departments, substitutes, the CSV import, the log; scoping, CSRF, rights that
change at the next request, and a disabled user's tasks handed over."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.accounts.admin import Admin
from domain.accounts.models import AdminLogEntry, Department, Substitution, User
from domain.accounts.substitutes import add_substitution
from engine.models import HistoryEvent, UserTask
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.casework import TREE_REGISTRATION, ready_task, start
from tests.webapp.conftest import PASSWORD, WebClient

MakeUser = Callable[..., User]
Login = Callable[..., WebClient]
PASSWORD_RE = re.compile(r'id="one-time-password"[^>]*value="([^"]+)"')


@pytest.fixture
def admin(login: Login, make_user: MakeUser) -> WebClient:
    return login(make_user("andris", roles=("municipality_admin",)))


def _log(db: Session, action: str) -> list[AdminLogEntry]:
    return list(
        db.scalars(select(AdminLogEntry).where(AdminLogEntry.action == action)).all()
    )


def test_the_start_page_promise_is_kept(admin: WebClient) -> None:
    page = admin.get("/admin/").get_data(as_text=True)
    for label in ("Lietotāji", "Nodaļas", "Aizvietotāji", "Administrēšanas žurnāls"):
        assert label in page
    assert "Pašvaldības" not in page  # platform administrators only


def test_create_a_user_with_a_one_time_password_then_first_sign_in(
    admin: WebClient, client: WebClient, db_session: Session
) -> None:
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert 'value="platform_admin"' not in form  # not the admin's to grant
    done = admin.submit(
        "/admin/users/new",
        {
            "username": "JBerzins ",
            "full_name": "Jānis Bērziņš",
            "email": "janis@example.lv",
            "roles": ["specialist"],
            "departments": ["lietvedis"],
        },
    )
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    found = PASSWORD_RE.search(done.get_data(as_text=True))
    assert found
    password = found.group(1)
    user = accounts.find_user(db_session, "jberzins")
    assert user is not None and user.must_change_password
    assert user.department_keys == {"lietvedis"} and user.roles == {"specialist"}
    [entry] = _log(db_session, "user.create")
    assert entry.actor == "andris" and entry.after is not None
    assert entry.after["roles"] == ["specialist"]
    assert password not in str(entry.after) and "password_hash" not in entry.after

    signed = client.submit("/login", {"username": "jberzins", "password": password})
    assert signed.status_code == 302
    # nothing but the password page until a new password is chosen
    assert client.get("/inbox/").location.endswith("/password")
    assert client.get("/api/v1/tasks").status_code == 403
    short = client.submit(
        "/password",
        {"current_password": password, "new_password": "x", "confirm": "x"},
    )
    assert "Vismaz 8 rakstzīmes" in short.get_data(as_text=True)
    changed = client.submit(
        "/password",
        {
            "current_password": password,
            "new_password": "jauna-parole-1",
            "confirm": "jauna-parole-1",
        },
    )
    assert changed.status_code == 302
    assert client.get("/inbox/").status_code == 200
    db_session.refresh(user)
    assert not user.must_change_password
    assert _log(db_session, "user.password_change")


def test_bad_input_names_the_field_in_latvian_and_keeps_nothing(
    admin: WebClient, make_user: MakeUser, db_session: Session
) -> None:
    make_user("taken")
    page = admin.submit(
        "/admin/users/new",
        {"username": "taken", "full_name": "<script>x</script>", "roles": ["nope"]},
    ).get_data(as_text=True)
    assert "Šāds lietotājvārds jau ir" in page or "Nezināma loma" in page
    assert "<script>x</script>" not in page  # escaped
    bad = admin.submit(
        "/admin/users/new", {"username": "A B", "full_name": ""}
    ).get_data(as_text=True)
    assert "Lietotājvārds" in bad and "Vārds un uzvārds" in bad
    assert not _log(db_session, "user.create")


def test_another_municipalitys_records_are_404(
    admin: WebClient, make_user: MakeUser, db_session: Session
) -> None:
    stranger = make_user("svesais", municipality=OTHER_MUNI)
    dept = db_session.scalars(
        select(Department).where(Department.municipality == OTHER_MUNI)
    ).first()
    assert dept is not None
    other_admin = Admin("x", OTHER_MUNI)
    other_colleague = make_user("kolega", municipality=OTHER_MUNI)
    sub = add_substitution(
        db_session,
        other_admin,
        absent="svesais",
        substitute="kolega",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 9),
    )
    assert other_colleague.id
    assert admin.get(f"/admin/users/{stranger.id}").status_code == 404
    assert admin.submit(f"/admin/users/{stranger.id}/disable").status_code == 404
    assert admin.submit(f"/admin/users/{stranger.id}/password").status_code == 404
    assert admin.get(f"/admin/departments/{dept.id}").status_code == 404
    assert admin.submit(f"/admin/substitutions/{sub.id}/end").status_code == 404
    db_session.refresh(stranger)
    assert stranger.active
    listing = admin.get("/admin/users/").get_data(as_text=True)
    assert "svesais" not in listing and "andris" in listing


def test_csrf_and_roles_guard_the_pages(
    admin: WebClient, make_user: MakeUser, login: Login, db_session: Session
) -> None:
    victim = make_user("upuris")
    assert admin.post(f"/admin/users/{victim.id}/disable").status_code == 400
    db_session.refresh(victim)
    assert victim.active
    clerk = login(make_user("klerks"))
    assert clerk.get("/admin/users/").status_code == 403
    assert clerk.submit(f"/admin/users/{victim.id}/disable").status_code == 403
    assert admin.get("/admin/municipalities/").status_code == 403


def test_a_role_change_applies_at_the_next_request_not_the_next_sign_in(
    admin: WebClient, make_user: MakeUser, login: Login, db_session: Session
) -> None:
    anna = make_user("anna", roles=("specialist",), departments=("lietvedis",))
    session = login(anna)
    assert session.get("/inbox/").status_code == 200
    assert session.get("/modeler/").status_code == 403
    changed = admin.submit(
        f"/admin/users/{anna.id}",
        {"full_name": anna.full_name, "email": anna.email, "roles": ["analyst"]},
    )
    assert changed.status_code == 302
    # the same session, no new sign-in: the new rights at once
    assert session.get("/inbox/").status_code == 403
    assert session.get("/modeler/").status_code == 200
    [entry] = _log(db_session, "user.update")
    assert entry.before and entry.before["roles"] == ["specialist"]
    assert entry.after and entry.after["roles"] == ["analyst"]
    assert entry.before["departments"] == ["lietvedis"]


def test_a_municipality_admin_cannot_touch_a_platform_admin(
    admin: WebClient, make_user: MakeUser, db_session: Session
) -> None:
    boss = make_user("platforma", roles=("platform_admin",))
    clerk = make_user("klerks")
    refused = admin.submit(
        f"/admin/users/{clerk.id}",
        {"full_name": "X", "roles": ["specialist", "platform_admin"]},
    )
    assert "Tikai platformas administrators" in refused.get_data(as_text=True)
    db_session.refresh(clerk)
    assert clerk.roles == {"specialist"} and clerk.full_name != "X"
    admin.submit(f"/admin/users/{boss.id}/disable", follow_redirects=True)
    db_session.refresh(boss)
    assert boss.active


@pytest.mark.usefixtures("deployed")
def test_disabling_ends_sessions_and_lists_open_tasks_for_reassignment(
    admin: WebClient,
    make_user: MakeUser,
    login: Login,
    engine: ProcessEngine,
    db_session: Session,
) -> None:
    lote = make_user("lote", departments=("lietvedis",))
    make_user("kolege", departments=("lietvedis",))
    session = login(lote)
    first, second = start(engine), start(engine)
    tasks = [ready_task(db_session, first), ready_task(db_session, second)]
    for task in tasks:
        engine.claim(task.id, user="lote", municipality=MUNI)
    db_session.flush()

    done = admin.submit(f"/admin/users/{lote.id}/disable")
    assert done.location.endswith(f"/admin/users/{lote.id}/tasks")
    assert session.get("/inbox/").status_code == 302  # signed out at once
    page = admin.get(done.location).get_data(as_text=True)
    assert page.count("Reģistrēt iesniegumu") == 2

    to_person = admin.submit(
        f"/admin/tasks/{tasks[0].id}/reassign",
        {"assignee": "kolege", "user_id": str(lote.id)},
    )
    assert to_person.status_code == 302
    back = admin.submit(
        f"/admin/tasks/{tasks[1].id}/reassign",
        {"assignee": "", "user_id": str(lote.id)},
    )
    assert back.status_code == 302
    db_session.refresh(tasks[0])
    db_session.refresh(tasks[1])
    assert tasks[0].assignee == "kolege"
    assert tasks[1].assignee is None and tasks[1].candidate_group == "lietvedis"
    assert len(_log(db_session, "task.reassign")) == 2
    # another municipality's admin cannot move this municipality's task
    other = Admin("x", OTHER_MUNI)
    assert other.municipality != MUNI
    stranger_admin = login(
        make_user("jadmins", roles=("municipality_admin",), municipality=OTHER_MUNI)
    )
    refused = stranger_admin.submit(
        f"/admin/tasks/{tasks[0].id}/reassign", {"assignee": ""}
    )
    assert refused.status_code == 404
    # a disabled user stays in the list and in history, and can be enabled again
    assert "lote" in admin.get("/admin/users/").get_data(as_text=True)
    assert admin.submit(f"/admin/users/{lote.id}/enable").status_code == 302
    db_session.refresh(lote)
    assert lote.active


@pytest.mark.usefixtures("deployed")
def test_a_substitute_sees_and_completes_the_absent_persons_task(
    admin: WebClient,
    make_user: MakeUser,
    login: Login,
    engine: ProcessEngine,
    db_session: Session,
) -> None:
    ilze = make_user("ilze", departments=("lietvedis",))
    janis = make_user("janis", departments=("specialists",))
    case = start(engine)
    task = ready_task(db_session, case)
    engine.claim(task.id, user="ilze", municipality=MUNI)
    db_session.flush()
    substitute = login(janis)
    assert case.number not in substitute.get("/inbox/").get_data(as_text=True)
    assert substitute.get(f"/tasks/{task.id}").status_code == 404

    saved = admin.submit(
        "/admin/substitutions/",
        {
            "absent": "ilze",
            "substitute": "janis",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-13",
        },
    )
    assert saved.status_code == 302
    assert case.number in substitute.get("/inbox/").get_data(as_text=True)
    form = substitute.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "aizvietotājs" in form and 'id="acting-for"' in form
    assert "Šo uzdevumu pilda" not in form  # not "someone else has it"
    done = substitute.submit(f"/tasks/{task.id}", TREE_REGISTRATION)
    assert done.status_code == 302
    db_session.refresh(task)
    assert (task.state, task.completed_by) == (UserTask.COMPLETED, "janis")
    events = db_session.scalars(
        select(HistoryEvent).where(
            HistoryEvent.task_id == task.id, HistoryEvent.actor == "janis"
        )
    ).all()
    assert events and all(e.details.get("on_behalf_of") == "ilze" for e in events)
    page = substitute.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "(aizvietojot Testa Lietotājs ilze)" in page
    assert ilze.id


def test_an_ended_substitution_stops_at_once(
    admin: WebClient, make_user: MakeUser, db_session: Session, login: Login
) -> None:
    make_user("ilze", departments=("lietvedis",))
    janis = make_user("janis", departments=("specialists",))
    sub = add_substitution(
        db_session,
        Admin("andris", MUNI),
        absent="ilze",
        substitute="janis",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    page = admin.get("/admin/substitutions/").get_data(as_text=True)
    assert "01.03.2026" in page and "31.03.2026" in page
    assert admin.submit(f"/admin/substitutions/{sub.id}/end").status_code == 302
    db_session.refresh(sub)
    assert sub.ended_at is not None
    assert janis.id
    bad = admin.submit(
        "/admin/substitutions/",
        {
            "absent": "ilze",
            "substitute": "ilze",
            "starts_on": "2026-03-05",
            "ends_on": "2026-03-01",
        },
    ).get_data(as_text=True)
    assert "Beigu datums ir pirms sākuma datuma" in bad
    assert (
        db_session.scalar(select(Substitution.id).where(Substitution.id > sub.id))
        is None
    )


def test_departments_heads_and_members(
    admin: WebClient, make_user: MakeUser, login: Login, db_session: Session
) -> None:
    make_user("vadis", roles=("supervisor",))
    rita = make_user("rita", departments=())
    created = admin.submit(
        "/admin/departments/",
        {"key": "buvvalde", "name": "Būvvalde", "head": "vadis"},
    )
    assert created.status_code == 302
    dept = db_session.scalars(
        select(Department).where(Department.key == "buvvalde")
    ).one()
    assert dept.head is not None and dept.head.username == "vadis"
    saved = admin.submit(
        f"/admin/departments/{dept.id}",
        {"name": "Būvvalde", "head": "", "members": ["rita"]},
    )
    assert saved.status_code == 302
    db_session.refresh(rita)
    assert rita.department_keys == {"buvvalde"}
    db_session.refresh(dept)
    assert dept.head is None
    dup = admin.submit("/admin/departments/", {"key": "buvvalde", "name": "X"})
    assert "Nodaļa ar šādu atslēgu jau ir" in dup.get_data(as_text=True)
    listing = admin.get("/admin/departments/").get_data(as_text=True)
    assert "Būvvalde" in listing
    assert {e.action for e in db_session.scalars(select(AdminLogEntry))} >= {
        "department.create",
        "department.update",
        "department.members",
    }


def test_csv_import_page_reports_lines_and_columns_and_imports_nothing(
    admin: WebClient, db_session: Session
) -> None:
    bad = (
        "lietotājvārds;vārds_uzvārds;e_pasts;lomas;nodaļas\n"
        "ok1;Pirmais Labais;ok1@example.lv;specialist;lietvedis\n"
        "Slikts Vārds;;nav-epasts;burvis;nav_tadas\n"
    ).encode()
    page = admin.post(
        "/admin/users/import",
        data={"csrf_token": admin.csrf_token(), "file": (io.BytesIO(bad), "u.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    errors = [
        li.text_content()
        for li in lxml_html.fromstring(page).cssselect("#import-errors li")
    ]
    assert (
        "3. rinda, kolonna “lietotājvārds”: 2–100 mazie burti, cipari, '.', '_' vai '-'"
        in errors
    )
    assert any("kolonna “e_pasts”" in e for e in errors)
    assert any("kolonna “lomas”: nezināma loma: burvis" in e for e in errors)
    assert any("kolonna “nodaļas”" in e for e in errors)
    assert accounts.find_user(db_session, "ok1") is None

    good = b"username,full_name,roles\nok1,Pirmais Labais,specialist analyst\n"
    done = admin.post(
        "/admin/users/import",
        data={"csrf_token": admin.csrf_token(), "file": (io.BytesIO(good), "u.csv")},
        content_type="multipart/form-data",
    )
    assert done.headers["Cache-Control"] == "no-store"
    user = accounts.find_user(db_session, "ok1")
    assert user is not None and user.roles == {"specialist", "analyst"}


def test_the_platform_admin_manages_municipalities_and_their_admins(
    login: Login, make_user: MakeUser, db_session: Session
) -> None:
    platform = login(make_user("peteris", roles=("platform_admin",)))
    bad = platform.submit(
        "/admin/municipalities/",
        {"code": "VALMIERA", "name": "Valmieras novads", "atvk": "1234567"},
    ).get_data(as_text=True)
    assert "Nav spēkā esošs ATVK kods" in bad
    made = platform.submit(
        "/admin/municipalities/",
        {
            "code": "valmiera",
            "name": "Valmieras novads",
            "atvk": "0001000",
            "e_address": "_DEFAULT@90000043403",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    admin_page = platform.submit(
        "/admin/municipalities/VALMIERA/admins",
        {
            "admin-username": "vadmins",
            "admin-full_name": "Valmieras Administrators",
            "admin-email": "",
        },
    )
    assert PASSWORD_RE.search(admin_page.get_data(as_text=True))
    user = accounts.find_user(db_session, "vadmins")
    assert user is not None and user.municipality == "VALMIERA"
    assert user.roles == {"municipality_admin"}
    listing = platform.get("/admin/municipalities/").get_data(as_text=True)
    assert "Valmieras novads" in listing


def test_the_log_is_for_admins_and_auditors_of_the_municipality(
    admin: WebClient, make_user: MakeUser, login: Login, db_session: Session
) -> None:
    victim = make_user("upuris")
    admin.submit(f"/admin/users/{victim.id}/password")
    auditor = login(make_user("auditore", roles=("auditor",), departments=()))
    page = auditor.get("/admin/log").get_data(as_text=True)
    assert "vienreizēja parole" in page.lower() and "upuris" in page
    assert auditor.get("/admin/users/").status_code == 403
    assert auditor.get("/admin/tokens").status_code == 403
    assert PASSWORD not in page
