# SPDX-License-Identifier: EUPL-1.2
"""The sign-in rate limit: after too many failed attempts for one username from one
address, further attempts are refused for a while without checking the password.

``MemoryLoginThrottle`` keeps the counts in this process, which is right for the
embedded mode (one process). Several web nodes need a shared store (Redis) behind the
same ``LoginThrottle`` protocol; until then each node counts on its own, so the limit
is per node.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class LoginThrottle(Protocol):
    def retry_after(self, username: str, address: str) -> float:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        ...

    def failed(self, username: str, address: str) -> None:
        """Count a failed attempt."""
        ...

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of this username and address."""
        ...


class MemoryLoginThrottle:
    """A sliding window of failure times per (username, address), thread-safe."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().casefold()[:200], address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, username: str, address: str) -> float:
        now = self.clock()
        with self._lock:
            times = self._recent(self._key(username, address), now)
            if times is None or len(times) < self.max_failures:
                return 0.0
            # allowed again when the oldest failure that still counts leaves the window
            return times[-self.max_failures] + self.window - now

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        key = self._key(username, address)
        with self._lock:
            if len(self._failures) >= self.max_keys:
                self._sweep(now)
            times = self._recent(key, now) or deque(maxlen=self.max_failures)
            times.append(now)
            self._failures[key] = times

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._key(username, address), None)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) >= self.max_keys:  # under attack: forget the oldest
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in oldest[: len(oldest) // 2]:
                del self._failures[key]
