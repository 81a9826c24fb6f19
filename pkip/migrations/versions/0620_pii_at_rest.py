# SPDX-License-Identifier: EUPL-1.2
"""personal data at rest: case clients hashed and sealed, instance state sealed

A service case's client identifier becomes a look-up hash, a ciphertext and a masked
form (docs/personal-data.md); existing rows are converted, and every instance state
still stored as plain JSON is sealed, with the keys of ``PKIP_PII_HASH_KEY`` and
``PKIP_PII_KEYS`` (the platform's own when it migrates). Stored incident texts and
delivered outbox parameters are masked, waiting ones sealed. Connector calls get the
look-up hash of the person they were about; received e-address messages keep their
sender masked, sealed and hashed. The downgrade opens the sealed values again.

Revision ID: 0620
Revises: 0510
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op

import core.db
from core.pii import (
    PiiVault,
    find_identifiers,
    is_sealed,
    mask_identifiers,
    open_json,
    scrub_personal_codes,
    seal_json,
)
from core.settings import Settings

revision = "0620"
down_revision = "0600"
branch_labels = None
depends_on = None

CLIENT_CONTEXT = "service_cases.client_identifier"
STATE_CONTEXT = "process_instances.state"
PARAMS_CONTEXT = "outbox_messages.params"
SENDER_CONTEXT = "edelivery_messages.sender"
BATCH = 500


def _vault() -> PiiVault:
    vault = context.config.attributes.get("pii_vault")
    return vault if vault is not None else Settings.from_env().pii_vault()


def _mask(identifier: str) -> str:
    positions = [i for i, ch in enumerate(identifier) if ch.isalnum()]
    keep = set(positions[:2] + positions[-1:])
    return "".join(
        ch if (i in keep or not ch.isalnum()) else "*"
        for i, ch in enumerate(identifier)
    )


def upgrade() -> None:
    vault = _vault()
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_identifier_hash", sa.String(64)))
        batch_op.add_column(sa.Column("client_identifier_sealed", sa.Text()))
        batch_op.add_column(sa.Column("client_masked", sa.String(32)))
        batch_op.add_column(
            sa.Column("purged_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
    bind = op.get_bind()
    cases = sa.table(
        "service_cases",
        sa.column("id", sa.Integer),
        sa.column("client_identifier", sa.String),
        sa.column("client_identifier_hash", sa.String),
        sa.column("client_identifier_sealed", sa.Text),
        sa.column("client_masked", sa.String),
    )
    rows = bind.execute(sa.select(cases.c.id, cases.c.client_identifier)).all()
    for case_id, identifier in rows:
        bind.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(
                client_identifier_hash=vault.lookup_hash(identifier),
                client_identifier_sealed=vault.encrypt(identifier, CLIENT_CONTEXT),
                client_masked=_mask(identifier),
            )
        )
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.alter_column(
            "client_identifier_hash", existing_type=sa.String(64), nullable=False
        )
        batch_op.alter_column(
            "client_identifier_sealed", existing_type=sa.Text(), nullable=False
        )
        batch_op.alter_column(
            "client_masked", existing_type=sa.String(32), nullable=False
        )
        batch_op.drop_column("client_identifier")
        batch_op.create_index(
            "ix_service_cases_client",
            ["municipality", "client_identifier_hash"],
            unique=False,
        )
        batch_op.create_index(
            "ix_service_cases_retention", ["purged_at", "closed_at"], unique=False
        )
    _convert_states(lambda text: vault.encrypt(text, STATE_CONTEXT), sealed=False)
    _mask_stored_texts(vault)
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_hash", sa.String(64), nullable=True))
        batch_op.create_index("ix_connector_calls_subject", ["subject_hash"])
    with op.batch_alter_table("edelivery_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sender_hash", sa.String(64), nullable=True))
        batch_op.create_index(
            "ix_edelivery_messages_sender", ["municipality", "sender_hash"]
        )
    _seal_senders(vault)


def _mask_stored_texts(vault: PiiVault) -> None:
    """Incident texts and delivered outbox parameters written before the engine
    masked them at the source (masking cannot be undone: the downgrade leaves them);
    parameters still to be sent are sealed."""
    bind = op.get_bind()
    incidents = sa.table(
        "incidents", sa.column("id", sa.Integer), sa.column("message", sa.Text)
    )
    found = bind.execute(sa.select(incidents.c.id, incidents.c.message)).all()
    for row_id, message in found:
        if message and mask_identifiers(message) != message:
            bind.execute(
                incidents.update()
                .where(incidents.c.id == row_id)
                .values(message=mask_identifiers(message))
            )
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("params", sa.JSON),
        sa.column("last_error", sa.Text),
    )
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.status, outbox.c.params, outbox.c.last_error)
    ).all()
    for row_id, status, params, last_error in rows:
        if status == "delivered":
            params = scrub_personal_codes(params)
        else:
            params = seal_json(params, vault, PARAMS_CONTEXT)
        bind.execute(
            outbox.update()
            .where(outbox.c.id == row_id)
            .values(
                params=params,
                last_error=mask_identifiers(last_error) if last_error else None,
            )
        )


def downgrade() -> None:
    vault = _vault()
    _open_params(vault)
    _open_senders(vault)
    with op.batch_alter_table("edelivery_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_edelivery_messages_sender")
        batch_op.drop_column("sender_hash")
        batch_op.drop_column("sender_sealed")
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_connector_calls_subject")
        batch_op.drop_column("subject_hash")
    _convert_states(lambda text: vault.decrypt(text, STATE_CONTEXT), sealed=True)
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_identifier", sa.String(32)))
    bind = op.get_bind()
    cases = sa.table(
        "service_cases",
        sa.column("id", sa.Integer),
        sa.column("client_identifier", sa.String),
        sa.column("client_identifier_sealed", sa.Text),
    )
    rows = bind.execute(sa.select(cases.c.id, cases.c.client_identifier_sealed)).all()
    for case_id, sealed in rows:
        plain = vault.decrypt(sealed, CLIENT_CONTEXT) if sealed else ""
        bind.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(client_identifier=plain)
        )
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.alter_column(
            "client_identifier", existing_type=sa.String(32), nullable=False
        )
        batch_op.drop_index("ix_service_cases_retention")
        batch_op.drop_index("ix_service_cases_client")
        batch_op.drop_column("purged_at")
        batch_op.drop_column("client_masked")
        batch_op.drop_column("client_identifier_sealed")
        batch_op.drop_column("client_identifier_hash")


_SENDERS = sa.table(
    "edelivery_messages",
    sa.column("id", sa.Integer),
    sa.column("sender", sa.String),
    sa.column("sender_sealed", sa.Text),
    sa.column("sender_hash", sa.String),
)


def _seal_senders(vault: PiiVault) -> None:
    """Received messages' sender addresses (``_PRIVATE@<code>``) masked, sealed and
    hashed, as ``ReceivedMessage.set_sender`` does."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_SENDERS.c.id, _SENDERS.c.sender)).all()
    for row_id, sender in rows:
        codes = find_identifiers(sender or "")
        if codes:
            bind.execute(
                _SENDERS.update()
                .where(_SENDERS.c.id == row_id)
                .values(
                    sender=mask_identifiers(sender),
                    sender_sealed=vault.encrypt(sender, SENDER_CONTEXT),
                    sender_hash=vault.lookup_hash(codes[0]),
                )
            )


def _open_senders(vault: PiiVault) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_SENDERS.c.id, _SENDERS.c.sender_sealed).where(
            _SENDERS.c.sender_sealed.is_not(None)
        )
    ).all()
    for row_id, sealed in rows:
        bind.execute(
            _SENDERS.update()
            .where(_SENDERS.c.id == row_id)
            .values(sender=vault.decrypt(sealed, SENDER_CONTEXT))
        )


def _open_params(vault: PiiVault) -> None:
    bind = op.get_bind()
    outbox = sa.table(
        "outbox_messages", sa.column("id", sa.Integer), sa.column("params", sa.JSON)
    )
    for row_id, params in bind.execute(sa.select(outbox.c.id, outbox.c.params)).all():
        opened = open_json(params, vault, PARAMS_CONTEXT)
        if opened is not params:
            bind.execute(
                outbox.update().where(outbox.c.id == row_id).values(params=opened)
            )


def _convert_states(convert: Callable[[str], str], *, sealed: bool) -> None:
    """Seal (or open) every instance state, in batches by id."""
    bind = op.get_bind()
    instances = sa.table(
        "process_instances",
        sa.column("id", sa.String),
        sa.column("state", sa.Text),
    )
    last = ""
    while True:
        rows = bind.execute(
            sa.select(instances.c.id, instances.c.state)
            .where(instances.c.id > last)
            .order_by(instances.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for instance_id, state in rows:
            if state and is_sealed(state) == sealed:
                bind.execute(
                    instances.update()
                    .where(instances.c.id == instance_id)
                    .values(state=convert(state))
                )
        last = rows[-1][0]
