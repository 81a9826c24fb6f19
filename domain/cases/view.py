# SPDX-License-Identifier: EUPL-1.2
"""The case page's view of a case, read live from the engine: status, status history
with times and actors, tasks, incidents, documents and the diagram's markers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.cases.data import Document, find_documents, instance_data
from domain.cases.models import ServiceCase
from domain.cases.services import case_status, waiting_elements
from engine.models import (
    HistoryEvent,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    UserTask,
)
from engine.runtime import ProcessEngine

SHOWN_EVENTS = frozenset(
    {
        "started",
        "task_ready",
        "claimed",
        "unclaimed",
        "assigned",
        "task_completed",
        "task_cancelled",
        "service_called",
        "message_received",
        "timer_fired",
        "delivered",
        "incident",
        "incident_retried",
        "suspended",
        "resumed",
        "cancelled",
        "ended",
    }
)
"""History kinds shown as the case's status history (gateways and the like are
steps of the diagram, not of the case)."""
FINISHED_EVENTS = frozenset(
    {
        "task_completed",
        "service_called",
        "message_received",
        "timer_fired",
        "delivered",
        "step_completed",
        "end_event",
    }
)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    element_id: str | None
    element_name: str | None
    actor: str | None
    """A username, or None for the system."""
    actor_name: str | None
    """The actor's full name when the user is known."""
    details: Mapping[str, Any]


@dataclass
class CaseView:
    """Everything the case page (and the API's case resource) shows."""

    case: ServiceCase
    instance: ProcessInstance
    definition: ProcessDefinition
    status: str
    status_label: str
    history: list[HistoryEntry]
    open_tasks: list[UserTask]
    finished_tasks: list[UserTask]
    incidents: list[Incident]
    documents: list[Document]
    data: dict[str, Any]
    diagram_xml: str
    finished_elements: list[str]
    current_elements: list[str]
    incident_elements: list[str]
    user_names: dict[str, str]
    """Full names of the usernames that appear (history, assignees)."""

    @property
    def client_masked(self) -> str:
        return self.case.client_masked

    def diagram(self) -> dict[str, Any]:
        """The viewer's data: the XML and the element ids to mark."""
        return {
            "xml": self.diagram_xml,
            "finished": self.finished_elements,
            "current": self.current_elements,
            "incidents": self.incident_elements,
        }


def user_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """Full names by username; an API token's actor (``token:<id>``) as its
    creator's name and the token's (``domain.accounts.tokens.actor_labels``)."""
    from domain.accounts.tokens import actor_labels

    return actor_labels(session, usernames)


def case_view(engine: ProcessEngine, case: ServiceCase) -> CaseView:
    """Status, history with times and actors, open and finished tasks, incidents,
    documents, the diagram and its finished and current elements — read live from
    the engine (a handful of queries and one load of the instance state)."""
    session = engine.session
    instance = engine.get_instance(case.instance_id, case.municipality)
    definition = instance.definition
    events = engine.history(instance.id, case.municipality)
    tasks = list(
        session.scalars(
            select(UserTask)
            .where(
                UserTask.instance_id == instance.id,
                UserTask.municipality == case.municipality,
            )
            .order_by(UserTask.created_at, UserTask.id)
        )
    )
    open_tasks = [t for t in tasks if t.state == UserTask.READY]
    finished = [t for t in tasks if t.state != UserTask.READY]
    incidents = engine.open_incidents(instance.id)
    status, label = case_status(session, instance)
    data = instance_data(engine, instance)
    shown = [e for e in events if e.kind in SHOWN_EVENTS]
    names = user_names(
        session,
        [e.actor for e in shown]
        + [t.assignee for t in tasks]
        + [t.completed_by for t in tasks],
    )
    current = [t.element_id for t in open_tasks]
    if instance.status == ProcessInstance.RUNNING:
        current += waiting_elements(session, instance.id)
    return CaseView(
        case=case,
        instance=instance,
        definition=definition,
        status=status,
        status_label=label,
        history=[_entry(e, names) for e in shown],
        open_tasks=open_tasks,
        finished_tasks=finished,
        incidents=incidents,
        documents=find_documents(data),
        data=data,
        diagram_xml=definition.bpmn_xml,
        finished_elements=_finished_elements(events, definition.meta or {}),
        current_elements=list(dict.fromkeys(current)),
        incident_elements=list(
            dict.fromkeys(i.element_id for i in incidents if i.element_id)
        ),
        user_names=names,
    )


def _entry(event: HistoryEvent, names: Mapping[str, str]) -> HistoryEntry:
    return HistoryEntry(
        at=event.at,
        kind=event.kind,
        element_id=event.element_id,
        element_name=event.element_name,
        actor=event.actor,
        actor_name=names.get(event.actor or ""),
        details=dict(event.details or {}),
    )


def _finished_elements(
    events: Sequence[HistoryEvent], meta: Mapping[str, Any]
) -> list[str]:
    # The start event runs before the first advance records anything: an instance
    # that exists has passed it (the top process's comes first in the metadata).
    start = next(
        (
            element_id
            for element_id, entry in meta.get("tasks", {}).items()
            if entry.get("type") == "StartEvent"
        ),
        None,
    )
    ids = [start] if start and events else []
    ids += [
        e.element_id
        for e in events
        if e.kind in FINISHED_EVENTS
        and e.element_id
        and not (e.details or {}).get("subprocess")
    ]
    return list(dict.fromkeys(ids))
