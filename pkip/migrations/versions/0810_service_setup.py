# SPDX-License-Identifier: EUPL-1.2
"""service set-up: form versions per municipality, the form versions a definition
was deployed with, and the set-up of each service (process 2)

Revision ID: 0810
Revises: 0800
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0810"
down_revision = "0800"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_versions")),
        sa.UniqueConstraint(
            "key",
            "variant",
            "version",
            name=op.f("uq_form_versions_key_variant_version"),
        ),
    )
    op.create_table(
        "service_setups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("procedure", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("setup_instance_id", sa.String(length=32), nullable=True),
        sa.Column("prepared_by", sa.String(length=100), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column(
            "approved_at", core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IN ('draft', 'review', 'ready')",
            name=op.f("ck_service_setups_known_stage"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_setups")),
        sa.UniqueConstraint(
            "municipality",
            "service_code",
            name=op.f("uq_service_setups_municipality_service_code"),
        ),
    )
    op.add_column("process_definitions", sa.Column("forms", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER (SQLite >= 3.35 and PostgreSQL): a batch copy of the table would
    # trip the foreign keys that point at it.
    op.execute("ALTER TABLE process_definitions DROP COLUMN forms")
    op.drop_table("service_setups")
    op.drop_table("form_versions")
