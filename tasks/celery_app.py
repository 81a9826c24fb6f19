# SPDX-License-Identifier: EUPL-1.2
"""The Celery app, made from the same Platform as the web app.

Without ``PKIP_BROKER_URL`` tasks run eagerly in the calling process (the embedded
mode); with it, ``pkip worker`` runs a worker with the beat schedule embedded.
"""

from __future__ import annotations

from celery import Celery

from pkip.platform import Platform
from tasks import audit, directory, jobs, outbox, privacy

TASK_TIME_LIMIT = 300


def make_celery(platform: Platform) -> Celery:
    settings = platform.settings
    app = Celery("pkip", set_as_current=False)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        task_always_eager=not settings.broker_url,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=TASK_TIME_LIMIT,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            "fire-due-timers": {
                "task": "pkip.fire_due_timers",
                "schedule": settings.timer_interval,
            },
            "deliver-outbox": {
                "task": "pkip.deliver_outbox",
                "schedule": settings.outbox_interval,
            },
            "poll-edelivery": {
                "task": "pkip.poll_edelivery",
                "schedule": settings.edelivery_interval,
            },
            "audit-checkpoint": {
                "task": "pkip.audit_checkpoint",
                "schedule": settings.audit_checkpoint_interval,
            },
            "purge-personal-data": {
                "task": "pkip.purge_personal_data",
                "schedule": privacy.PURGE_INTERVAL,
            },
            "sync-directories": {
                "task": "pkip.sync_directories",
                "schedule": directory.sync_interval(),
            },
        },
    )
    app.conf.pkip_platform = platform

    @app.task(
        name="pkip.fire_due_timers",
        shared=False,
        acks_late=True,
        time_limit=TASK_TIME_LIMIT,
    )
    def fire_due_timers() -> int:
        return jobs.fire_due_timers(platform)

    @app.task(
        name="pkip.fire_instance_timers", shared=False, acks_late=True, time_limit=60
    )
    def fire_instance_timers(instance_id: str) -> bool:
        return jobs.fire_instance_timers(platform, instance_id)

    @app.task(
        name="pkip.deliver_outbox",
        shared=False,
        acks_late=True,
        time_limit=TASK_TIME_LIMIT,
    )
    def deliver_outbox() -> int:
        return outbox.deliver_due(platform).delivered

    @app.task(
        name="pkip.send_outbox_batch", shared=False, acks_late=True, time_limit=120
    )
    def send_outbox_batch(size: int = outbox.BATCH) -> int:
        return outbox.send_batch(platform, size)

    @app.task(
        name="pkip.audit_checkpoint", shared=False, acks_late=True, time_limit=120
    )
    def audit_checkpoint() -> int:
        return audit.checkpoint_audit(platform)

    @app.task(name="pkip.poll_edelivery", shared=False, acks_late=True, time_limit=600)
    def poll_edelivery() -> int:
        return jobs.poll_edelivery(platform)

    @app.task(
        name="pkip.purge_personal_data",
        shared=False,
        acks_late=True,
        time_limit=TASK_TIME_LIMIT,
    )
    def purge_personal_data() -> int:
        return privacy.purge_personal_data(platform)

    @app.task(
        name="pkip.sync_directories",
        shared=False,
        acks_late=True,
        time_limit=TASK_TIME_LIMIT,
    )
    def sync_directories() -> int:
        return directory.sync_directories(platform)

    return app
