# SPDX-License-Identifier: EUPL-1.2
"""Timers through Celery: eagerly in the embedded mode, and through a real worker on
a real broker when PKIP_BROKER_URL is set (CI runs it on Redis)."""

from __future__ import annotations

import os
import time

import pytest

from engine.clock import ManualClock
from engine.deploy import read_files
from pkip.platform import Platform
from tasks.celery_app import make_celery
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine.factories import dog_fee_start, ready_tasks


def _start_waiting_instances(platform: Platform, n: int) -> list[str]:
    with platform.transaction() as s:
        platform.deployer(s).deploy(read_files([PROCESS_DIR]))
        return [
            platform.engine(s)
            .start("dog_fee", municipality=MUNI, data=dog_fee_start(f"W-{i}"))
            .id
            for i in range(n)
        ]


def _escalated(platform: Platform, ids: list[str]) -> bool:
    with platform.transaction() as s:
        return all(
            [t.element_id for t in ready_tasks(s, i)] == ["review_overdue"] for i in ids
        )


def test_eager_mode_runs_the_timer_task_in_process(
    committed: Platform, clock: ManualClock
) -> None:
    platform = Platform(committed.settings.replace(broker_url=""), clock=clock)
    app = make_celery(platform)
    assert app.conf.task_always_eager
    ids = _start_waiting_instances(platform, 2)
    clock.advance(days=11)
    assert app.tasks["pkip.fire_due_timers"].delay().get() == 2
    assert _escalated(platform, ids)
    platform.dispose()


@pytest.mark.worker
@pytest.mark.skipif(
    not os.environ.get("PKIP_BROKER_URL"), reason="needs PKIP_BROKER_URL (CI: Redis)"
)
def test_real_worker_fires_due_timers(committed: Platform, clock: ManualClock) -> None:
    from celery.contrib.testing.worker import start_worker

    app = make_celery(committed)
    assert not app.conf.task_always_eager
    ids = _start_waiting_instances(committed, 3)
    clock.advance(days=11)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.tasks["pkip.fire_due_timers"].delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _escalated(committed, ids):
            time.sleep(0.2)
    assert _escalated(committed, ids)
