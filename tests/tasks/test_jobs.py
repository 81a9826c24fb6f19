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
        "pkip.audit_checkpoint",
    }
    assert tasks <= set(app.tasks)


def test_the_checkpoint_job_signs_moved_chains_once(
    committed: Platform, tmp_path: object
) -> None:
    from pathlib import Path

    from domain.audit import checkpoints
    from domain.audit.chain import Event, append
    from tasks import audit

    committed.audit_export_dir = Path(str(tmp_path))
    with committed.transaction() as session:
        append(session, Event(action="t", actor="x", municipality="RIGA"))
    assert audit.checkpoint_audit(committed) == 1
    assert audit.checkpoint_audit(committed) == 0  # nothing moved
    good, bad = checkpoints.read(committed.audit_export_dir, committed.audit_key)
    assert [(p["municipality"], p["seq"]) for p in good] == [("RIGA", 1)] and not bad
