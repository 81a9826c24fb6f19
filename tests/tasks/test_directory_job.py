# SPDX-License-Identifier: EUPL-1.2
"""The periodic directory sync: every configured municipality in turn; one
directory down is recorded and retried at the next run without stopping the others
or disabling anyone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from domain.accounts import directory
from domain.accounts import services as accounts
from domain.accounts.admin import Admin
from domain.accounts.models import User
from domain.models import Municipality
from pkip.platform import Platform
from tasks.directory import sync_directories, sync_interval
from tests.conftest import MUNI, OTHER_MUNI
from tests.ldap_server import JELGAVA, RIGA, free_port


def test_job_syncs_each_directory_and_survives_one_down(
    committed: Platform, slapd: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = f"ldap://127.0.0.1:{free_port()}"
    with committed.transaction() as db:
        for code in (MUNI, OTHER_MUNI):
            db.add(Municipality(code=code, name=code.title()))
        db.flush()
        directory.save_config(
            db,
            Admin("tests", MUNI),
            url=slapd.url,
            user_base=f"ou=people,{RIGA}",
            group_base=f"ou=groups,{RIGA}",
        )
        directory.save_config(
            db,
            Admin("tests", OTHER_MUNI),
            url=down,
            user_base=f"ou=people,{JELGAVA}",
            preset="ad",
            user_filter="(objectClass=pkipAdUser)",
        )
    assert sync_directories(committed) == 4  # Riga's four people; Jelgava down
    with committed.transaction() as db:
        assert accounts.find_user(db, "anna.liepa") is not None
        jelgava = directory.config_of(db, OTHER_MUNI)
        assert jelgava is not None and "Unavailable" in jelgava.last_error
        assert jelgava.last_success_at is None
        jelgava.url = slapd.url  # back up: the next run catches up
    assert sync_directories(committed) == 1  # Māris (Zane is disabled there)
    with committed.transaction() as db:
        names = set(db.scalars(select(User.username).where(User.active.is_(True))))
        assert {"anna.liepa", "maris.ozols"} <= names
        jelgava = directory.config_of(db, OTHER_MUNI)
        assert jelgava is not None and jelgava.last_error == ""
    monkeypatch.setenv("PKIP_DIRECTORY_SYNC_SECONDS", "5")
    assert sync_interval() == 60.0
    monkeypatch.setenv("PKIP_DIRECTORY_SYNC_SECONDS", "nonsense")
    assert sync_interval() == 900.0
