# SPDX-License-Identifier: EUPL-1.2
"""Connector benchmark: outbox deliveries to the DEPP simulator and registry look-ups.

1. N cases each send a decision to an e-address: the outbox is filled in the cases'
   own transactions, then delivered to the DEPP simulator (SOAP through zeep)
   - in-process (the embedded mode: this process sends, batch by batch), and
   - when PKIP_BROKER_URL is set, by a real Celery worker (``pkip worker``, 2
     processes by default) over that broker, with the simulator served on a loopback
     HTTP/1.1 socket (cheroot, keep-alive, as the state's services) in this process
     so that it counts what arrives; CPU per delivery of the workers, the simulator
     and the whole machine is printed too;
   deliveries/s is the send rate; the cases continue in a second step (reported).
2. p50/p95 of a synchronous registry look-up (pmlp.person through zeep against the
   VISS simulator), with a plain in-memory dict look-up as the same-run baseline.

Prints figures and ends with one JSON line; asserts nothing about time.

    .venv/bin/python bench/connectors.py [--n 2000] [--lookups 500]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cheroot import wsgi  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.cpu import machine_busy_seconds, tree_cpu_seconds  # noqa: E402
from connectors.systems.depp.fixtures import demo_pdf  # noqa: E402
from connectors.systems.depp.simulator import default_simulator  # noqa: E402
from core.contracts import CallContext  # noqa: E402
from core.settings import Settings  # noqa: E402
from engine.models import DELIVERED, OutboxMessage, ProcessInstance  # noqa: E402
from pkip.platform import Platform  # noqa: E402
from tasks import outbox  # noqa: E402
from tasks.celery_app import make_celery  # noqa: E402

BENCH = Path(__file__).resolve().parent
MUNI = "RIGA"
RECIPIENTS = ["_PRIVATE@161175-19997", "_DEFAULT@40003521600"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def make_database() -> tuple[str, Any]:
    base = os.environ.get("PKIP_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url = make_url(base)
        name = f"pkip_bench_{uuid.uuid4().hex[:8]}"
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
    tmp = tempfile.mkdtemp(prefix="pkip-bench-")
    return f"sqlite:///{tmp}/bench.sqlite3", lambda: None


def fill_outbox(platform: Platform, n: int, tag: str) -> float:
    """Start n cases that each wait in the outbox; returns the time it took."""
    pdf = base64.b64encode(demo_pdf("Lēmums")).decode()
    started = time.perf_counter()
    for i in range(n):
        with platform.transaction() as s:
            platform.engine(s).start(
                "bench_send_decision",
                municipality=MUNI,
                data={
                    "recipient": RECIPIENTS[i % 2],
                    "title": f"Lēmums {tag}-{i}",
                    "attachments": [
                        {
                            "name": "lemums.pdf",
                            "mime": "application/pdf",
                            "content_base64": pdf,
                        }
                    ],
                },
            )
    return time.perf_counter() - started


def delivered(platform: Platform) -> int:
    with platform.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == DELIVERED)
            )
            or 0
        )


def completed(platform: Platform) -> int:
    with platform.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(ProcessInstance)
                .where(ProcessInstance.status == "completed")
            )
            or 0
        )


def bench_in_process(platform: Platform, n: int) -> tuple[float, float, int]:
    fill_outbox(platform, n, "in")
    sim = default_simulator()
    before = sim.received_total
    t0 = time.perf_counter()
    while outbox.send_batch(platform, 100):
        pass
    send_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    outbox.confirm_delivered(platform, limit=n)
    confirm_s = time.perf_counter() - t1
    dups = sim.received_total - before - n
    return n / send_s, n / confirm_s, dups


def bench_worker(
    platform: Platform, n: int, broker: str, concurrency: int
) -> tuple[float, int]:
    """A worker (``pkip worker``, ``concurrency`` processes) delivers to the
    simulator served on a loopback socket."""
    sim = default_simulator()
    # cheroot: a threaded HTTP/1.1 server with keep-alive (werkzeug's closes every
    # connection), in this process so that the simulator counts what arrives
    server = wsgi.Server(("127.0.0.1", 0), sim, numthreads=8)
    server.prepare()
    port = server.bind_addr[1]
    threading.Thread(target=server.serve, daemon=True).start()
    fill_outbox(platform, 20, "warm-up")  # each worker's first task sets up its client
    already = delivered(platform)
    env = {
        **os.environ,
        "PKIP_DATABASE_URL": platform.settings.database_url,
        "PKIP_BROKER_URL": broker,
        "PKIP_ENV": "test",
        "PKIP_DEPP_MODE": "live",
        "PKIP_DEPP_URL": f"http://127.0.0.1:{port}",
        "PKIP_DEPP__RIGA_EADDRESS": "_DEFAULT@90011524360",
    }
    pkip = str(Path(sys.executable).with_name("pkip"))
    workers = [
        subprocess.Popen(
            [pkip, "worker", "--concurrency", str(concurrency), "--no-beat"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    client = make_celery(platform)
    try:
        for _ in range(concurrency):
            client.send_task(
                "pkip.send_outbox_batch", kwargs={"size": 20 // concurrency}
            )
        deadline = time.monotonic() + 60
        while delivered(platform) < already + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        already = delivered(platform)
        before = sim.received_total
        fill_outbox(platform, n, "worker")
        own0, machine0 = time.process_time(), machine_busy_seconds()
        workers0 = sum(tree_cpu_seconds(w.pid) for w in workers)
        t0 = time.perf_counter()
        for _ in range(n // 100 + 4):
            client.send_task("pkip.send_outbox_batch", kwargs={"size": 100})
        deadline = time.monotonic() + 600
        while delivered(platform) - already < n and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        own_ms = (time.process_time() - own0) * 1000
        machine_ms = (machine_busy_seconds() - machine0) * 1000
        workers_ms = (sum(tree_cpu_seconds(w.pid) for w in workers) - workers0) * 1000
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)
        server.stop()
    done = delivered(platform) - already
    print(
        f"  CPU per delivery: workers {workers_ms / max(1, done):.2f} ms, "
        f"this process (simulator) {own_ms / max(1, done):.2f} ms, "
        f"the whole machine {machine_ms / max(1, done):.2f} ms"
    )
    return done / elapsed, sim.received_total - before - done


def bench_lookups(platform: Platform, k: int) -> tuple[list[float], list[float]]:
    codes = ["161175-19997", "010180-10000", "150390-12343", "220785-11116"]
    ctx = CallContext(municipality=MUNI)
    zeep_lat: list[float] = []
    for i in range(k):
        t0 = time.perf_counter()
        platform.connectors.call("pmlp.person", {"personal_code": codes[i % 4]}, ctx)
        zeep_lat.append(time.perf_counter() - t0)
    table = {c: {"name": "x"} for c in codes}
    dict_lat = []
    for i in range(k):
        t0 = time.perf_counter()
        json.loads(json.dumps(table[codes[i % 4]]))
        dict_lat.append(time.perf_counter() - t0)
    return zeep_lat, dict_lat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="messages per run")
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (pkip worker)"
    )
    args = parser.parse_args()
    broker = os.environ.get("PKIP_BROKER_URL", "")
    url, drop = make_database()
    try:
        platform = Platform(
            Settings.from_env({}).replace(
                env="test", database_url=url, broker_url=broker
            )
        )
        platform.migrate()
        platform.deploy([BENCH / "edelivery_send.bpmn"], deployed_by="bench")
        db_kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        bench_in_process(platform, 50)  # warm-up
        per_s, confirm_per_s, dups = bench_in_process(platform, args.n)
        worker_per_s, worker_dups = (None, 0)
        if broker:
            worker_per_s, worker_dups = bench_worker(
                platform, args.n, broker, args.concurrency
            )
        zeep_lat, dict_lat = bench_lookups(platform, args.lookups)
        platform.dispose()
    finally:
        drop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"outbox -> DEPP simulator, {args.n} messages with a PDF ({db_kind})")
    print(f"  in-process send    : {per_s:8.1f} deliveries/s (batches of 100)")
    print(f"  cases continued    : {confirm_per_s:8.1f} /s (second step)")
    if worker_per_s is not None:
        print(
            f"  Celery worker ({args.concurrency} processes): {worker_per_s:8.1f} "
            f"deliveries/s over {broker}"
        )
    print(f"  duplicates at the receiver: {dups + worker_dups}")
    z50, z95 = pct(zeep_lat, 50) * 1000, pct(zeep_lat, 95) * 1000
    d95 = pct(dict_lat, 95) * 1000
    print(f"pmlp.person via zeep x {args.lookups}: p50 {z50:.2f} ms  p95 {z95:.2f} ms")
    print(f"  baseline dict look-up p95 {d95:.4f} ms; ratio p95 {z95 / d95:.0f}x")
    print(f"peak RSS: {rss_mb:.0f} MB")
    print(
        json.dumps(
            {
                "outbox_per_s": round(per_s, 1),
                "outbox_worker_per_s": (
                    round(worker_per_s, 1) if worker_per_s is not None else None
                ),
                "lookup_p95_ms": round(z95, 2),
                "duplicates": dups + worker_dups,
            }
        )
    )


if __name__ == "__main__":
    main()
