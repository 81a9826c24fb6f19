# SPDX-License-Identifier: EUPL-1.2
"""payments: payment requests and their events; the finance role; 'unpaid' cases

``payment_requests`` keeps every fee a case asks for (amount in cents, state,
reminders, the payment module's id), ``payment_events`` its history. The role
``finance`` (the reconciliation view) joins the known roles, and a case closed as
unpaid gets the accounting status ``unpaid``.

Revision ID: 0840
Revises: 0830
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0840"
down_revision = "0830"
branch_labels = None
depends_on = None

ROLES = (
    "specialist",
    "supervisor",
    "analyst",
    "municipality_admin",
    "platform_admin",
    "vpvkac",
    "service_owner",  # 0800, the service catalogue
)
CASE_STATUSES = (
    "submitted",
    "registered",
    "in_progress",
    "waiting_for_client",
    "decided",
    "result_delivered",
    "closed",
    "cancelled",
)


def _check(table: str, name: str, column: str, values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(
            op.f(f"ck_{table}_{name}"), f"{column} IN ({listed})"
        )


def upgrade() -> None:
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("case_number", sa.String(length=50), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=140), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payer_name", sa.String(length=255), nullable=False),
        sa.Column("payer_masked", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("module_payment_id", sa.String(length=64), nullable=True),
        sa.Column("pay_url", sa.String(length=2000), nullable=True),
        sa.Column("requested_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("close_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("paid_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_cents", sa.Integer(), nullable=True),
        sa.Column("bank", sa.String(length=64), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_cents > 0", name=op.f("ck_payment_requests_positive_amount")
        ),
        sa.CheckConstraint(
            "state IN ('requested', 'paid', 'cancelled', 'expired', 'unpaid')",
            name=op.f("ck_payment_requests_known_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_payment_requests_idempotency_key")
        ),
    )
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_requests_case", ["municipality", "case_number"], unique=False
        )
        batch_op.create_index(
            "ix_payment_requests_module_id",
            ["municipality", "module_payment_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_payment_requests_municipality",
            ["municipality", "requested_at"],
            unique=False,
        )
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("module_payment_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('requested', 'renewed', 'reminded', 'paid', 'cancelled',"
            " 'expired', 'unpaid', 'replayed')",
            name=op.f("ck_payment_events_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_request_id"],
            ["payment_requests.id"],
            name=op.f("fk_payment_events_payment_request_id_payment_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_events_request", ["payment_request_id", "id"], unique=False
        )
    _check("user_roles", "known_role", "role", (*ROLES, "finance"))
    _check("case_status_events", "known_status", "status", (*CASE_STATUSES, "unpaid"))


def downgrade() -> None:
    # An unpaid case's event reads as closed again; finance users lose the role.
    op.execute("UPDATE case_status_events SET status = 'closed' WHERE status = 'unpaid'")
    op.execute("DELETE FROM user_roles WHERE role = 'finance'")
    _check("case_status_events", "known_status", "status", CASE_STATUSES)
    _check("user_roles", "known_role", "role", ROLES)
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_events_request")
    op.drop_table("payment_events")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_requests_municipality")
        batch_op.drop_index("ix_payment_requests_module_id")
        batch_op.drop_index("ix_payment_requests_case")
    op.drop_table("payment_requests")
