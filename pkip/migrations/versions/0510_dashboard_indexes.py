# SPDX-License-Identifier: EUPL-1.2
"""dashboard indexes: tasks completed by time, instances started and ended by time

The supervisor dashboard counts tasks completed late in the last 30 days and
instances started and completed per week; without these each of those reads every
task or instance the municipality ever had.

Revision ID: 0510
Revises: 0500
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0510"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_tasks_completed",
            ["municipality", "state", "completed_at"],
            unique=False,
        )
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_process_instances_started",
            ["municipality", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_process_instances_ended",
            ["municipality", "status", "ended_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_process_instances_ended")
        batch_op.drop_index("ix_process_instances_started")
    with op.batch_alter_table("user_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_user_tasks_completed")
