# SPDX-License-Identifier: EUPL-1.2
"""Concurrency benchmark: a small office's load on the embedded server.

Three systems start service cases (``POST /api/v1/instances`` with a case, bearer
token) and two people sign in over and over (``GET /login`` for the form, ``POST
/login``) for ``--seconds``, over loopback HTTP against the app in werkzeug's
threaded server — what ``make run`` starts. Prints per operation: how many,
per second, p50/p95 latency and every answer that was not a success (by status),
then one JSON line. SQLite in a temporary directory, or PostgreSQL when
PKIP_DATABASE_URL is set (a fresh database, dropped at the end). Real password
hashing. Asserts nothing about time.

``--deferred-writers`` makes write transactions begin with a plain (deferred) BEGIN
on SQLite, as before BEGIN IMMEDIATE: the "database is locked" answers come back.

    .venv/bin/python bench/concurrency.py [--seconds 40] [--starters 3] [--signers 2]
    PKIP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/concurrency.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench.web import _QuietHandler, make_database, pct  # noqa: E402
from core.settings import Settings  # noqa: E402
from domain.accounts import services as accounts  # noqa: E402
from domain.models import Municipality  # noqa: E402
from pkip.platform import Platform  # noqa: E402
from webapp import create_app  # noqa: E402

MUNI = "BENCH"
PASSWORD = "bench-parole-1"  # noqa: S105
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def prepare(platform: Platform, signers: int) -> str:
    """The municipality, its clerks, the processes and a token; the token."""
    platform.migrate()
    platform.deploy([ROOT / "processes" / "bpmn"])
    with platform.transaction() as s:
        s.add(Municipality(code=MUNI, name="Etalonu pašvaldība", atvk=None))
        s.flush()
        accounts.ensure_department(s, MUNI, "lietvedis", "Lietvedība")
        for n in range(signers):
            accounts.create_user(
                s,
                username=f"darbinieks{n}",
                full_name=f"Darbinieks {n}",
                municipality=MUNI,
                password=PASSWORD,
                roles=("specialist",),
                departments=("lietvedis",),
            )
        # a token never gets more than its creator: one whose roles grant every scope
        accounts.create_user(
            s,
            username="bench",
            full_name="Etalona sistēmas īpašnieks",
            municipality=MUNI,
            password=PASSWORD,
            roles=("specialist", "supervisor", "analyst", "municipality_admin"),
            departments=("lietvedis",),
        )
        token, _ = accounts.create_api_token(
            s,
            municipality=MUNI,
            name="E-pakalpojumi",
            scopes=accounts.KNOWN_SCOPES,
            created_by="bench",
        )
    return token


def serve(platform: Platform) -> tuple[Callable[[], None], int]:
    from werkzeug.serving import make_server

    app = create_app(platform=platform)
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.shutdown, server.server_port


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = {"start": [], "sign_in": []}
        self.codes: Counter[tuple[str, int]] = Counter()

    def add(self, kind: str, status: int, ms: float) -> None:
        with self.lock:
            self.codes[kind, status] += 1
            self.ms[kind].append(ms)


def starter(port: int, token: str, n: int, stop: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps(
        {
            "process_key": "tree_felling",
            "case": {"client_name": f"Klients {n}", "client_identifier": "40003521600"},
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/instances", body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        tally.add("start", reply.status, (time.perf_counter() - t0) * 1000)
    conn.close()


def signer(port: int, username: str, stop: float, tally: Tally) -> None:
    while time.monotonic() < stop:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        t0 = time.perf_counter()
        conn.request("GET", "/login")
        page = conn.getresponse()
        html = page.read().decode()
        cookie = (page.getheader("Set-Cookie") or "").split(";")[0]
        found = _CSRF.search(html)
        form = "&".join(
            f"{k}={v}"
            for k, v in {
                "username": username,
                "password": PASSWORD,
                "csrf_token": found.group(1) if found else "",
            }.items()
        )
        conn.request(
            "POST",
            "/login",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
            },
        )
        reply = conn.getresponse()
        reply.read()
        tally.add("sign_in", reply.status, (time.perf_counter() - t0) * 1000)
        conn.close()


def report(tally: Tally, seconds: float, success: dict[str, int]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for kind, ms in tally.ms.items():
        ok = tally.codes[kind, success[kind]]
        failed = {
            str(code): count
            for (k, code), count in sorted(tally.codes.items())
            if k == kind and code != success[kind]
        }
        figures[kind] = {
            "done": ok,
            "per_s": round(ok / seconds, 1),
            "p50_ms": round(pct(ms, 50), 1) if ms else None,
            "p95_ms": round(pct(ms, 95), 1) if ms else None,
            "errors": failed,
        }
        print(
            f"{kind:8} {ok:6d} done  {ok / seconds:7.1f}/s  "
            f"p50 {figures[kind]['p50_ms']} ms  p95 {figures[kind]['p95_ms']} ms  "
            f"not successful: {failed or 0}"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--starters", type=int, default=3)
    parser.add_argument("--signers", type=int, default=2)
    parser.add_argument("--deferred-writers", action="store_true")
    args = parser.parse_args()

    url, drop = make_database()
    settings = Settings.from_env().replace(env="test", database_url=url, broker_url="")
    platform = Platform(settings)
    try:
        token = prepare(platform, args.signers)
        if args.deferred_writers:
            platform.sessions = sessionmaker(bind=platform.db, expire_on_commit=False)
        shutdown, port = serve(platform)
        tally = Tally()
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=starter, args=(port, token, n, stop, tally))
            for n in range(args.starters)
        ] + [
            threading.Thread(target=signer, args=(port, f"darbinieks{n}", stop, tally))
            for n in range(args.signers)
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        shutdown()
        dialect = platform.db.dialect.name
        print(
            f"{dialect}, {args.starters} starting + {args.signers} signing in, "
            f"{elapsed:.1f} s{' (deferred writers)' if args.deferred_writers else ''}"
        )
        figures = report(tally, elapsed, {"start": 201, "sign_in": 302})
        print(
            json.dumps({"database": dialect, "seconds": round(elapsed, 1), **figures})
        )
    finally:
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
