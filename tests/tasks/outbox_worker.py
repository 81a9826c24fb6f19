# SPDX-License-Identifier: EUPL-1.2
"""A worker process for the crash tests: PKIP's platform with one command operator
that POSTs to the test's receiver (PKIP_TEST_RECEIVER), audited as in production.

Runs a Celery worker, or with ``--deliver`` one delivery sweep without Celery.
PKIP_TEST_LEASE_SECONDS shortens the lease of a message being sent, so that a
restarted worker takes over a killed one's message within the test's patience."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import requests  # noqa: E402

from connectors.registry import COMMAND, Operator, Registry  # noqa: E402
from core.contracts import CallContext  # noqa: E402
from core.settings import Settings  # noqa: E402
from engine.outbox import RetryPolicy  # noqa: E402
from pkip.platform import Platform  # noqa: E402
from tasks import outbox  # noqa: E402
from tasks.celery_app import make_celery  # noqa: E402


def http_send(params: Mapping[str, Any], context: CallContext) -> Any:
    reply = requests.post(
        os.environ["PKIP_TEST_RECEIVER"],
        json=dict(params),
        headers={"Idempotency-Key": context.idempotency_key or ""},
        timeout=60,
    )
    reply.raise_for_status()
    return reply.json()


def test_registry() -> Registry:
    registry = Registry()
    registry.register(
        Operator(
            name="test.http_send",
            system="TEST",
            description="Sūta uz testa saņēmēju",
            mode="live",
            func=http_send,
            params=("owner_code",),
            kind=COMMAND,
        )
    )
    return registry


def make_platform() -> Platform:
    platform = Platform(Settings.from_env(), connectors=test_registry())
    platform.connectors.audit = platform.audit
    lease = os.environ.get("PKIP_TEST_LEASE_SECONDS")
    if lease:
        platform.retry_policy = RetryPolicy(lease_seconds=float(lease))
    return platform


if __name__ == "__main__":
    platform = make_platform()
    if "--deliver" in sys.argv:
        outbox.deliver_due(platform)
        sys.exit(0)
    make_celery(platform).worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
