# SPDX-License-Identifier: EUPL-1.2
"""Migration 0620: existing case clients become hash + ciphertext + masked form,
plain instance states get sealed, stored incident texts and delivered outbox
parameters masked; the downgrade opens them again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Connection, make_url

from core.pii import open_json
from core.settings import Settings
from pkip.platform import Platform

CODE = "161175-19997"
NOW = datetime(2026, 3, 2, 7, tzinfo=UTC)
STATE = '{"data":{"applicant_code":"161175-19997"},"serializer_version":"pkip-1"}'


@pytest.fixture
def fresh_platform(tmp_path: Path) -> Iterator[Platform]:
    """A platform on an empty database of the suite's kind (SQLite or PostgreSQL)."""
    base = os.environ.get("PKIP_DATABASE_URL", "")
    admin = None
    if base.startswith("postgresql"):
        url = make_url(base)
        name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = url.set(database=name).render_as_string(hide_password=False)
    else:
        database_url = f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    platform = Platform(
        Settings.from_env({}).replace(env="test", database_url=database_url)
    )
    try:
        yield platform
    finally:
        platform.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _migrate(platform: Platform, target: str, *, down: bool = False) -> None:
    with platform.db.begin() as connection:
        cfg = platform.alembic_config()
        cfg.attributes["connection"] = connection
        cfg.attributes["pii_vault"] = platform.pii
        (command.downgrade if down else command.upgrade)(cfg, target)


def _seed(conn: Connection) -> None:
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(
        t["process_definitions"].insert(),
        dict(id=1, key="p", name="P", version=1, municipality="", checksum="x",
             source_name="p.bpmn", meta={}, deployed_by="t", deployed_at=NOW),
    )  # fmt: skip
    conn.execute(
        t["process_instances"].insert(),
        dict(id="i1", definition_id=1, process_key="p", municipality="RIGA",
             status="running", has_incident=True, state=STATE, state_bytes=1,
             started_at=NOW, updated_at=NOW, version=1),
    )  # fmt: skip
    conn.execute(
        t["service_cases"].insert(),
        dict(number="RIGA-2026-000001", municipality="RIGA", instance_id="i1",
             process_key="p", process_name="P", client_name="Jānis",
             client_identifier=CODE, channel="office", status="in_progress",
             status_label="", created_at=NOW, status_changed_at=NOW),
    )  # fmt: skip
    conn.execute(
        t["incidents"].insert(),
        dict(instance_id="i1", municipality="RIGA", kind="task_failed",
             error_type="ValueError", message=f"int(): '{CODE}'", attempts=1,
             status="open", created_at=NOW, updated_at=NOW),
    )  # fmt: skip
    conn.execute(
        t["edelivery_messages"].insert(),
        dict(channel="depp", municipality="RIGA", message_id="m1",
             sender="_PRIVATE@16117519997", document_kind="Iesniegums", title="T",
             sent_at=NOW, received_at=NOW, attachments=[], handover="handed_over",
             handover_attempts=1, instance_ids=[]),
    )  # fmt: skip
    for n, status in enumerate(("delivered", "pending")):
        conn.execute(
            t["outbox_messages"].insert(),
            dict(idempotency_key=f"i1:{n}", instance_id="i1", task_id=f"t{n}",
                 element_id="send", municipality="RIGA", operator="depp.send",
                 params={"recipient": f"_PRIVATE@{CODE}"}, status=status,
                 attempts=0, next_attempt_at=NOW, created_at=NOW),
        )  # fmt: skip


def test_upgrade_converts_existing_rows_and_downgrade_restores(
    fresh_platform: Platform,
) -> None:
    platform, vault = fresh_platform, fresh_platform.pii
    _migrate(platform, "0600")
    with platform.db.begin() as conn:
        _seed(conn)
    _migrate(platform, "heads")
    with platform.db.begin() as conn:
        case = conn.execute(text("SELECT * FROM service_cases")).mappings().one()
        assert "client_identifier" not in case
        assert case["client_identifier_hash"] == vault.lookup_hash(CODE)
        assert case["client_masked"] == "16****-****7" and case["purged_at"] is None
        sealed = case["client_identifier_sealed"]
        assert vault.decrypt(sealed, "service_cases.client_identifier") == CODE
        state = conn.execute(text("SELECT state FROM process_instances")).scalar_one()
        assert vault.decrypt(state, "process_instances.state") == STATE
        message = conn.execute(text("SELECT message FROM incidents")).scalar_one()
        assert message == "int(): '16****-****7'"
        sender = conn.execute(
            text("SELECT sender, sender_sealed, sender_hash FROM edelivery_messages")
        ).one()
        assert sender[0] == "_PRIVATE@16****-****7"
        assert vault.decrypt(sender[1], "edelivery_messages.sender") == (
            "_PRIVATE@16117519997"
        )
        assert sender[2] == vault.lookup_hash(CODE)
        meta = MetaData()
        meta.reflect(conn, only=["outbox_messages"])
        outbox = meta.tables["outbox_messages"]
        params = dict(conn.execute(select(outbox.c.status, outbox.c.params)).all())
        assert params["delivered"] == {"recipient": "_PRIVATE@16****-****7"}
        assert set(params["pending"]) == {"_sealed"}  # still to be sent: sealed
        assert open_json(params["pending"], vault, "outbox_messages.params") == {
            "recipient": f"_PRIVATE@{CODE}"
        }

    _migrate(platform, "0600", down=True)
    with platform.db.begin() as conn:
        case = conn.execute(text("SELECT * FROM service_cases")).mappings().one()
        assert case["client_identifier"] == CODE
        assert "client_identifier_sealed" not in case
        state = conn.execute(text("SELECT state FROM process_instances")).scalar_one()
        assert state == STATE
        pending = conn.execute(
            text("SELECT params FROM outbox_messages WHERE status = 'pending'")
        ).scalar_one()
        assert CODE in str(pending)
        sender = conn.execute(text("SELECT sender FROM edelivery_messages")).scalar()
        assert sender == "_PRIVATE@16117519997"
