# SPDX-License-Identifier: EUPL-1.2
"""A real worker process killed between sending and acknowledging: the receiver gets
the message once (it deduplicates the repeat by key) and nothing is lost."""

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
from engine.models import OutboxMessage, ProcessInstance
from pkip.platform import Platform
from tasks.celery_app import make_celery
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b
from tests.tasks.outbox_worker import test_registry as worker_registry

WORKER = Path(__file__).with_name("outbox_worker.py")
pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("PKIP_BROKER_URL"),
        reason="needs PKIP_BROKER_URL (CI: Redis)",
    ),
]


class Receiver:
    """Counts what arrives; holds the first request until the test lets it go."""

    def __init__(self) -> None:
        self.total = 0
        self.unique: dict[str, Any] = {}
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.total += 1
            first = self.total == 1
            self.unique.setdefault(key, json.loads(request.get_data() or b"{}"))
        if first:
            self.first_arrived.set()
            self.release.wait(60)  # the worker is killed while it waits for us
        body = json.dumps({"message_id": f"R-{len(self.unique)}"})
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


def _worker(url: str, settings: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PKIP_DATABASE_URL": settings.database_url,
        "PKIP_BROKER_URL": settings.broker_url,
        "PKIP_TEST_RECEIVER": url,
        "PKIP_ENV": "test",
        "PKIP_TEST_LEASE_SECONDS": "3",  # the killed worker's message is free soon
    }
    return subprocess.Popen([sys.executable, str(WORKER)], env=env)


def _wait(predicate: Any, seconds: float, nudge: Any = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if nudge is not None:
            nudge()
        time.sleep(0.5)
    return False


def test_killed_worker_neither_loses_nor_doubles(
    committed: Platform, clock: ManualClock, receiver: tuple[Receiver, str]
) -> None:
    got, url = receiver
    platform = Platform(committed.settings, clock=clock, connectors=worker_registry())
    try:
        with platform.transaction() as s:
            platform.deployer(s).deploy(
                {"send.bpmn": b.linear("send_http", b.service_task("test.http_send"))}
            )
            inst_id = (
                platform.engine(s)
                .start("send_http", municipality=MUNI, data={"owner": "161175-19997"})
                .id
            )
        client = make_celery(platform)

        def state() -> tuple[str, str]:
            with platform.transaction() as s:
                inst = s.get(ProcessInstance, inst_id)
                msg = s.scalars(
                    select(OutboxMessage).where(OutboxMessage.instance_id == inst_id)
                ).one()
                assert inst is not None
                return inst.status, msg.status

        first = _worker(url, platform.settings)
        try:
            client.send_task("pkip.deliver_outbox")
            assert got.first_arrived.wait(90), "the worker never sent"
        finally:
            first.kill()  # dies between the receiver's receipt and its own commit
            first.wait(30)
        got.release.set()
        assert state() == ("running", "pending")

        second = _worker(url, platform.settings)
        try:
            done = _wait(
                lambda: state()[0] == "completed",
                90,
                nudge=lambda: client.send_task("pkip.deliver_outbox"),
            )
        finally:
            second.terminate()
            second.wait(30)
        assert done, f"not delivered after restart: {state()}"
        assert state() == ("completed", "delivered")
        assert got.total == 2 and len(got.unique) == 1  # the repeat had the same key
        with platform.transaction() as s:
            outcomes = list(
                s.scalars(
                    select(ConnectorCall.outcome)
                    .where(ConnectorCall.operator == "test.http_send")
                    .order_by(ConnectorCall.id)
                )
            )
        # Both calls are on record: the killed worker's still "attempting".
        assert outcomes == [ATTEMPTING, "ok"]
    finally:
        platform.dispose()
