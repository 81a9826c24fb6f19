# SPDX-License-Identifier: EUPL-1.2
"""Engine benchmark: the persistent engine against raw SpiffWorkflow in memory.

Runs the reference process (start -> user task -> script -> exclusive gateway ->
service task or script -> end) N times through the persistent engine (SQLite in a
temporary file, or PostgreSQL when PKIP_DATABASE_URL is set: a fresh database is made
and dropped), and in the same run the same diagram in raw SpiffWorkflow, serialized
and deserialized at the wait state. Prints figures and a ratio; asserts nothing.

    .venv/bin/python bench/engine.py [--n 300] [--loop 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from connectors.systems import default_registry  # noqa: E402
from core.contracts import CallContext  # noqa: E402
from core.settings import Settings  # noqa: E402
from engine.models import ProcessInstance, UserTask  # noqa: E402
from pkip.platform import Platform  # noqa: E402

BENCH = Path(__file__).resolve().parent
REFERENCE = BENCH / "reference.bpmn"
LOOP = ROOT / "tests" / "engine" / "bpmn" / "loop.bpmn"
OWNERS = ["161175-19997", "010101-10006", "328673-00679"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def start_data(i: int) -> dict[str, object]:
    # every other case goes through the service task, the rest through the script
    return {"amount": 80 if i % 2 else 20, "owner": OWNERS[i % len(OWNERS)]}


class _RawEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__()
        # The same ldc.dogs operator the platform calls (zeep against the in-process
        # VISS simulator), so both sides pay the same for the look-up.
        self.registry = default_registry()

    def call_service(self, task, operation_name, operation_params):  # type: ignore[no-untyped-def]
        params = {k: v["value"] for k, v in operation_params.items()}
        return json.dumps(self.registry.call(operation_name, params, CallContext()))


def run_raw(n: int) -> tuple[float, list[float], int]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(REFERENCE))
    spec, subs = parser.get_spec("reference"), parser.get_subprocess_specs("reference")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    script_engine = _RawEngine()
    latencies, sizes = [], []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        wf = BpmnWorkflow(spec, subs, script_engine=script_engine)
        wf.task_tree.data.update(start_data(i))
        wf.do_engine_steps()
        dump = serializer.serialize_json(wf)  # the wait state, as one would store it
        sizes.append(len(dump))
        wf = serializer.deserialize_json(dump)
        wf.script_engine = script_engine
        task = wf.get_next_task(state=TaskState.READY, manual=True)
        task.set_data(decision="ok")
        task.run()
        wf.do_engine_steps()
        assert wf.is_completed()
        sizes[-1] = max(sizes[-1], len(serializer.serialize_json(wf)))
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started, latencies, int(statistics.mean(sizes))


def run_persisted(platform: Platform, n: int) -> tuple[float, list[float], int]:
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        with platform.transaction() as s:
            inst_id = (
                platform.engine(s)
                .start("reference", municipality="BENCH", data=start_data(i))
                .id
            )
        with platform.transaction() as s:
            task_id = s.scalars(
                select(UserTask.id).where(
                    UserTask.instance_id == inst_id, UserTask.state == "ready"
                )
            ).one()
            inst = platform.engine(s).complete_task(
                task_id, {"decision": "ok"}, actor="bench"
            )
            assert inst.status == "completed", inst.status
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    with platform.transaction() as s:
        avg = s.scalar(
            select(func.avg(ProcessInstance.state_bytes)).where(
                ProcessInstance.process_key == "reference"
            )
        )
    return elapsed, latencies, int(avg or 0)


def run_loop(platform: Platform, passes: int) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    with platform.transaction() as s:
        inst = platform.engine(s).start(
            "gateway_loop", municipality="BENCH", data={"passes": passes}
        )
        status, size = inst.status, inst.state_bytes
    return time.perf_counter() - t0, size, status


def make_database() -> tuple[str, callable]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="instances per engine")
    parser.add_argument(
        "--loop", type=int, default=1000, help="passes of the gateway loop"
    )
    args = parser.parse_args()

    url, drop = make_database()
    try:
        platform = Platform(Settings.from_env({}).replace(env="test", database_url=url))
        platform.migrate()
        platform.deploy([REFERENCE, LOOP], deployed_by="bench")
        db_kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"

        run_persisted(platform, 10)  # warm-up: spec cache, connection pool
        run_raw(10)
        p_time, p_lat, p_bytes = run_persisted(platform, args.n)
        r_time, r_lat, r_bytes = run_raw(args.n)
        loop_s, loop_bytes, loop_status = run_loop(platform, args.loop)
        platform.dispose()
    finally:
        drop()

    persisted_per_s = args.n / p_time
    raw_per_s = args.n / r_time
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"reference process x {args.n} ({db_kind})")
    print(
        f"  persisted engine : {persisted_per_s:8.1f} instances/s"
        f"   p50 {pct(p_lat, 50) * 1000:6.1f} ms"
        f"   p95 {pct(p_lat, 95) * 1000:6.1f} ms"
        "   (2 transactions each)"
    )
    print(
        f"  raw SpiffWorkflow: {raw_per_s:8.1f} instances/s"
        f"   p50 {pct(r_lat, 50) * 1000:6.1f} ms"
        f"   p95 {pct(r_lat, 95) * 1000:6.1f} ms"
        "   (in memory, one dump+load)"
    )
    print(f"  ratio persisted/raw: {persisted_per_s / raw_per_s:.3f}")
    print(
        f"  stored state per instance: {p_bytes} bytes"
        f" (raw dump with specs: {r_bytes} bytes)"
    )
    print(
        f"gateway loop x {args.loop}: {loop_s:.2f} s,"
        f" state {loop_bytes} bytes, status {loop_status}"
    )
    print(f"peak RSS: {rss_mb:.0f} MB")
    print(
        json.dumps(
            {
                "persisted_per_s": round(persisted_per_s, 1),
                "raw_per_s": round(raw_per_s, 1),
                "ratio": round(persisted_per_s / raw_per_s, 3),
                "bytes_per_instance": p_bytes,
                "loop1000_s": round(loop_s, 2),
                "loop1000_bytes": loop_bytes,
            }
        )
    )


if __name__ == "__main__":
    main()
