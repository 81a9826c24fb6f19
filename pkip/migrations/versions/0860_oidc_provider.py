# SPDX-License-Identifier: EUPL-1.2
"""oidc provider: clients, codes, tokens and sign-on sessions (domain/oidc)

PKIP as an OpenID Connect provider for the municipality's other systems. Outbox
messages may now belong to no process instance: the back-channel logouts are a
feed of the platform's own.

Revision ID: 0860
Revises: 0850
Create Date: 2026-12-04 22:51:13.770725
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0860'
down_revision = '0850'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('post_logout_redirect_uris', sa.JSON(), nullable=False),
    sa.Column('backchannel_logout_uri', sa.String(length=500), nullable=True),
    sa.Column('first_party', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_oidc_clients_municipality_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oidc_clients_client_id'))
    )
    with op.batch_alter_table('oidc_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_clients_municipality'), ['municipality'], unique=False)

    op.create_table('oidc_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('scope', sa.String(length=255), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('auth_time', sa.Integer(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_clients.client_id'], name=op.f('fk_oidc_codes_client_id_oidc_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oidc_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_oidc_codes_code_hash'))
    )
    with op.batch_alter_table('oidc_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_codes_client_id'), ['client_id'], unique=False)

    op.create_table('oidc_sessions',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oidc_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_oidc_sessions'))
    )
    with op.batch_alter_table('oidc_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_oidc_sessions_user_ended', ['user_id', 'ended_at'], unique=False)

    op.create_table('oidc_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=255), nullable=False),
    sa.Column('access_hash', sa.String(length=64), nullable=False),
    sa.Column('refresh_hash', sa.String(length=64), nullable=True),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_in', sa.Integer(), nullable=False),
    sa.Column('refresh_expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_clients.client_id'], name=op.f('fk_oidc_tokens_client_id_oidc_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oidc_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_tokens')),
    sa.UniqueConstraint('access_hash', name=op.f('uq_oidc_tokens_access_hash')),
    sa.UniqueConstraint('refresh_hash', name=op.f('uq_oidc_tokens_refresh_hash'))
    )
    with op.batch_alter_table('oidc_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_tokens_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_oidc_tokens_sid', ['sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_tokens_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('instance_id',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)



def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE instance_id IS NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('instance_id',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)

    with op.batch_alter_table('oidc_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_tokens_user_id'))
        batch_op.drop_index('ix_oidc_tokens_sid')
        batch_op.drop_index(batch_op.f('ix_oidc_tokens_client_id'))

    op.drop_table('oidc_tokens')
    with op.batch_alter_table('oidc_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_oidc_sessions_user_ended')

    op.drop_table('oidc_sessions')
    with op.batch_alter_table('oidc_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_codes_client_id'))

    op.drop_table('oidc_codes')
    with op.batch_alter_table('oidc_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_clients_municipality'))

    op.drop_table('oidc_clients')
