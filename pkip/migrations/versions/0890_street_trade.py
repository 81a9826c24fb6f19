# SPDX-License-Identifier: EUPL-1.2
"""street trade: permanent places and their bookings (domain/street_trade)

A booking's days are rows with a unique (place, day): the database refuses a
double booking on SQLite and PostgreSQL alike.

Revision ID: 0890
Revises: 0880
Create Date: 2026-12-05 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0890'
down_revision = '0880'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trade_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('goods', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality'], ['municipalities.code'], name=op.f('fk_trade_places_municipality_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_places')),
    sa.UniqueConstraint('municipality', 'code', name='uq_trade_places_code')
    )
    op.create_table('trade_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=20), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('company_reg_number', sa.String(length=11), nullable=False),
    sa.Column('goods', sa.String(length=500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('held', 'granted', 'paid', 'released')", name=op.f('ck_trade_bookings_known_state')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_trade_bookings_period_order')),
    sa.ForeignKeyConstraint(['place_id'], ['trade_places.id'], name=op.f('fk_trade_bookings_place_id_trade_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_bookings')),
    sa.UniqueConstraint('municipality', 'case_number', name='uq_trade_bookings_case')
    )
    op.create_index('ix_trade_bookings_place', 'trade_bookings', ['place_id', 'starts_on'], unique=False)
    op.create_table('trade_booking_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['trade_bookings.id'], name=op.f('fk_trade_booking_days_booking_id_trade_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['trade_places.id'], name=op.f('fk_trade_booking_days_place_id_trade_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_booking_days')),
    sa.UniqueConstraint('place_id', 'day', name='uq_trade_booking_days_place_day')
    )
    op.create_index(op.f('ix_trade_booking_days_booking_id'), 'trade_booking_days', ['booking_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_trade_booking_days_booking_id'), table_name='trade_booking_days')
    op.drop_table('trade_booking_days')
    op.drop_index('ix_trade_bookings_place', table_name='trade_bookings')
    op.drop_table('trade_bookings')
    op.drop_table('trade_places')
