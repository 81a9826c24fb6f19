# SPDX-License-Identifier: EUPL-1.2
"""The embedded mode's scheduler: a daemon thread that fires due timers, delivers
the outbox, polls the e-delivery inboxes, syncs the LDAP directories, signs audit
checkpoints and, daily,
applies the retention rule."""

from __future__ import annotations

import logging
import threading
import time

from pkip.platform import Platform
from tasks import audit, directory, jobs, outbox, privacy

log = logging.getLogger(__name__)


class TimerLoop:
    def __init__(self, platform: Platform, interval: float | None = None) -> None:
        self.platform = platform
        self.interval = interval or min(
            platform.settings.timer_interval, platform.settings.outbox_interval
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="pkip-timers", daemon=True
        )

    def start(self) -> TimerLoop:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        next_poll = 0.0
        next_directory = time.monotonic() + 30  # not in the way of starting up
        next_purge = time.monotonic() + 60  # not in the way of starting up
        next_checkpoint = time.monotonic() + 60
        while not self._stop.wait(self.interval):
            if time.monotonic() >= next_checkpoint:
                interval = self.platform.settings.audit_checkpoint_interval
                next_checkpoint = time.monotonic() + interval
                try:
                    audit.checkpoint_audit(self.platform)
                except Exception:  # tried again at the next interval
                    log.exception("audit checkpoint failed")
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + privacy.PURGE_INTERVAL
                try:
                    privacy.purge_personal_data(self.platform)
                except Exception:  # retried tomorrow; the loop goes on
                    log.exception("retention purge failed")
            if time.monotonic() >= next_directory:
                next_directory = time.monotonic() + directory.sync_interval()
                try:
                    directory.sync_directories(self.platform)
                except Exception:  # a directory being down must not stop the loop
                    log.exception("directory sync failed")
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + self.platform.settings.edelivery_interval
                try:
                    jobs.poll_edelivery(self.platform)
                except Exception:  # a state system being down must not stop the loop
                    log.exception("e-delivery poll failed")
            try:
                fired = jobs.fire_due_timers(self.platform)
                if fired:
                    log.info("fired timers of %d instance(s)", fired)
                stats = outbox.deliver_due(self.platform)
                if stats.delivered or stats.failed:
                    log.info("outbox: %s", stats)
            except Exception:  # the loop must outlive one bad sweep
                log.exception("background sweep failed")
