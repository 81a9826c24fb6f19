# SPDX-License-Identifier: EUPL-1.2
"""Background work as plain functions of a Platform; Celery tasks and the in-process
loop both call these, so the embedded mode and production run the same code."""

from __future__ import annotations

import logging

from engine.errors import Conflict, EngineError
from pkip.platform import Platform

log = logging.getLogger(__name__)


def fire_due_timers(platform: Platform, *, limit: int = 200) -> int:
    """Advance every instance whose timer is due; returns how many were advanced.

    Each instance is advanced in its own transaction: one failure or conflict (another
    worker got there first) never holds back the rest.
    """
    with platform.transaction() as session:
        due = platform.engine(session).due_timer_instances(limit=limit)
    fired = 0
    for instance_id in due:
        if fire_instance_timers(platform, instance_id):
            fired += 1
    return fired


def fire_instance_timers(platform: Platform, instance_id: str) -> bool:
    try:
        with platform.transaction() as session:
            return platform.engine(session).fire_timers(instance_id) is not None
    except Conflict:
        log.info("timer of instance %s taken by another worker", instance_id)
    except EngineError as exc:
        log.info("timer of instance %s skipped: %s", instance_id, exc)
    return False


def poll_edelivery(platform: Platform) -> int:
    """Fetch new e-address and DIV messages of every municipality on the platform;
    returns how many reports the polls made."""
    from sqlalchemy import select

    from domain.models import Municipality
    from tasks.edelivery import poll_all

    with platform.transaction() as session:
        codes = list(
            session.scalars(select(Municipality.code).order_by(Municipality.code))
        )
    return len(poll_all(platform, codes))
