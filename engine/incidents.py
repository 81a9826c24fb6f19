# SPDX-License-Identifier: EUPL-1.2
"""Incidents: retry one (a failed task, or a failed delivery) and list the open ones."""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.advance import EngineCore, find_task
from engine.errors import InvalidOperation, NotFound
from engine.models import PENDING, Incident, OutboxMessage
from engine.workflow import PkipWorkflow


class IncidentOperations(EngineCore):
    """Incidents (a mixin of ``ProcessEngine``)."""

    def retry_incident(
        self, incident_id: int, *, actor: str, municipality: str | None = None
    ) -> Incident:
        incident = self.session.get(Incident, incident_id)
        if incident is None or (
            municipality is not None and incident.municipality != municipality
        ):
            raise NotFound(f"incident {incident_id} not found")
        if incident.status != Incident.OPEN:
            raise InvalidOperation("the incident is already resolved")
        instance = self._active(incident.instance_id, municipality)
        if incident.kind == "delivery_failed":
            return self._requeue_delivery(incident, actor)
        wf = self._load(instance)
        failed = find_task(wf, incident.task_id) if incident.task_id else None

        def action(_: PkipWorkflow) -> None:
            if failed is not None and failed.state == TaskState.ERROR:
                failed._set_state(TaskState.READY)

        self._event(
            instance, "incident_retried", actor=actor, details={"incident": incident.id}
        )
        self._advance(instance, wf, actor=actor, action=action)
        return incident

    def _requeue_delivery(self, incident: Incident, actor: str) -> Incident:
        message = self.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.instance_id == incident.instance_id,
                OutboxMessage.task_id == incident.task_id,
            )
        ).first()
        if message is None:
            raise NotFound(f"no outbox message for incident {incident.id}")
        message.status = PENDING
        message.attempts = 0
        message.next_attempt_at = self.now()
        incident.status = Incident.RESOLVED
        incident.resolved_at = self.now()
        incident.resolved_by = actor
        instance = self.get_instance(incident.instance_id)
        instance.has_incident = bool(
            self.session.scalar(
                select(func.count())
                .select_from(Incident)
                .where(
                    Incident.instance_id == instance.id,
                    Incident.status == Incident.OPEN,
                    Incident.id != incident.id,
                )
            )
        )
        self._event(
            instance, "incident_retried", actor=actor, details={"incident": incident.id}
        )
        self._flush()
        return incident

    def open_incidents(self, instance_id: str) -> list[Incident]:
        return list(
            self.session.scalars(
                select(Incident).where(
                    Incident.instance_id == instance_id,
                    Incident.status == Incident.OPEN,
                )
            )
        )
