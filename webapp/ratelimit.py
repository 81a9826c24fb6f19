# SPDX-License-Identifier: EUPL-1.2
"""The sign-in rate limit: after too many failed attempts for one username from one
address, or from one address across usernames (password spraying), further
attempts are refused for a while without checking the password.

``MemoryLoginThrottle`` keeps the counts in this process, which is right for the
embedded mode (one process). Several web nodes need a shared store (Redis) behind the
same ``LoginThrottle`` protocol; until then each node counts on its own, so the limit
is per node.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Protocol

MAX_FAILURES = 5
"""Failures for one username from one address before it must wait."""
MAX_ADDRESS_FAILURES = 20
"""Failures from one address, whatever the usernames (password spraying: a few
guesses at each of many users), before that address must wait. Higher than
``MAX_FAILURES``: a whole office may sign in through one address."""
WINDOW_SECONDS = 15 * 60
UNKNOWN_ADDRESS = "?"


class LoginThrottle(Protocol):
    """``address`` is the client's (``webapp.security.client_address``), or None
    when it cannot be known (behind a trusted proxy that did not name it): such
    attempts count per username only, never against an address others share."""

    def retry_after(self, username: str, address: str | None) -> float:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        ...

    def failed(self, username: str, address: str | None) -> None:
        """Count a failed attempt."""
        ...

    def succeeded(self, username: str, address: str | None) -> None:
        """Forget the failures of this username and address (not the address's
        failures with other usernames: signing in to one's own account must not
        clear a spraying address)."""
        ...


class SlidingWindows:
    """Failure times per key in a sliding window, at most ``limit`` kept per key;
    thread-safe, and bounded in memory under attack (``max_keys``)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float],
        max_keys: int = 100_000,
    ) -> None:
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self.max_keys = max_keys
        self._failures: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: Hashable) -> float:
        now = self.clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None or len(times) < self.limit:
                return 0.0
            # allowed again when the oldest failure that still counts leaves the window
            return times[-self.limit] + self.window - now

    def add(self, key: Hashable) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= self.max_keys:
                self._sweep(now)
            times = self._recent(key, now) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[key] = times

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        return len(self._failures)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) >= self.max_keys:  # under attack: forget the oldest
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in oldest[: len(oldest) // 2]:
                del self._failures[key]


class MemoryLoginThrottle:
    """Two sliding windows: per (username, address) and per address."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.users = SlidingWindows(max_failures, window_seconds, clock, max_keys)
        self.addresses = SlidingWindows(
            max_address_failures, window_seconds, clock, max_keys
        )

    @staticmethod
    def _key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().casefold()[:200], address or UNKNOWN_ADDRESS)

    def retry_after(self, username: str, address: str | None) -> float:
        wait = self.users.retry_after(self._key(username, address))
        if address is not None:
            wait = max(wait, self.addresses.retry_after(address))
        return wait

    def failed(self, username: str, address: str | None) -> None:
        self.users.add(self._key(username, address))
        if address is not None:
            self.addresses.add(address)

    def succeeded(self, username: str, address: str | None) -> None:
        self.users.forget(self._key(username, address))
