# SPDX-License-Identifier: EUPL-1.2
"""The periodic signed checkpoint of the audit chains (domain/audit, docs/audit.md)."""

from __future__ import annotations

import logging

from domain.audit.checkpoints import checkpoint
from pkip.platform import Platform

log = logging.getLogger(__name__)


def checkpoint_audit(platform: Platform) -> int:
    """Sign the heads of the chains that moved since the last checkpoint and append
    them to PKIP_AUDIT_EXPORT_DIR; how many chains."""
    with platform.transaction(readonly=True) as session:
        points = checkpoint(session, platform.audit_key, platform.audit_export_dir)
    if points:
        log.info("audit: %d chain head(s) signed", len(points))
    return len(points)
