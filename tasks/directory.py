# SPDX-License-Identifier: EUPL-1.2
"""The periodic directory sync: every municipality's LDAP directory read and its
people applied to users (pkip/directory.py, docs/directory.md). A directory that
cannot be read changes nothing; the next run tries again."""

from __future__ import annotations

import logging
import os

from pkip.directory import sync_all
from pkip.platform import Platform

log = logging.getLogger(__name__)


def sync_interval() -> float:
    """Seconds between runs: ``PKIP_DIRECTORY_SYNC_SECONDS``, 15 minutes by default
    (a person disabled in the directory is disabled here within that time)."""
    raw = os.environ.get("PKIP_DIRECTORY_SYNC_SECONDS", "")
    try:
        return max(60.0, float(raw)) if raw else 900.0
    except ValueError:
        return 900.0


def sync_directories(platform: Platform) -> int:
    """Sync every enabled directory; returns how many users changed."""
    changed = 0
    for outcome in sync_all(platform):
        if outcome.report is None:
            continue  # logged and recorded on the configuration; retried next run
        r = outcome.report
        changed += len(r.created) + len(r.updated) + len(r.disabled) + len(r.enabled)
    return changed
