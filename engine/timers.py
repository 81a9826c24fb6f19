# SPDX-License-Identifier: EUPL-1.2
"""Timers: find the instances with a timer due and fire it."""

from __future__ import annotations

from sqlalchemy import select

from engine.advance import EngineCore
from engine.models import ProcessInstance


class TimerOperations(EngineCore):
    """Due timers (a mixin of ``ProcessEngine``; the timer job calls these)."""

    def due_timer_instances(self, limit: int = 100) -> list[str]:
        """Ids of running instances with a timer due now (oldest first)."""
        return list(
            self.session.scalars(
                select(ProcessInstance.id)
                .where(
                    ProcessInstance.status == ProcessInstance.RUNNING,
                    ProcessInstance.next_timer_at <= self.now(),
                )
                .order_by(ProcessInstance.next_timer_at)
                .limit(limit)
            )
        )

    def fire_timers(self, instance_id: str) -> ProcessInstance | None:
        """Fire whatever timers of the instance are due and run on.

        Returns None when there is nothing to do: another worker holds the instance
        (PostgreSQL's SKIP LOCKED), or it already moved past the timer.
        """
        instance = self.session.get(
            ProcessInstance,
            instance_id,
            with_for_update={"skip_locked": True, "of": ProcessInstance},
        )
        if (
            instance is None
            or instance.status != ProcessInstance.RUNNING
            or instance.next_timer_at is None
            or instance.next_timer_at > self.now()
        ):
            return None
        wf = self._load(instance)
        self._advance(instance, wf, actor=None, action=lambda w: w.refresh_timers())
        return instance
