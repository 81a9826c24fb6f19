# SPDX-License-Identifier: EUPL-1.2
"""Web benchmark: the inbox API under concurrent load.

Seeds 100,000 open tasks over 10 municipalities and 50 candidate groups straight into
the task index (``process_instances`` and ``user_tasks`` rows, bulk inserts through
SQLAlchemy core), and lets 10 concurrent clients call ``GET /api/v1/tasks?group=…``
with a bearer token on loopback, against two servers of the same app and database:

- the baseline: one threaded process (werkzeug, what ``make run`` starts), and
- production's: ``pkip serve`` with ``PKIP_WEB_WORKERS`` gunicorn processes
  (``--workers``, default: cores + 1).

Prints p50/p95 latency, requests/s and server CPU per request of both, and ends with
one JSON line (the figures of the production server, with the ratio of its p95 to
the baseline's). SQLite in a temporary directory, or PostgreSQL when
PKIP_DATABASE_URL is set (a fresh database is created and dropped). Asserts nothing
about time.

    .venv/bin/python bench/web.py [--tasks 100000] [--requests 1000] [--clients 10]
    PKIP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/web.py --explain
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from bench.cpu import machine_busy_seconds, tree_cpu_seconds  # noqa: E402
from core.settings import Settings  # noqa: E402
from domain.accounts import services as accounts  # noqa: E402
from domain.accounts.models import SUPERVISOR  # noqa: E402
from domain.models import Municipality  # noqa: E402
from engine.models import ProcessInstance, UserTask  # noqa: E402
from pkip.platform import Platform  # noqa: E402
from webapp import create_app  # noqa: E402

MUNICIPALITIES = [f"BENCH{i:02d}" for i in range(10)]
GROUPS = [f"nodala{i:02d}" for i in range(50)]
BATCH = 5000
SERIAL = 100
"""Requests of the single client that measures a request's own cost."""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def make_database() -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database (dropped by the returned callable) or SQLite."""
    base = os.environ.get("PKIP_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url = make_url(base)
        name = f"pkip_webbench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url.set(database=name).render_as_string(hide_password=False), drop
    tmp = tempfile.mkdtemp(prefix="pkip-webbench-")
    return f"sqlite:///{tmp}/bench.sqlite3", lambda: None


# -- seeding ---------------------------------------------------------------------------
def seed(platform: Platform, n_tasks: int) -> tuple[str, float]:
    """Municipalities, one deployed definition, ``n_tasks`` instances each with one
    ready user task; returns an API token of the first municipality and the time."""
    t0 = time.perf_counter()
    with platform.transaction() as s:
        for code in MUNICIPALITIES:
            s.add(Municipality(code=code, name=f"Pašvaldība {code}", atvk=None))
    [result] = platform.deploy([ROOT / "bench" / "reference.bpmn"], deployed_by="bench")
    definition_id = result.definition.id
    rng = random.Random(42)
    now = datetime.now(UTC)
    with platform.db.begin() as conn:
        for start in range(0, n_tasks, BATCH):
            instances, tasks = [], []
            for i in range(start, min(start + BATCH, n_tasks)):
                instance_id = uuid.uuid4().hex
                municipality = MUNICIPALITIES[i % len(MUNICIPALITIES)]
                created = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
                instances.append(
                    {
                        "id": instance_id,
                        "definition_id": definition_id,
                        "process_key": "reference",
                        "municipality": municipality,
                        "status": ProcessInstance.RUNNING,
                        "has_incident": False,
                        "state": "",
                        "state_bytes": 0,
                        "started_at": created,
                        "updated_at": created,
                        "version": 1,
                    }
                )
                tasks.append(
                    {
                        "id": str(uuid.uuid4()),
                        "instance_id": instance_id,
                        "municipality": municipality,
                        "process_key": "reference",
                        "element_id": "review",
                        "name": "Izskatīt iesniegumu",
                        "candidate_group": GROUPS[(i // len(MUNICIPALITIES)) % 50],
                        # one in five is claimed by someone
                        "assignee": f"lietotajs{rng.randrange(200)}"
                        if rng.random() < 0.2
                        else None,
                        "priority": rng.choice((25, 50, 50, 50, 75, 100)),
                        "form_key": None,
                        "due_at": now
                        + timedelta(hours=rng.randrange(-24 * 20, 24 * 40)),
                        "state": UserTask.READY,
                        "created_at": created,
                    }
                )
            conn.execute(insert(ProcessInstance.__table__), instances)
            conn.execute(insert(UserTask.__table__), tasks)
    with platform.transaction() as s:
        # a token never gets more than its creator: a supervisor sees every task
        accounts.create_user(
            s,
            username="bench",
            full_name="Bench Supervisor",
            municipality=MUNICIPALITIES[0],
            password=uuid.uuid4().hex,
            roles=[SUPERVISOR],
        )
        plaintext, _ = accounts.create_api_token(
            s,
            municipality=MUNICIPALITIES[0],
            name="bench",
            scopes=["tasks:read"],
            created_by="bench",
        )
    if platform.db.dialect.name == "postgresql":
        with platform.db.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return plaintext, time.perf_counter() - t0


# -- the server and the clients ------------------------------------------------------
class SqlClock:
    """Time spent executing SQL statements (driver and database), summed over
    every thread of the server."""

    def __init__(self, platform: Platform) -> None:
        from sqlalchemy import event

        self.lock = threading.Lock()
        self.total = 0.0
        self.count = 0
        event.listen(platform.db, "before_cursor_execute", self._before)
        event.listen(platform.db, "after_cursor_execute", self._after)

    def reset(self) -> None:
        with self.lock:
            self.total, self.count = 0.0, 0

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["pkip_bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop(
            "pkip_bench_t0", time.perf_counter()
        )
        with self.lock:
            self.total += elapsed
            self.count += 1


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real client and proxy would

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def serve_threaded(platform: Platform) -> tuple[Callable[[], None], int]:
    """The baseline: the app in this process, werkzeug's threaded server."""
    app = create_app(platform=platform)
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.shutdown, server.server_port


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_gunicorn(
    url: str, workers: int, threads: int
) -> tuple[subprocess.Popen[bytes], int]:
    """Production's server: ``pkip serve`` with gunicorn processes."""
    port = free_port()
    env = {
        **os.environ,
        "PKIP_ENV": "test",
        "PKIP_DATABASE_URL": url,
        "PKIP_PORT": str(port),
        "PKIP_WEB_WORKERS": str(workers),
        "PKIP_WEB_THREADS": str(threads),
        "PKIP_LOG_LEVEL": "WARNING",
    }
    pkip = str(Path(sys.executable).with_name("pkip"))
    proc = subprocess.Popen([pkip, "serve", "--no-jobs"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"pkip serve exited with {proc.returncode}") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("pkip serve did not start within 60 s")


def client_run(
    port: int, token: str, paths: list[str]
) -> tuple[list[float], list[str]]:
    """One client: its requests one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    for path in paths:
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - t0
        if response.status != 200:
            errors.append(f"{response.status} {body[:200]!r}")
            continue
        latencies.append(elapsed)
        if json.loads(body)["total"] <= 0:
            errors.append(f"empty answer for {path}")
    conn.close()
    return latencies, errors


def measure(
    pool: Any, port: int, token: str, n_requests: int, n_clients: int, seed_: int = 7
) -> tuple[list[float], list[str], float]:
    """``n_requests`` spread over ``n_clients`` concurrent clients, each a process of
    its own (so the clients do not compete with the server for its interpreter)."""
    rng = random.Random(seed_)
    paths = [
        f"/api/v1/tasks?group={rng.choice(GROUPS)}&page_size=25"
        for _ in range(n_requests)
    ]
    jobs = [(port, token, paths[i::n_clients]) for i in range(n_clients)]
    t0 = time.perf_counter()
    results = pool.starmap(client_run, jobs)
    wall = time.perf_counter() - t0
    latencies = [x for lat, _ in results for x in lat]
    errors = [e for _, errs in results for e in errs]
    return latencies, errors, wall


def explain(platform: Platform) -> None:
    """EXPLAIN ANALYZE of every query one inbox call makes (for one group)."""
    from sqlalchemy import event

    from core.calendar import WorkingCalendar
    from domain import inbox

    viewer = inbox.Viewer("token:1", MUNICIPALITIES[0], supervisor=True)
    flt = inbox.InboxFilter(status=inbox.ALL, group=GROUPS[7])
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        captured.append((statement, params))

    event.listen(platform.db, "before_cursor_execute", capture)
    try:
        with platform.sessions() as s:
            now = datetime.now(UTC)
            inbox.inbox(s, viewer, flt, now=now, calendar=WorkingCalendar())
    finally:
        event.remove(platform.db, "before_cursor_execute", capture)
    postgres = platform.db.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    with platform.db.connect() as conn:
        for statement, params in captured:
            print("-" * 72)
            print(" ".join(statement.split())[:600])
            for row in conn.exec_driver_sql(prefix + statement, params):
                print("   ", " | ".join(str(c) for c in row))


def run_clients(
    pool: Any,
    port: int,
    token: str,
    args: argparse.Namespace,
    cpu: Callable[[], float],
    sql: SqlClock | None = None,
) -> dict[str, Any]:
    """Warm up, measure one client alone (a request's own cost), then the
    concurrent clients."""
    _, warm_errors, _ = measure(pool, port, token, 10 * args.clients, args.clients, 1)
    if sql is not None:
        sql.reset()
    cpu0 = cpu()
    alone, _, _ = measure(pool, port, token, SERIAL, 1, 3)
    result: dict[str, Any] = {
        "alone_p50": pct(alone, 50) * 1000,
        "cpu_ms": (cpu() - cpu0) * 1000 / SERIAL,
    }
    if sql is not None:
        result.update(sql_ms=sql.total * 1000 / SERIAL, sql_n=sql.count / SERIAL)
    cpu0, machine0 = cpu(), machine_busy_seconds()
    latencies, errors, wall = measure(pool, port, token, args.requests, args.clients)
    machine_ms = (machine_busy_seconds() - machine0) * 1000 / max(1, len(latencies))
    result.update(
        n=len(latencies),
        p50=pct(latencies, 50) * 1000,
        p95=pct(latencies, 95) * 1000,
        mean=statistics.mean(latencies) * 1000,
        max=max(latencies) * 1000,
        rps=len(latencies) / wall,
        busy_cpu_ms=(cpu() - cpu0) * 1000 / max(1, len(latencies)),
        machine_ms=machine_ms,
        errors=errors + warm_errors,
    )
    return result


def report(title: str, r: dict[str, Any]) -> None:
    print(f"  {title}")
    print(
        f"    p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
        f"mean {r['mean']:6.1f} ms   max {r['max']:6.1f} ms   "
        f"{r['rps']:6.1f} requests/s"
    )
    print(
        f"    CPU per request: server {r['busy_cpu_ms']:.1f} ms, the whole machine "
        f"(server, PostgreSQL, clients) {r['machine_ms']:.1f} ms"
    )
    line = (
        f"    one client alone: p50 {r['alone_p50']:.1f} ms, "
        f"server CPU {r['cpu_ms']:.1f} ms/request"
    )
    if "sql_ms" in r:
        line += f", {r['sql_ms']:.1f} ms of it in {r['sql_n']:.0f} SQL statements"
    print(line)
    if r["errors"]:
        print(f"    failed requests: {len(r['errors'])}, e.g. {r['errors'][0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) + 1,
        help="gunicorn processes of the production server",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--explain", action="store_true", help="print the inbox's query plans"
    )
    args = parser.parse_args()

    url, drop = make_database()
    db_kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    try:
        settings = Settings.from_env({}).replace(env="test", database_url=url)
        platform = Platform(settings)
        platform.migrate()
        token, seed_s = seed(platform, args.tasks)
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.clients) as pool:
            stop, port = serve_threaded(platform)
            try:
                base = run_clients(
                    pool, port, token, args, time.process_time, SqlClock(platform)
                )
            finally:
                stop()
            proc, port = serve_gunicorn(url, args.workers, args.threads)
            try:
                prod = run_clients(
                    pool, port, token, args, lambda: tree_cpu_seconds(proc.pid)
                )
            finally:
                proc.terminate()
                proc.wait(30)
        if args.explain:
            explain(platform)
        platform.dispose()
    finally:
        drop()

    print(
        f"inbox API on {db_kind}: {args.tasks} open tasks, "
        f"{len(MUNICIPALITIES)} municipalities, {len(GROUPS)} groups "
        f"(seeded in {seed_s:.1f} s); GET /api/v1/tasks?group=… x {args.requests}, "
        f"{args.clients} concurrent clients, bearer token, keep-alive "
        "(werkzeug closes every connection; gunicorn keeps them)"
    )
    report("baseline: one threaded process (werkzeug, as `make run`)", base)
    report(
        f"production: pkip serve, gunicorn {args.workers} processes x "
        f"{args.threads} threads",
        prod,
    )
    print(f"  p95 production / baseline: {prod['p95'] / base['p95']:.2f}")
    print(
        json.dumps(
            {
                "tasks": args.tasks,
                "inbox_p50_ms": round(prod["p50"], 1),
                "inbox_p95_ms": round(prod["p95"], 1),
                "baseline_p95_ms": round(base["p95"], 1),
                "ratio_p95": round(prod["p95"] / base["p95"], 3),
                "workers": args.workers,
            }
        )
    )


if __name__ == "__main__":
    main()
