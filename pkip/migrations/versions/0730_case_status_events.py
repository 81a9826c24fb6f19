# SPDX-License-Identifier: EUPL-1.2
"""case accounting: append-only case status events; ordered outbox commands

``case_status_events`` keeps every status change of a service case with its planned
and actual dates and, for those PSPP must know, the outbox message delivering it.
``outbox_messages.after_id``: an ordered command is held until the one before it is
delivered (a case's PSPP events, in order).

Revision ID: 0730
Revises: 0700
Create Date: 2026-12-04 21:33:36.743216
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0730"
down_revision = "0700"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=50), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("pspp_status", sa.String(length=30), nullable=True),
        sa.Column("pspp_sequence", sa.Integer(), nullable=True),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'registered', 'in_progress', 'waiting_for_client', 'decided', 'result_delivered', 'closed', 'cancelled')",
            name=op.f("ck_case_status_events_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_cases.id"],
            name=op.f("fk_case_status_events_case_id_service_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_case_status_events_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_events")),
        sa.UniqueConstraint(
            "case_id",
            "pspp_sequence",
            name=op.f("uq_case_status_events_case_id_pspp_sequence"),
        ),
        sa.UniqueConstraint(
            "case_id", "sequence", name=op.f("uq_case_status_events_case_id_sequence")
        ),
        sa.UniqueConstraint("event_id", name=op.f("uq_case_status_events_event_id")),
    )
    with op.batch_alter_table("case_status_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_status_events_municipality",
            ["municipality", "case_number"],
            unique=False,
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("after_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_after_id"), ["after_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_after_id_outbox_messages"),
            "outbox_messages",
            ["after_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_after_id_outbox_messages"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_after_id"))
        batch_op.drop_column("after_id")

    with op.batch_alter_table("case_status_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_status_events_municipality")

    op.drop_table("case_status_events")
