# SPDX-License-Identifier: EUPL-1.2
"""The database: one declarative base for every room, and engine construction.

Nothing connects at import time. Callers make an engine from settings and own their
transactions (the request, the job or the CLI command commits; services only flush).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real SAVEPOINT support."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != url and not path.startswith(":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _sqlite_fixups(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        # An unreachable server answers 503 within seconds, not after the
        # operating system's TCP timeout (minutes) with every web thread stuck.
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    return create_engine(url, **kwargs)


def _sqlite_fixups(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over as the
    # SQLAlchemy documentation recommends. WAL lets readers run beside one writer.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # A deferred BEGIN takes the write lock only at the first write; when another
    # connection committed since this one's first read, SQLite cannot upgrade the
    # snapshot and fails at once with "database is locked" — the busy timeout never
    # applies. Write transactions therefore start with BEGIN IMMEDIATE (they queue
    # for the lock, waiting up to the busy timeout); readers stay deferred, so WAL
    # keeps them running beside the one writer.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, DEFERRED)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == IMMEDIATE else "BEGIN")


SQLITE_BEGIN = "pkip_sqlite_begin"
"""Execution option choosing how an SQLite transaction begins (ignored elsewhere)."""
IMMEDIATE = "immediate"
DEFERRED = "deferred"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for transactions that may write: on SQLite they begin IMMEDIATE
    (pass ``execution_options={SQLITE_BEGIN: DEFERRED}`` to ``Session.connection``
    first for one that only reads)."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{SQLITE_BEGIN: IMMEDIATE})
    return sessionmaker(bind=engine, expire_on_commit=False)


# PostgreSQL SQLSTATEs of a lost race: unique violation, serialization failure,
# deadlock, lock not available.
_RACE_STATES = frozenset({"23505", "40001", "40P01", "55P03"})
_UNAVAILABLE_STATES = ("08", "57P")  # connection exceptions, operator intervention


def lost_race(exc: BaseException) -> bool:
    """Whether a database error means another transaction got there first.

    The loser of two simultaneous writes sees a unique violation (both inserted the
    same row), a serialization failure or deadlock (PostgreSQL), or a lock it could
    not get (SQLite after its busy timeout). Retried later, the work either succeeds
    or meets the winner's result: for the caller it is a conflict, not a fault.
    """
    if not isinstance(exc, DBAPIError):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state in _RACE_STATES
    text = str(exc.orig).lower()
    if isinstance(exc, IntegrityError):
        return "unique constraint failed" in text
    return isinstance(exc, OperationalError) and "database is locked" in text


def unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached or used now
    (down, restarting, unreachable, a file that cannot be opened): the request may
    succeed when retried later."""
    if not isinstance(exc, DBAPIError) or lost_race(exc):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state.startswith(_UNAVAILABLE_STATES)
    if exc.connection_invalidated or not isinstance(exc, OperationalError):
        return exc.connection_invalidated
    # A driver that names no state: psycopg failing to connect, or SQLite, whose
    # OperationalError also covers mistakes in SQL (those stay server errors).
    return _unavailable_text(str(exc.orig).lower())


def _unavailable_text(text: str) -> bool:
    return any(
        sign in text
        for sign in (
            "unable to open",
            "disk i/o",
            "readonly database",
            "malformed",
            "disk is full",
            "connection",  # psycopg: connection refused / failed / timeout expired
            "server closed",
            "timeout expired",
        )
    )


def _sqlstate(exc: DBAPIError) -> str | None:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(state) if state else None
