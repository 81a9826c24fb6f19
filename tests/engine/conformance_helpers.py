# SPDX-License-Identifier: EUPL-1.2
"""Running a conformance diagram both ways: `pkip bpmn run` and the engine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.deploy import read_files
from engine.models import HistoryEvent, ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from webapp.cli import main

CONFORMANCE = Path(__file__).resolve().parent / "bpmn" / "conformance"
MUNI = "RIGA"
# History kinds that mean "this flow node completed" (engine/sync.py).
_DONE_KINDS = {
    "task_completed",
    "service_called",
    "timer_fired",
    "message_received",
    "end_event",
    "step_completed",
}


def cli_run(name: str, *args: str) -> tuple[int, dict[str, Any]]:
    """`pkip bpmn run` on a conformance diagram: exit code and its JSON."""
    result = CliRunner().invoke(
        main, ["bpmn", "run", str(CONFORMANCE / name), *args], catch_exceptions=False
    )
    assert result.stdout.strip(), f"no JSON printed; stderr: {result.stderr}"
    return result.exit_code, json.loads(result.stdout)


def deploy(session: Session, platform: Platform, name: str) -> list[str]:
    results = platform.deployer(session).deploy(
        read_files([CONFORMANCE / name]), deployed_by="tests"
    )
    return [r.definition.key for r in results]


def completed(session: Session, instance_id: str) -> list[str]:
    """Element ids of the flow nodes that completed, in order, from the history."""
    rows = session.scalars(
        select(HistoryEvent)
        .where(HistoryEvent.instance_id == instance_id)
        .order_by(HistoryEvent.id)
    )
    return [r.element_id for r in rows if r.kind in _DONE_KINDS and r.element_id]


def fire_until_idle(
    engine: ProcessEngine,
    clock: ManualClock,
    instance: ProcessInstance,
    limit: int = 50,
) -> None:
    """Move the clock to each next timer of ``instance`` and fire it, until none."""
    for _ in range(limit):
        if instance.status != ProcessInstance.RUNNING or instance.next_timer_at is None:
            return
        clock.now = instance.next_timer_at + timedelta(seconds=1)
        engine.fire_timers(instance.id)
        engine.session.flush()


def instances_of(session: Session, key: str) -> list[ProcessInstance]:
    return list(
        session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.process_key == key)
            .order_by(ProcessInstance.started_at, ProcessInstance.id)
        )
    )


def before(order: list[str], *ids: str) -> bool:
    """Whether ``ids`` appear in ``order`` in this order (first occurrences)."""
    positions = [order.index(i) for i in ids]
    return positions == sorted(positions)
