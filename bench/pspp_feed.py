# SPDX-License-Identifier: EUPL-1.2
"""Case accounting benchmark: what the status history and its PSPP feed cost.

N dog-fee cases (start, review, payment) run through the
persistent engine, once with case accounting as it is and once with its hook made a
no-op, then their PSPP events are delivered in-process to the simulator (in order,
each held behind the one before). Prints the cost per case of recording, the
delivery rate and the order check; asserts nothing about time.

    .venv/bin/python bench/pspp_feed.py [--n 200]
    # on PostgreSQL: PKIP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/<db>
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from connectors.systems.pspp.operators import simulator  # noqa: E402
from core.settings import Settings  # noqa: E402
from domain import accounting, cases  # noqa: E402
from domain.cases import services as case_services  # noqa: E402
from domain.models import Municipality  # noqa: E402
from engine.models import UserTask  # noqa: E402
from pkip.platform import Platform  # noqa: E402
from tasks import outbox  # noqa: E402

MUNI = "BENCH"


def run_cases(platform: Platform, n: int) -> tuple[float, list[str]]:
    numbers: list[str] = []
    started = time.perf_counter()
    for _ in range(n):
        with platform.transaction() as s:
            case = cases.start_case(
                platform.engine(s),
                s,
                "dog_fee",
                municipality=MUNI,
                data={"is_pensioner": False, "has_disability": False},
                actor="bench",
                client=cases.Client("Jānis Bērziņš", "161175-19997"),
                channel=cases.E_SERVICE,
            )
            numbers.append(case.number)
            instance_id = case.instance_id
        with platform.transaction() as s:
            task = s.scalars(
                select(UserTask).where(
                    UserTask.instance_id == instance_id,
                    UserTask.state == UserTask.READY,
                )
            ).one()
            platform.engine(s).complete_task(task.id, {"approved": True}, actor="b")
        with platform.transaction() as s:
            platform.engine(s).correlate_message(
                "payment_received",
                municipality=MUNI,
                correlation={"case_number": case.number},
                payload={"case_number": case.number, "amount": 60, "reference": "R"},
            )
    return time.perf_counter() - started, numbers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    settings = Settings.from_env()
    tmp = tempfile.TemporaryDirectory()
    if not settings.database_url.startswith("postgresql"):
        settings = settings.replace(database_url=f"sqlite:///{tmp.name}/bench.db")
    platform = Platform(settings)
    platform.migrate()
    with platform.transaction() as s:
        if s.get(Municipality, MUNI) is None:
            s.add(Municipality(code=MUNI, name="Bench", atvk="0001000"))
    platform.deploy([ROOT / "processes" / "bpmn"])
    sim = simulator()
    sim.reset()

    real = case_services.accounting.record
    case_services.accounting.record = lambda *a, **k: []  # type: ignore[assignment]
    without, _ = run_cases(platform, args.n)
    case_services.accounting.record = real  # type: ignore[assignment]
    with_feed, numbers = run_cases(platform, args.n)

    started = time.perf_counter()
    delivered = 0
    while True:
        stats = outbox.deliver_due(platform, limit=100_000)
        delivered += stats.delivered
        if not stats:
            break
    sending = time.perf_counter() - started
    expected = ["registered", "in_progress", "waiting_for_client"]
    expected += ["decision_made", "completed"]
    in_order = all(
        [e["status"] for e in sim.case_events(n)] == expected for n in numbers
    )
    with platform.transaction() as s:
        events = sum(
            len(v) for v in accounting.services.reported_events(s, MUNI).values()
        )
    result: dict[str, Any] = {
        "db": platform.db.dialect.name,
        "cases": args.n,
        "ms_per_case_without_accounting": round(1000 * without / args.n, 2),
        "ms_per_case_with_accounting": round(1000 * with_feed / args.n, 2),
        "pspp_events": events,
        "delivered_messages": delivered,
        "deliveries_per_s": round(delivered / sending, 1),
        "every_case_in_order": in_order,
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    print(json.dumps(result))
    platform.dispose()


if __name__ == "__main__":
    main()
