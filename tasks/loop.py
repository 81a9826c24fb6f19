# SPDX-License-Identifier: EUPL-1.2
"""The embedded mode's scheduler: a daemon thread that sweeps for due timers."""

from __future__ import annotations

import logging
import threading

from pkip.platform import Platform
from tasks import jobs

log = logging.getLogger(__name__)


class TimerLoop:
    def __init__(self, platform: Platform, interval: float | None = None) -> None:
        self.platform = platform
        self.interval = interval or platform.settings.timer_interval
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
        while not self._stop.wait(self.interval):
            try:
                fired = jobs.fire_due_timers(self.platform)
                if fired:
                    log.info("fired timers of %d instance(s)", fired)
            except Exception:  # the loop must outlive one bad sweep
                log.exception("timer sweep failed")
