# SPDX-License-Identifier: EUPL-1.2
"""intake queue: incoming letters a registry clerk sees, their files, routing rules

E-address and DIV messages no waiting case took, paper letters and VPVKAC
applications (domain/intake). The one-stop centre clerk's role ``vpvkac`` joins the
roles a user may have.

Revision ID: 0750
Revises: 0740
Create Date: 2026-12-04 21:52:56.187062
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0750"
down_revision = "0740"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("sender_sealed", sa.Text(), nullable=True),
        sa.Column("sender_hash", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("document_kind", sa.String(length=50), nullable=False),
        sa.Column("received_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("case_number", sa.String(length=50), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("routing_note", sa.String(length=500), nullable=True),
        sa.Column("assigned_to", sa.String(length=100), nullable=True),
        sa.Column("handled_by", sa.String(length=100), nullable=True),
        sa.Column("handled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('depp', 'div', 'paper', 'vpvkac')",
            name=op.f("ck_intake_items_known_channel"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'assigned', 'started', 'attached', 'registered', "
            "'flagged')",
            name=op.f("ck_intake_items_known_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_items")),
        sa.UniqueConstraint(
            "channel",
            "municipality",
            "source_id",
            name=op.f("uq_intake_items_channel_municipality_source_id"),
        ),
    )
    with op.batch_alter_table("intake_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intake_items_list",
            ["municipality", "status", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_intake_items_sender", ["municipality", "sender_hash"], unique=False
        )

    op.create_table(
        "intake_routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("match", sa.String(length=20), nullable=False),
        sa.Column("pattern", sa.String(length=200), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "match IN ('subject', 'document_kind')",
            name=op.f("ck_intake_routing_rules_known_match"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_routing_rules")),
    )
    with op.batch_alter_table("intake_routing_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intake_routing_rules_muni", ["municipality", "position"], unique=False
        )

    op.create_table(
        "intake_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(length=50), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["intake_items.id"],
            name=op.f("fk_intake_files_item_id_intake_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_files")),
        sa.UniqueConstraint(
            "item_id", "position", name=op.f("uq_intake_files_item_id_position")
        ),
    )
    _roles(OLD_ROLES + ("vpvkac",))


OLD_ROLES = (
    "specialist",
    "supervisor",
    "analyst",
    "municipality_admin",
    "platform_admin",
)


def _roles(roles: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{r}'" for r in roles)
    with op.batch_alter_table("user_roles") as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_known_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_roles_known_role"), f"role IN ({listed})"
        )


def downgrade() -> None:
    op.execute("DELETE FROM user_roles WHERE role = 'vpvkac'")
    _roles(OLD_ROLES)
    op.drop_table("intake_files")
    with op.batch_alter_table("intake_routing_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_routing_rules_muni")

    op.drop_table("intake_routing_rules")
    with op.batch_alter_table("intake_items", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_items_sender")
        batch_op.drop_index("ix_intake_items_list")

    op.drop_table("intake_items")
