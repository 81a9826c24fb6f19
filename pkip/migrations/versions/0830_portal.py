# SPDX-License-Identifier: EUPL-1.2
"""residents' portal: latvija.lv sign-ins, application tokens, uploads, messages

Outstanding SAML requests and the assertions that answered them (each used once),
the one-time tokens of applications sent from the portal, the documents residents
add to their cases and the messages about a case between its client and the
municipality (domain/portal).

Revision ID: 0830
Revises: 0810
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0830"
down_revision = "0810"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assertion_id", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sign_ins")),
        sa.UniqueConstraint("request_id", name=op.f("uq_portal_sign_ins_request_id")),
        sa.UniqueConstraint(
            "assertion_id", name=op.f("uq_portal_sign_ins_assertion_id")
        ),
    )
    with op.batch_alter_table("portal_sign_ins", schema=None) as batch_op:
        batch_op.create_index("ix_portal_sign_ins_created", ["created_at"], unique=False)
    op.create_table(
        "portal_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_cases.id"],
            name=op.f("fk_portal_submissions_case_id_service_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_submissions")),
        sa.UniqueConstraint(
            "municipality",
            "token",
            name=op.f("uq_portal_submissions_municipality_token"),
        ),
    )
    op.create_table(
        "portal_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_hash", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_cases.id"],
            name=op.f("fk_portal_uploads_case_id_service_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_uploads")),
    )
    with op.batch_alter_table("portal_uploads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portal_uploads_case", ["municipality", "case_id"], unique=False
        )
    op.create_table(
        "portal_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sender IN ('client', 'municipality')",
            name=op.f("ck_portal_messages_known_sender"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_cases.id"],
            name=op.f("fk_portal_messages_case_id_service_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_messages")),
    )
    with op.batch_alter_table("portal_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portal_messages_case",
            ["municipality", "case_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_messages_case")
    op.drop_table("portal_messages")
    with op.batch_alter_table("portal_uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_uploads_case")
    op.drop_table("portal_uploads")
    op.drop_table("portal_submissions")
    with op.batch_alter_table("portal_sign_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_sign_ins_created")
    op.drop_table("portal_sign_ins")
