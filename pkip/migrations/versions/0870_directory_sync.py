# SPDX-License-Identifier: EUPL-1.2
"""directory sync: users from the municipality's LDAP directory (domain/accounts/directory.py)

Where a user comes from (local or the directory), the user's directory entry,
the per-municipality directory configuration and the group-to-role and
group-to-department mapping.

Revision ID: 0870
Revises: 0860
Create Date: 2026-12-05 00:16:17.025610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0870'
down_revision = '0860'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_configs',
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('bind_dn', sa.String(length=500), nullable=False),
    sa.Column('password_env', sa.String(length=100), nullable=False),
    sa.Column('user_base', sa.String(length=500), nullable=False),
    sa.Column('user_filter', sa.String(length=500), nullable=False),
    sa.Column('group_base', sa.String(length=500), nullable=False),
    sa.Column('preset', sa.String(length=20), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('disabled_group', sa.String(length=500), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('timeout', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sync_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('last_report', sa.JSON(), nullable=True),
    sa.CheckConstraint("preset IN ('openldap', 'ad')", name=op.f('ck_directory_configs_known_preset')),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_directory_configs_municipality_municipalities')),
    sa.PrimaryKeyConstraint('municipality', name=op.f('pk_directory_configs'))
    )
    op.create_table('directory_group_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('group_dn', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('role', 'department')", name=op.f('ck_directory_group_maps_known_kind')),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_directory_group_maps_municipality_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_group_maps')),
    sa.UniqueConstraint('municipality', 'group_dn', 'kind', 'value', name=op.f('uq_directory_group_maps_municipality_group_dn_kind_value'))
    )
    with op.batch_alter_table('directory_group_maps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_group_maps_municipality'), ['municipality'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='local', nullable=False))
        batch_op.add_column(sa.Column('directory_dn', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('directory_disabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_known_source'), "source IN ('local', 'directory')")



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_known_source'), type_='check')
        batch_op.drop_column('directory_disabled')
        batch_op.drop_column('directory_dn')
        batch_op.drop_column('source')

    with op.batch_alter_table('directory_group_maps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_group_maps_municipality'))

    op.drop_table('directory_group_maps')
    op.drop_table('directory_configs')
