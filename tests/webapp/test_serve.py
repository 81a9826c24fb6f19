# SPDX-License-Identifier: EUPL-1.2
"""`pkip serve` with several processes: gunicorn serving the app (production's way)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain.accounts import services as accounts
from domain.models import Municipality
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.webapp.api_support import token_owner
from webapp.cli import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_several_processes_need_jobs_elsewhere(
    committed: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    monkeypatch.setenv("PKIP_WEB_WORKERS", "2")
    monkeypatch.delenv("PKIP_BROKER_URL", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "PKIP_BROKER_URL" in result.output and "--no-jobs" in result.output


def test_gunicorn_serves_the_app_from_two_processes(committed: Platform) -> None:
    with committed.transaction() as s:
        s.add(Municipality(code=MUNI, name="Rīgas valstspilsēta", atvk=None))
        s.flush()
        plaintext, _ = accounts.create_api_token(
            s,
            municipality=MUNI,
            name="Serve",
            scopes=["tasks:read"],
            created_by=token_owner(s),
        )
    port = _free_port()
    env = {
        **os.environ,
        "PKIP_ENV": "test",
        "PKIP_DATABASE_URL": committed.settings.database_url,
        "PKIP_PORT": str(port),
        "PKIP_WEB_WORKERS": "2",
        "PKIP_WEB_THREADS": "2",
        "PKIP_LOG_LEVEL": "WARNING",
    }
    pkip = str(Path(sys.executable).with_name("pkip"))
    server = subprocess.Popen([pkip, "serve", "--no-jobs"], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _body = _get(port, "/login", {})
                break
            except OSError:
                assert server.poll() is None, "pkip serve exited"
                assert time.monotonic() < deadline, "pkip serve did not start"
                time.sleep(0.2)
        assert status == 200
        auth = {"Authorization": f"Bearer {plaintext}", "Accept": "application/json"}
        assert _get(port, "/api/v1/tasks", auth)[0] == 200
        assert _get(port, "/api/v1/tasks", {})[0] == 401
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        assert len(children.read_text().split()) == 2  # the two worker processes
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
