# SPDX-License-Identifier: EUPL-1.2
"""merge the rooms' migrations (accounts, e-delivery, outbox and audit, cases)

Revision ID: 0500
Revises: 0100, 0200, 0310, 0400
Create Date: 2026-11-27
"""

from __future__ import annotations

revision = "0500"
down_revision = ("0100", "0200", "0310", "0400")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
