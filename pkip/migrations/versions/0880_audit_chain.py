# SPDX-License-Identifier: EUPL-1.2
"""audit chain: the central, hash-chained audit log and its heads (domain/audit)

Revision ID: 0880
Revises: 0870
Create Date: 2026-12-05 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0880'
down_revision = '0870'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_kind', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.String(length=100), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.Column('system', sa.String(length=60), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records')),
    sa.UniqueConstraint('municipality', 'seq', name=op.f('uq_audit_records_municipality_seq')),
    sa.UniqueConstraint('municipality', 'system', 'idempotency_key', name=op.f('uq_audit_records_municipality_system_idempotency_key'))
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.create_index('ix_audit_records_municipality_at', ['municipality', 'at'], unique=False)
        batch_op.create_index('ix_audit_records_person_hash', ['person_hash'], unique=False)
        batch_op.create_index('ix_audit_records_subject', ['subject_kind', 'subject_id'], unique=False)

    op.create_table('audit_heads',
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('municipality', name=op.f('pk_audit_heads'))
    )


def downgrade() -> None:
    op.drop_table('audit_heads')
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_records_subject')
        batch_op.drop_index('ix_audit_records_person_hash')
        batch_op.drop_index('ix_audit_records_municipality_at')
    op.drop_table('audit_records')
