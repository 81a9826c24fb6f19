# SPDX-License-Identifier: EUPL-1.2
"""The central tamper-evident audit log (docs/audit.md): one append-only,
hash-chained record per event, per municipality, with signed checkpoints kept
outside the database."""
