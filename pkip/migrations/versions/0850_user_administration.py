# SPDX-License-Identifier: EUPL-1.2
"""user administration: substitutes, the administration log, department heads,
one-time passwords, rights versions, the municipality's e-address, new roles

The roles registry clerk and auditor join (service owner came with 0800, finance
with 0840) the roles a user
may have (webapp/admin manages them like the others).

Revision ID: 0850
Revises: 0840
Create Date: 2026-12-04 22:49:24.445397
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0850"
down_revision = "0840"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.Column("target_label", sa.String(length=255), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_log")),
    )
    with op.batch_alter_table("admin_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_admin_log_municipality_at", ["municipality", "at"], unique=False
        )

    op.create_table(
        "substitutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("absent_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_substitutions_ordered_dates")
        ),
        sa.CheckConstraint(
            "substitute_id <> absent_id", name=op.f("ck_substitutions_not_oneself")
        ),
        sa.ForeignKeyConstraint(
            ["absent_id"], ["users.id"], name=op.f("fk_substitutions_absent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["municipality"],
            ["municipalities.code"],
            name=op.f("fk_substitutions_municipality_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["users.id"],
            name=op.f("fk_substitutions_substitute_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_substitutions")),
    )
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_substitutions_municipality"), ["municipality"], unique=False
        )
        batch_op.create_index(
            "ix_substitutions_substitute", ["substitute_id", "starts_on"], unique=False
        )

    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_departments_head_id_users"),
            "users",
            ["head_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("e_address", sa.String(length=64), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "rights_version", sa.Integer(), server_default="0", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("disabled_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )

    _roles(NEW_ROLES)


def downgrade() -> None:
    op.execute(
        "DELETE FROM user_roles WHERE role IN "
        "('registry_clerk', 'auditor')"
    )
    _roles(OLD_ROLES)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("rights_version")
        batch_op.drop_column("must_change_password")

    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_column("e_address")

    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_departments_head_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("head_id")

    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.drop_index("ix_substitutions_substitute")
        batch_op.drop_index(batch_op.f("ix_substitutions_municipality"))

    op.drop_table("substitutions")
    with op.batch_alter_table("admin_log", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_log_municipality_at")

    op.drop_table("admin_log")


OLD_ROLES = (
    "specialist",
    "supervisor",
    "analyst",
    "municipality_admin",
    "platform_admin",
    "vpvkac",
    "service_owner",  # 0800, the service catalogue
    "finance",  # 0840, payments
)
NEW_ROLES = (*OLD_ROLES, "registry_clerk", "auditor")


def _roles(roles: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{r}'" for r in roles)
    with op.batch_alter_table("user_roles") as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_known_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_roles_known_role"), f"role IN ({listed})"
        )
