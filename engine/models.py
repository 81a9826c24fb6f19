# SPDX-License-Identifier: EUPL-1.2
"""Tables of the workflow engine: definitions, instances, the task index, message
subscriptions, history and incidents.

Instance state is SpiffWorkflow's own serialization without the specs, which are
stored once per definition. Everything a page or a job needs to *find* instances
(ready tasks, due timers, waiting messages) lives in indexed columns, so nobody has to
deserialize state to query it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.db import Base, utcnow

STATE_CONTEXT = "process_instances.state"
"""What an instance's sealed state is bound to (core/pii.py: the AEAD context)."""

BASE_VARIANT = ""
"""The municipality column of a base definition (shared by every municipality)."""

# outbox message states
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
HELD = "held"
"""An ordered command waiting for the one before it (``after_id``) to be delivered."""


class ProcessDefinition(Base):
    """One deployed version of a process, for all municipalities or for one."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "municipality", "version"),
        Index("ix_process_definitions_lookup", "key", "municipality", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    municipality: Mapped[str] = mapped_column(String(20), default=BASE_VARIANT)
    checksum: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[str] = deferred(mapped_column(Text))
    resources: Mapped[dict[str, str]] = deferred(mapped_column(JSON, default=dict))
    spec_json: Mapped[str] = deferred(mapped_column(Text))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The form versions deployed with it: key -> {"variant", "version"}; a key
    # without a pin uses the shipped file (domain/form_versions).
    forms: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_variant(self) -> bool:
        return self.municipality != BASE_VARIANT


class ProcessInstance(Base):
    """A running (or finished) case of a process."""

    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_muni_status", "municipality", "status"),
        Index("ix_process_instances_timer", "next_timer_at"),
        # the dashboard: started per week; completed per week and cycle times
        Index("ix_process_instances_started", "municipality", "started_at"),
        Index("ix_process_instances_ended", "municipality", "status", "ended_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    municipality: Mapped[str] = mapped_column(String(20))
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    has_incident: Mapped[bool] = mapped_column(default=False)
    end_event: Mapped[str | None] = mapped_column(String(100))
    # sealed (core/pii.py); `pkip pii rotate` finds the column by its info
    state: Mapped[str] = deferred(
        mapped_column(Text, info={"pii_context": STATE_CONTEXT, "pii_seal_plain": True})
    )
    state_bytes: Mapped[int] = mapped_column(Integer, default=0)
    next_timer_at: Mapped[datetime | None] = mapped_column()
    started_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """Ended by an error nobody caught (an error end event at the top level): not
    completed; an ``error_end`` incident says which error and where."""


class UserTask(Base):
    """The task index: one row per user task that was ever ready."""

    __tablename__ = "user_tasks"
    __table_args__ = (
        Index(
            "ix_user_tasks_group_queue",
            "municipality",
            "state",
            "candidate_group",
            "due_at",
        ),
        Index(
            "ix_user_tasks_assignee_queue",
            "municipality",
            "state",
            "assignee",
            "due_at",
        ),
        Index("ix_user_tasks_instance", "instance_id", "state"),
        # the dashboard: tasks completed late in the last 30 days
        Index("ix_user_tasks_completed", "municipality", "state", "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    municipality: Mapped[str] = mapped_column(String(20))
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    candidate_group: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    form_key: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="ready")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[str | None] = mapped_column(String(100))

    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class MessageSubscription(Base):
    """An instance waiting at a message catch event, with its correlation keys."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (
        Index("ix_message_subscriptions_match", "message_name", "correlation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    municipality: Mapped[str] = mapped_column(String(20))
    message_name: Mapped[str] = mapped_column(String(100))
    correlation: Mapped[str] = mapped_column(String(500))
    element_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HistoryEvent(Base):
    """One meaningful step in an instance's life (for the case page and the audit)."""

    __tablename__ = "history_events"
    __table_args__ = (Index("ix_history_events_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(100))
    element_name: Mapped[str | None] = mapped_column(String(255))
    task_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Incident(Base):
    """A failure on an instance that an operator can see and retry."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_instance_status", "instance_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    municipality: Mapped[str] = mapped_column(String(20), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    error_type: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by: Mapped[str | None] = mapped_column(String(100))

    OPEN = "open"
    RESOLVED = "resolved"


class OutboxMessage(Base):
    """A call that changes the outside world, delivered after the step committed
    (see engine/outbox.py)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_unconfirmed", "status", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    instance_id: Mapped[str | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    """None for a feed of the platform's own that belongs to no process (the
    OpenID Connect back-channel logouts, domain/oidc)."""
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    municipality: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    """When the waiting task was completed with the reply (None: not yet)."""
    after_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    """An ordered command (engine/outbox.py ``enqueue_ordered``): held until this
    earlier message is delivered."""
