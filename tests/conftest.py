# SPDX-License-Identifier: EUPL-1.2
"""Shared fixtures: one migrated database per test process, a rolled-back session
per test, a controllable clock, and the sample processes deployed.

SQLite by default; with PKIP_DATABASE_URL pointing at PostgreSQL each pytest-xdist
worker gets a fresh database of its own (created here, dropped at the end).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import Base
from core.settings import Settings
from engine.clock import ManualClock
from engine.runtime import ProcessEngine
from pkip.platform import Platform

ROOT = Path(__file__).resolve().parent.parent
PROCESS_DIR = ROOT / "processes" / "bpmn"
TEST_BPMN = Path(__file__).resolve().parent / "engine" / "bpmn"
# Monday 2 March 2026, 09:00 in Riga: a plain working week with no holidays.
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
MUNI = "RIGA"
OTHER_MUNI = "JELGAVA"


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("PKIP_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        path = tmp_path_factory.mktemp("db") / f"pkip-{_worker_id()}.sqlite3"
        yield f"sqlite:///{path}"
        return
    url = make_url(base)
    name = f"{url.database}_{_worker_id()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(autouse=True)
def _reset_clock(clock: ManualClock) -> None:
    clock.now = T0


@pytest.fixture(scope="session")
def platform(database_url: str, clock: ManualClock) -> Iterator[Platform]:
    settings = Settings.from_env().replace(
        env="test",
        database_url=database_url,
        broker_url=os.environ.get("PKIP_BROKER_URL", ""),
    )
    plat = Platform(settings, clock=clock)
    plat.migrate()
    yield plat
    plat.dispose()


@pytest.fixture
def db_session(platform: Platform) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: with ``create_savepoint`` its commits end savepoints
    and the outer transaction still rolls everything back.
    """
    connection = platform.db.connect()
    outer = connection.begin()
    session = Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    # This thread holds a transaction, as in a platform transaction: operators that
    # join the open one (documents.*) and the audit of commands called in it see it.
    token = platform._open.set(session)
    try:
        yield session
    finally:
        platform._open.reset(token)
        session.close()
        outer.rollback()
        connection.close()
        # Connector calls made through this session's engine are audited when a
        # platform transaction ends; this one never does, so forget them here.
        platform.audit.drain()


@pytest.fixture
def engine(db_session: Session, platform: Platform) -> ProcessEngine:
    return platform.engine(db_session)


@pytest.fixture
def deployed(db_session: Session, platform: Platform) -> dict[str, int]:
    """processes/bpmn deployed as the base; returns definition ids by key."""
    from engine.deploy import read_files

    results = platform.deployer(db_session).deploy(
        read_files([PROCESS_DIR]), deployed_by="tests"
    )
    return {r.definition.key: r.definition.id for r in results}


@pytest.fixture
def committed(platform: Platform) -> Iterator[Platform]:
    """For tests that need real commits (two sessions, a worker): empties every table
    after the test."""
    yield platform
    with platform.db.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(delete(table))


def drain_outbox(platform: Platform, rounds: int = 20) -> int:
    """Run the outbox job until it delivers nothing more (a step that continues may
    queue the next command: render, then deliver; a status event, then the next);
    returns how many deliveries it made."""
    from tasks import outbox

    total = 0
    for _ in range(rounds):
        delivered = outbox.deliver_due(platform).delivered
        if delivered == 0:
            return total
        total += delivered
    raise AssertionError(f"the outbox still delivered after {rounds} rounds")


@pytest.fixture(scope="session")
def slapd_server() -> Iterator[object]:
    """A private OpenLDAP with the seeded tree (tests/ldap_server.py), one per
    test process; skipped with the reason when slapd is not installed."""
    from tests import ldap_server

    if ldap_server.SLAPD is None:
        pytest.skip(
            "slapd is not installed (apt-get install slapd ldap-utils, or "
            "scripts/check-system.sh --tests --install)"
        )
    server = ldap_server.Slapd().start()
    yield server
    server.stop()


@pytest.fixture
def slapd(slapd_server: object) -> Iterator[object]:
    """The private OpenLDAP, its tree as seeded again after the test."""
    yield slapd_server
    slapd_server.reset()  # type: ignore[attr-defined]
