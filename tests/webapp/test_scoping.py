# SPDX-License-Identifier: EUPL-1.2
"""Municipality scoping: another municipality's records are 404 and never listed,
whether the caller is a person, a platform admin or an API token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.accounts.models import Department, User
from engine.models import ProcessDefinition, ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.api_support import token_owner
from tests.webapp.conftest import PASSWORD, WebClient, make_app
from webapp import transaction
from webapp.auth import api_access, current_municipality, login_required
from webapp.scoping import get_scoped_or_404, scoped


def _probe() -> Blueprint:
    """Views as the next pages will write them."""
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/instances/<instance_id>")
    @login_required
    def instance(instance_id: str) -> Any:
        with transaction() as db:
            inst = get_scoped_or_404(db, ProcessInstance, instance_id)
            return jsonify(id=inst.id, municipality=inst.municipality)

    @bp.get("/probe/tasks")
    @login_required
    def tasks() -> Any:
        with transaction() as db:
            rows = db.scalars(scoped(select(UserTask), UserTask.municipality)).all()
            return jsonify(sorted(t.municipality for t in rows))

    @bp.get("/probe/definitions/<int:definition_id>")
    @login_required
    def definition(definition_id: int) -> Any:
        with transaction() as db:
            d = get_scoped_or_404(
                db, ProcessDefinition, definition_id, include_base=True
            )
            return jsonify(key=d.key)

    @bp.get("/probe/departments")
    @login_required
    def departments() -> Any:
        with transaction() as db:
            stmt = scoped(select(Department.key), Department.municipality)
            return jsonify(sorted(db.scalars(stmt)))

    @bp.get("/api/probe/tasks")
    @api_access("tasks:read", "specialist")
    def api_tasks() -> Any:
        with transaction() as db:
            rows = db.scalars(scoped(select(UserTask), UserTask.municipality)).all()
            return jsonify(municipality=current_municipality(), count=len(rows))

    @bp.post("/api/probe/tasks")
    @api_access("tasks:write", "specialist")
    def api_write() -> Any:
        return jsonify(ok=True)

    return bp


@pytest.fixture
def probe_app(web_platform: Platform, municipalities: tuple[str, str]) -> Flask:
    app = make_app(web_platform)
    app.register_blueprint(_probe())
    return app


@pytest.fixture
def cases(
    engine: ProcessEngine, deployed: dict[str, int], db_session: Session
) -> dict[str, str]:
    """One tree felling case in each municipality: instance ids by municipality."""
    ids = {
        m: engine.start("tree_felling", municipality=m).id for m in (MUNI, OTHER_MUNI)
    }
    db_session.flush()
    return ids


def _client(app: Flask, user: User) -> WebClient:
    client: WebClient = app.test_client()  # type: ignore[assignment]
    client.submit("/login", {"username": user.username, "password": PASSWORD})
    return client


def test_a_user_sees_only_their_municipality(
    probe_app: Flask, make_user: Callable[..., User], cases: dict[str, str]
) -> None:
    riga = _client(probe_app, make_user(municipality=MUNI))
    jelgava = _client(probe_app, make_user(municipality=OTHER_MUNI))

    assert (
        riga.get(f"/probe/instances/{cases[MUNI]}").get_json()["municipality"] == MUNI
    )
    assert riga.get(f"/probe/instances/{cases[OTHER_MUNI]}").status_code == 404
    assert jelgava.get(f"/probe/instances/{cases[MUNI]}").status_code == 404
    assert riga.get("/probe/instances/nav-tada").status_code == 404

    assert set(riga.get("/probe/tasks").get_json()) == {MUNI}
    assert set(jelgava.get("/probe/tasks").get_json()) == {OTHER_MUNI}
    assert riga.get("/probe/departments").get_json() == [
        "finansists",
        "lietvedis",
        "specialists",
        "vaditajs",
    ]


def test_base_definitions_are_shared_variants_are_not(
    probe_app: Flask,
    make_user: Callable[..., User],
    platform: Platform,
    db_session: Session,
    deployed: dict[str, int],
) -> None:
    from engine.deploy import read_files
    from tests.conftest import PROCESS_DIR

    variant = (
        platform.deployer(db_session)
        .deploy(read_files([PROCESS_DIR / "tree_felling.bpmn"]), municipality=MUNI)[0]
        .definition
    )
    db_session.flush()
    riga = _client(probe_app, make_user(municipality=MUNI))
    jelgava = _client(probe_app, make_user(municipality=OTHER_MUNI))
    base_id = deployed["tree_felling"]
    assert jelgava.get(f"/probe/definitions/{base_id}").status_code == 200
    assert riga.get(f"/probe/definitions/{variant.id}").status_code == 200
    assert jelgava.get(f"/probe/definitions/{variant.id}").status_code == 404


def test_platform_admin_sees_the_chosen_municipality(
    probe_app: Flask, make_user: Callable[..., User], cases: dict[str, str]
) -> None:
    admin = _client(probe_app, make_user(roles=("platform_admin",)))
    assert admin.get(f"/probe/instances/{cases[OTHER_MUNI]}").status_code == 404
    admin.submit("/municipality", {"municipality": OTHER_MUNI})
    assert admin.get(f"/probe/instances/{cases[OTHER_MUNI]}").status_code == 200
    assert admin.get(f"/probe/instances/{cases[MUNI]}").status_code == 404


def test_api_tokens_are_scoped_to_their_municipality_and_scopes(
    probe_app: Flask, db_session: Session, cases: dict[str, str]
) -> None:
    plaintext, _ = accounts.create_api_token(
        db_session,
        municipality=OTHER_MUNI,
        name="DVS",
        scopes=["tasks:read"],
        created_by=token_owner(db_session, OTHER_MUNI),
    )
    db_session.flush()
    client = probe_app.test_client()
    auth = {"Authorization": f"Bearer {plaintext}"}
    answer = client.get("/api/probe/tasks", headers=auth)
    assert answer.status_code == 200
    assert answer.get_json()["municipality"] == OTHER_MUNI
    # a token request needs no CSRF token (no cookie), but its scopes must fit
    refused = client.post("/api/probe/tasks", headers=auth)
    assert refused.status_code == 403 and refused.is_json

    bad = client.get("/api/probe/tasks", headers={"Authorization": "Bearer pkip_x"})
    assert bad.status_code == 401
    assert bad.get_json()["message"] == "API pilnvara nav derīga."
    anonymous = client.get("/api/probe/tasks")
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.get("/api/nav-tada").get_json()["code"] == 404
    # a token opens API paths only, never pages
    assert client.get("/probe/tasks", headers=auth).status_code == 302


def test_api_with_a_session_needs_the_role_and_csrf(
    probe_app: Flask, make_user: Callable[..., User]
) -> None:
    specialist = _client(probe_app, make_user(roles=("specialist",)))
    assert specialist.get("/api/probe/tasks").get_json()["municipality"] == MUNI
    assert specialist.post("/api/probe/tasks").status_code == 400
    assert specialist.send_json("POST", "/api/probe/tasks", {}).get_json() == {
        "ok": True
    }
    analyst = _client(probe_app, make_user(roles=("analyst",)))
    forbidden = analyst.get("/api/probe/tasks")
    assert forbidden.status_code == 403 and forbidden.get_json()["code"] == 403
