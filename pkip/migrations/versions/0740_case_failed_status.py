# SPDX-License-Identifier: EUPL-1.2
"""service cases: the status 'failed' (the instance ended in an uncaught error)

An error end event at the top level ends the instance ``failed``; its case now says
so instead of "waiting". The check constraint on ``service_cases.status`` admits the
new value (batch mode: SQLite rebuilds the table).

Revision ID: 0740
Revises: 0730
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0740"
down_revision = "0730"
branch_labels = None
depends_on = None

_OLD = "'in_progress', 'waiting', 'suspended', 'completed', 'cancelled'"
_NEW = _OLD + ", 'failed'"


def _replace(statuses: str) -> None:
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_service_cases_known_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_service_cases_known_status"), f"status IN ({statuses})"
        )


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    # A failed case goes back to what the case page showed before: waiting.
    op.execute(
        "UPDATE service_cases SET status = 'waiting', closed_at = NULL"
        " WHERE status = 'failed'"
    )
    _replace(_OLD)
