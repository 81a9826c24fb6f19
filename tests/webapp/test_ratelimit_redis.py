# SPDX-License-Identifier: EUPL-1.2
"""The sign-in limits in Redis (several web processes count together): the same
rules as in memory, and sign-in keeps working when Redis does not answer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from core.settings import Settings
from webapp import _login_throttle
from webapp.ratelimit import MemoryLoginThrottle
from webapp.ratelimit_redis import PREFIX, RedisLoginThrottle

URL = os.environ.get("PKIP_BROKER_URL", "") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    if not URL.startswith("redis"):
        pytest.skip("the broker is not Redis")
    found = redis.Redis.from_url(URL, socket_connect_timeout=1)
    try:
        found.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL} (CI: PKIP_BROKER_URL)")
    yield found
    found.close()


def test_both_windows_shared_between_processes(client: redis.Redis) -> None:
    now = [1000.0]
    # two throttles on one Redis = two web processes
    a, b = (
        RedisLoginThrottle(
            client,
            max_failures=3,
            max_address_failures=5,
            window_seconds=60,
            clock=lambda: now[0],
        )
        for _ in range(2)
    )
    ip, user = f"ip-{uuid.uuid4().hex}", f"u-{uuid.uuid4().hex}"
    for throttle in (a, b, a):
        assert throttle.retry_after(user, ip) == 0
        throttle.failed(user, ip)
        now[0] += 10
    assert b.retry_after(user, ip) == pytest.approx(30)  # 3rd-newest at 1000
    assert a.retry_after(user, "elsewhere") == 0
    b.succeeded(user, ip)
    assert a.retry_after(user, ip) == 0
    # spraying: five users, one failure each, from one address
    for i in range(5):
        (a if i % 2 else b).failed(f"{user}-{i}", ip)
    assert a.retry_after("someone-else", ip) > 0
    assert a.retry_after("someone-else", None) == 0  # unknown address: per user
    now[0] += 61
    assert a.retry_after("someone-else", ip) == 0
    keys = list(client.scan_iter(f"{PREFIX}*"))
    assert keys and all(user.encode() not in k and ip.encode() not in k for k in keys)
    assert all(0 < client.ttl(k) <= 61 for k in keys)


def test_redis_down_counts_in_memory_without_waiting() -> None:
    import time

    throttle = RedisLoginThrottle.from_url("redis://127.0.0.1:1/0", max_failures=2)
    started = time.monotonic()
    for _ in range(2):
        assert throttle.retry_after("anna", "ip") == 0
        throttle.failed("anna", "ip")
    assert throttle.retry_after("anna", "ip") > 0
    throttle.succeeded("anna", "ip")
    assert throttle.retry_after("anna", "ip") == 0
    assert time.monotonic() - started < 2  # one short try, then a pause


def test_the_app_shares_limits_when_the_broker_is_redis() -> None:
    shared = _login_throttle(Settings(broker_url="redis://127.0.0.1:6379/15"))
    assert isinstance(shared, RedisLoginThrottle)
    assert isinstance(_login_throttle(Settings(broker_url="")), MemoryLoginThrottle)
