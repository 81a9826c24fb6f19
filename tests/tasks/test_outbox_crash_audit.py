# SPDX-License-Identifier: EUPL-1.2
"""A worker process killed (SIGKILL) in the middle of a send batch: every call the
outside system received has its signed ``connector_calls`` row — written before the
call, not at the batch's commit — and a restarted worker finishes the rest.

Runs on the current database (SQLite in ``make test``, PostgreSQL in CI) without a
broker: the worker is ``outbox_worker.py --deliver``, one delivery sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from connectors.models import ConnectorCall
from connectors.registry import ATTEMPTING
from engine.clock import ManualClock
from engine.models import DELIVERED, OutboxMessage
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b
from tests.tasks.outbox_worker import test_registry as worker_registry

pytestmark = pytest.mark.slow
WORKER = Path(__file__).with_name("outbox_worker.py")
MESSAGES = 6
KILL_AT = 4  # the worker dies while the outside system holds its 4th call
LEASE_SECONDS = 1.0


class Receiver:
    """Counts the calls; holds the ``KILL_AT``-th one until the test lets it go."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        key = Request(environ).headers.get("Idempotency-Key", "")
        with self.lock:
            self.keys.append(key)
            hold = len(self.keys) == KILL_AT
        if hold:
            self.held.set()
            self.release.wait(60)
        body = json.dumps({"message_id": f"R-{len(self.keys)}"})
        return Response(body, mimetype="application/json")(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}/send"
    app.release.set()
    server.shutdown()


def _worker(url: str, database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PKIP_DATABASE_URL": database_url,
        "PKIP_BROKER_URL": "",
        "PKIP_TEST_RECEIVER": url,
        "PKIP_ENV": "test",
        "PKIP_TEST_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return subprocess.Popen([sys.executable, str(WORKER), "--deliver"], env=env)


def _instances_of(platform: Platform, keys: list[str]) -> set[str | None]:
    """The instances whose messages carry these idempotency keys."""
    with platform.transaction() as s:
        return set(
            s.scalars(
                select(OutboxMessage.instance_id).where(
                    OutboxMessage.idempotency_key.in_(keys)
                )
            )
        )


def _calls(platform: Platform) -> list[ConnectorCall]:
    with platform.transaction() as s:
        return list(
            s.scalars(
                select(ConnectorCall)
                .where(ConnectorCall.operator == "test.http_send")
                .order_by(ConnectorCall.id)
            )
        )


def test_a_killed_worker_leaves_an_audit_row_for_every_call_it_made(
    committed: Platform, clock: ManualClock, receiver: tuple[Receiver, str]
) -> None:
    got, url = receiver
    platform = Platform(committed.settings, clock=clock, connectors=worker_registry())
    try:
        with platform.transaction() as s:
            platform.deployer(s).deploy(
                {"send.bpmn": b.linear("send_http", b.service_task("test.http_send"))}
            )
            engine = platform.engine(s)
            for n in range(MESSAGES):
                engine.start(
                    "send_http", municipality=MUNI, data={"owner": f"owner-{n}"}
                )
        database_url = platform.settings.database_url
        first = _worker(url, database_url)
        try:
            assert got.held.wait(60), "the worker never reached its 4th call"
        finally:
            first.kill()
            first.wait(30)
        got.release.set()

        # Every call that reached the outside system has its row, committed with
        # the batch's lease before any call; the batch's outcomes died with the
        # worker, so each still says "attempting" — true: each may have been
        # received (the batch's last two were not, and say so too).
        rows = _calls(platform)
        assert len(got.keys) == KILL_AT
        assert [r.outcome for r in rows] == [ATTEMPTING] * MESSAGES
        assert _instances_of(platform, got.keys) <= {r.instance_id for r in rows}

        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
        second = _worker(url, database_url)
        assert second.wait(90) == 0
        with platform.transaction() as s:
            statuses = list(s.scalars(select(OutboxMessage.status)))
            assert platform.audit.verify(s) == []
        assert statuses == [DELIVERED] * MESSAGES
        rows = _calls(platform)
        # The restarted worker sent the whole batch again, with the same keys, and
        # recorded each call once more: a row for every call received.
        assert len(got.keys) == KILL_AT + MESSAGES
        assert len(set(got.keys)) == MESSAGES
        assert len(rows) == 2 * MESSAGES
        assert [r.outcome for r in rows[MESSAGES:]] == ["ok"] * MESSAGES
        assert len({r.instance_id for r in rows[MESSAGES:]}) == MESSAGES
    finally:
        platform.dispose()
