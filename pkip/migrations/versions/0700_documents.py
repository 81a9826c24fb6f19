# SPDX-License-Identifier: EUPL-1.2
"""documents: templates versioned per municipality, issued PDFs with their
registration numbers and checksums, the per-year register counters, and the
deliveries of results (e-address or the print queue) with their history.

Revision ID: 0700
Revises: 0620
Create Date: 2026-12-04 21:28:59.975759
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0700"
down_revision = "0620"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_register_counters",
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "municipality", "year", name=op.f("pk_document_register_counters")
        ),
    )
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("document_type", sa.String(length=50), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_templates")),
        sa.UniqueConstraint(
            "municipality",
            "key",
            "version",
            name=op.f("uq_document_templates_municipality_key_version"),
        ),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("case_number", sa.String(length=50), nullable=True),
        sa.Column("instance_id", sa.String(length=32), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("registration_number", sa.String(length=60), nullable=False),
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_documents_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["document_templates.id"],
            name=op.f("fk_documents_template_id_document_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_documents_idempotency_key")
        ),
        sa.UniqueConstraint(
            "municipality",
            "registration_number",
            name=op.f("uq_documents_municipality_registration_number"),
        ),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_documents_case", ["municipality", "case_number"], unique=False
        )

    op.create_table(
        "document_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "channel IN ('e_address', 'paper')",
            name=op.f("ck_document_deliveries_known_channel"),
        ),
        sa.CheckConstraint(
            "state IN ('to_print', 'printed', 'handed_over', 'posted', 'sent')",
            name=op.f("ck_document_deliveries_known_state"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_deliveries_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_deliveries")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_document_deliveries_idempotency_key")
        ),
    )
    with op.batch_alter_table("document_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_deliveries_queue",
            ["municipality", "state", "created_at"],
            unique=False,
        )

    op.create_table(
        "document_delivery_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["document_deliveries.id"],
            name=op.f("fk_document_delivery_events_delivery_id_document_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_delivery_events")),
    )
    with op.batch_alter_table("document_delivery_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_delivery_events_delivery_id"),
            ["delivery_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("document_delivery_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_delivery_events_delivery_id"))

    op.drop_table("document_delivery_events")
    with op.batch_alter_table("document_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_document_deliveries_queue")

    op.drop_table("document_deliveries")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_case")

    op.drop_table("documents")
    op.drop_table("document_templates")
    op.drop_table("document_register_counters")
