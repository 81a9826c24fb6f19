# SPDX-License-Identifier: EUPL-1.2
"""Demo users: seeded by `pkip setup` in the demo municipality, idempotent, and
never in production."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from domain.accounts import services as accounts
from domain.accounts.models import ROLES, Department, User
from pkip.platform import Platform


def _count(platform: Platform, model: type) -> int:
    with platform.transaction() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_demo_users_for_every_role_idempotent(committed: Platform) -> None:
    committed.seed_demo()
    committed.seed_demo()
    assert _count(committed, User) == len(accounts.DEMO_USERS)
    assert _count(committed, Department) == len(accounts.DEMO_DEPARTMENTS)
    with committed.transaction() as db:
        users = db.scalars(select(User)).all()
        assert {r for u in users for r in u.roles} == set(ROLES)
        assert {u.municipality for u in users} == {committed.settings.demo_municipality}
        lietvede = accounts.authenticate(db, "lietvede", accounts.DEMO_PASSWORD)
        assert lietvede is not None and lietvede.department_keys == {"lietvedis"}
        vaditaja = accounts.find_user(db, "vaditaja")
        assert vaditaja is not None and vaditaja.roles == {"supervisor"}
        keys = {d.key for d in db.scalars(select(Department))}
        assert keys == {"lietvedis", "specialists", "finansists", "vaditajs"} | {
            "pakalpojumu_turetaji",
            "analitiki",
        }
        turetaja = accounts.find_user(db, "turetaja")
        assert turetaja is not None and turetaja.roles == {"service_owner"}
    # and the demo's catalogue: the existing services' cards, published
    with committed.transaction() as db:
        from domain.catalogue.services import in_force

        shown = in_force(db, committed.settings.demo_municipality)
        assert [(c.code, v.state) for c, v in shown] == [
            ("PKIP-010", "published"),  # by Latvian name: "Ielu…" < "Iesnieguma…"
            ("PKIP-004", "published"),
            ("PKIP-011", "published"),
            ("PKIP-012", "published"),
        ]


def test_seeding_keeps_changes_made_since(committed: Platform) -> None:
    committed.seed_demo()
    with committed.transaction() as db:
        user = accounts.find_user(db, "lietvede")
        assert user is not None
        accounts.set_password(user, "cita-parole-1")
    committed.seed_demo()
    with committed.transaction() as db:
        assert accounts.authenticate(db, "lietvede", "cita-parole-1") is not None


def test_no_demo_users_in_production(committed: Platform) -> None:
    production = Platform.__new__(Platform)
    production.__dict__.update(
        committed.__dict__,
        settings=dataclasses.replace(committed.settings, env="production"),
    )
    municipality = production.seed_demo()
    assert municipality.code == committed.settings.demo_municipality
    assert _count(committed, User) == 0
    with committed.transaction() as db, pytest.raises(accounts.DemoSeedRefused):
        accounts.seed_demo_accounts(db, municipality.code, env="production")
