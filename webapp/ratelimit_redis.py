# SPDX-License-Identifier: EUPL-1.2
"""The sign-in limits shared by every web process: the same two sliding windows as
``MemoryLoginThrottle`` (per username and address, per address), kept in Redis.

Production runs several gunicorn processes (and maybe several nodes); a limit
counted in each process alone would give an attacker that many times the
attempts. ``create_app`` uses this throttle when ``PKIP_BROKER_URL`` is a Redis
URL. Each window is a sorted set of failure times under ``pkip:login:…`` that
expires with the window. Redis unreachable must not stop people signing in: the
throttle then counts in this process (``MemoryLoginThrottle``) until Redis
answers again, and says so in the log once.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from webapp.ratelimit import (
    MAX_ADDRESS_FAILURES,
    MAX_FAILURES,
    UNKNOWN_ADDRESS,
    WINDOW_SECONDS,
    MemoryLoginThrottle,
)

log = logging.getLogger(__name__)
PREFIX = "pkip:login:"
REDIS_PAUSE_SECONDS = 30.0
"""After Redis failed, count in memory this long before asking it again."""


class RedisLoginThrottle:
    """``LoginThrottle`` over Redis; falls back to memory when Redis fails."""

    def __init__(
        self,
        client: Any,
        *,
        max_failures: int = MAX_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.limits = {"u": max_failures, "a": max_address_failures}
        self.window, self.clock = window_seconds, clock
        self.fallback = MemoryLoginThrottle(
            max_failures=max_failures,
            window_seconds=window_seconds,
            max_address_failures=max_address_failures,
        )
        self._warned = False
        self._down_until = 0.0

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisLoginThrottle:
        # one short try: a sign-in must not wait through redis-py's retries
        client = redis.Redis.from_url(
            url,
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, **kwargs)

    @staticmethod
    def _user_key(username: str, address: str | None) -> str:
        # hashed: no usernames or addresses readable in Redis
        name = username.strip().casefold()[:200]
        raw = f"{name}\0{address or UNKNOWN_ADDRESS}".encode()
        return PREFIX + "u:" + hashlib.sha256(raw).hexdigest()

    @staticmethod
    def _address_key(address: str) -> str:
        return PREFIX + "a:" + hashlib.sha256(address.encode()).hexdigest()

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(self._user_key(username, address), self.limits["u"])]
        if address is not None:
            keys.append((self._address_key(address), self.limits["a"]))
        return keys

    def _redis_down(self) -> bool:
        return time.monotonic() < self._down_until

    def retry_after(self, username: str, address: str | None) -> float:
        now = self.clock()
        if self._redis_down():
            return self.fallback.retry_after(username, address)
        try:
            pipe = self.client.pipeline()
            keys = self._keys(username, address)
            for key, limit in keys:
                pipe.zremrangebyscore(key, "-inf", now - self.window)
                pipe.zrevrange(key, limit - 1, limit - 1, withscores=True)
            answers = pipe.execute()
        except redis.RedisError as exc:
            self._warn(exc)
            return self.fallback.retry_after(username, address)
        wait = 0.0
        for nth in answers[1::2]:  # the limit-th newest failure, when there is one
            if nth:
                wait = max(wait, float(nth[0][1]) + self.window - now)
        return max(wait, 0.0)

    def failed(self, username: str, address: str | None) -> None:
        now = self.clock()
        if self._redis_down():
            self.fallback.failed(username, address)
            return
        try:
            pipe = self.client.pipeline()
            for key, limit in self._keys(username, address):
                pipe.zadd(key, {uuid.uuid4().hex: now})
                pipe.zremrangebyrank(key, 0, -limit - 1)  # keep the newest `limit`
                pipe.expire(key, int(self.window) + 1)
            pipe.execute()
        except redis.RedisError as exc:
            self._warn(exc)
            self.fallback.failed(username, address)

    def succeeded(self, username: str, address: str | None) -> None:
        self.fallback.succeeded(username, address)
        if self._redis_down():
            return
        try:
            self.client.delete(self._user_key(username, address))
        except redis.RedisError as exc:
            self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        # ask Redis again only after a pause: every sign-in must not wait for it
        self._down_until = time.monotonic() + REDIS_PAUSE_SECONDS
        if not self._warned:
            self._warned = True
            log.warning("sign-in limits counted per process: Redis failed (%s)", exc)
