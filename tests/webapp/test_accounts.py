# SPDX-License-Identifier: EUPL-1.2
"""domain.accounts services: users, passwords, departments, API tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.accounts import services as accounts
from domain.accounts.models import ApiToken, User, UserRole
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.api_support import token_owner
from tests.webapp.conftest import PASSWORD


def test_passwords_are_argon2id_hashes(make_user: Callable[..., User]) -> None:
    user = make_user("anna")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_authenticate(db_session: Session, make_user: Callable[..., User]) -> None:
    user = make_user("anna")
    assert accounts.authenticate(db_session, "ANNA ", PASSWORD) is user
    assert accounts.authenticate(db_session, "anna", "nepareiza") is None
    assert accounts.authenticate(db_session, "nav-tada", PASSWORD) is None
    user.password_hash = "nav hash"
    assert accounts.authenticate(db_session, "anna", PASSWORD) is None


def test_old_hash_parameters_are_renewed_on_sign_in(
    db_session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("anna")
    old = user.password_hash
    previous = accounts.use_password_hasher(
        PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    )
    try:
        assert accounts.authenticate(db_session, "anna", PASSWORD) is user
        assert user.password_hash != old and "t=2" in user.password_hash
    finally:
        accounts.use_password_hasher(previous)


def test_password_change_and_deactivation_end_sessions(
    make_user: Callable[..., User],
) -> None:
    user = make_user("anna")
    stamp = user.auth_stamp
    accounts.set_password(user, "jauna-parole-1")
    assert user.auth_stamp != stamp
    stamp = user.auth_stamp
    accounts.deactivate(user)
    assert user.auth_stamp != stamp and not user.active
    with pytest.raises(accounts.AccountError, match="password"):
        accounts.set_password(user, "īsa")


def test_create_user_validates(
    db_session: Session, make_user: Callable[..., User]
) -> None:
    make_user("anna")
    cases = [
        ({"username": "anna"}, "username"),
        ({"username": "A B"}, "username"),
        ({"roles": ["boss"]}, "roles"),
        ({"departments": ["nav-tadas"]}, "departments"),
        ({"municipality": "NAV"}, "municipality"),
        ({"email": "nav-epasts"}, "email"),
        ({"language": "de"}, "language"),
        ({"notifications": "sms"}, "notifications"),
        ({"full_name": " "}, "full_name"),
    ]
    for change, field in cases:
        data = {
            "username": "janis",
            "full_name": "Jānis",
            "municipality": MUNI,
            "password": PASSWORD,
            **change,
        }
        with pytest.raises(accounts.AccountError) as err:
            accounts.create_user(db_session, **data)
        assert err.value.field == field


def test_roles_are_rows_and_the_database_refuses_unknown_ones(
    db_session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("anna", roles=("specialist", "supervisor"))
    assert user.roles == {"specialist", "supervisor"}
    accounts.set_roles(user, ["analyst"])
    db_session.flush()
    assert db_session.scalars(select(UserRole.role)).all() == ["analyst"]
    db_session.add(UserRole(user_id=user.id, role="boss"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_departments_belong_to_the_users_municipality(
    db_session: Session, make_user: Callable[..., User]
) -> None:
    anna = make_user("anna", departments=("lietvedis", "finansists"))
    make_user("janis", departments=("lietvedis",), municipality=OTHER_MUNI)
    assert anna.department_keys == {"lietvedis", "finansists"}
    colleagues = accounts.users_in_department(db_session, MUNI, "lietvedis")
    assert [u.username for u in colleagues] == ["anna"]
    assert [d.key for d in accounts.departments_of(db_session, MUNI)] == [
        "finansists",
        "lietvedis",
        "specialists",
        "vaditajs",
    ]


def test_api_tokens_are_stored_hashed(db_session: Session, municipalities) -> None:  # type: ignore[no-untyped-def]
    plaintext, token = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="Namejs DVS",
        scopes=["tasks:read", "cases:read", "tasks:read"],
        created_by=token_owner(db_session),
    )
    assert plaintext.startswith("pkip_") and len(plaintext) > 40
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:11] and plaintext not in repr(token)
    assert token.scopes == ["cases:read", "tasks:read"]
    stored = db_session.scalars(select(ApiToken.token_hash)).all()
    assert plaintext not in stored
    assert token.has_scopes("tasks:read") and not token.has_scopes("tasks:write")


def test_api_token_verification_and_revocation(
    db_session: Session, municipalities
) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    plaintext, token = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="DVS",
        scopes=[],
        created_by=token_owner(db_session),
    )
    assert accounts.authenticate_token(db_session, plaintext, now=now) is token
    assert token.last_used_at == now
    later = now + timedelta(seconds=10)
    accounts.authenticate_token(db_session, plaintext, now=later)
    assert token.last_used_at == now  # not rewritten on every call
    accounts.authenticate_token(db_session, plaintext, now=now + timedelta(minutes=2))
    assert token.last_used_at == now + timedelta(minutes=2)

    assert accounts.authenticate_token(db_session, plaintext + "x") is None
    assert accounts.authenticate_token(db_session, "") is None
    assert accounts.authenticate_token(db_session, "pkip_" + "a" * 500) is None
    accounts.revoke_api_token(token, now=now)
    assert accounts.authenticate_token(db_session, plaintext) is None
    assert accounts.api_tokens_of(db_session, MUNI) == [token]
    assert accounts.api_tokens_of(db_session, OTHER_MUNI) == []


def test_expired_tokens_and_bad_requests(db_session: Session, municipalities) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    plaintext, _ = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="DVS",
        scopes=["cases:read"],
        created_by=token_owner(db_session),
        expires_at=now + timedelta(days=1),
    )
    assert accounts.authenticate_token(db_session, plaintext, now=now) is not None
    later = now + timedelta(days=2)
    assert accounts.authenticate_token(db_session, plaintext, now=later) is None
    with pytest.raises(accounts.AccountError, match="scopes"):
        accounts.create_api_token(
            db_session,
            municipality=MUNI,
            name="x",
            scopes=["all"],
            created_by=token_owner(db_session),
        )
    with pytest.raises(accounts.AccountError, match="municipality"):
        accounts.create_api_token(
            db_session,
            municipality="NAV",
            name="x",
            scopes=[],
            created_by=token_owner(db_session),
        )
