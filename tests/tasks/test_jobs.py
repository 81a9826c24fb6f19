# SPDX-License-Identifier: EUPL-1.2
"""The periodic jobs that the beat schedule and the in-process loop run."""

from __future__ import annotations

from pkip.platform import Platform
from tasks import jobs
from tasks.celery_app import make_celery


def test_edelivery_poll_covers_every_municipality(committed: Platform) -> None:
    committed.seed_demo()
    assert jobs.poll_edelivery(committed) == 2  # DEPP and DIV of the demo municipality


def test_beat_schedule_runs_timers_outbox_and_edelivery(committed: Platform) -> None:
    app = make_celery(committed)
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks == {
        "pkip.fire_due_timers",
        "pkip.deliver_outbox",
        "pkip.poll_edelivery",
        "pkip.purge_personal_data",
        "pkip.sync_directories",
    }
    assert tasks <= set(app.tasks)
