# SPDX-License-Identifier: EUPL-1.2
"""The retention rule as a daily job: erase the personal data of cases closed
``PKIP_PII_RETENTION_YEARS`` ago (domain/privacy, docs/personal-data.md)."""

from __future__ import annotations

import logging

from domain.privacy import purge
from pkip.platform import Platform

log = logging.getLogger(__name__)
PURGE_INTERVAL = 24 * 3600.0
"""Seconds between runs: the rule counts in years, once a day is plenty."""
BATCH = 200


def purge_personal_data(platform: Platform, *, batch: int = BATCH) -> int:
    """Erase what the retention rule says is due, ``batch`` cases per transaction
    (a long purge never holds locks for long); returns how many cases."""
    years = platform.settings.pii_retention_years
    total = 0
    while True:
        with platform.transaction() as session:
            done = purge(platform.engine(session), years=years, limit=batch)
        total += len(done.numbers)
        if len(done.numbers) < batch:
            break
    if total:
        log.info("retention: personal data of %d closed case(s) erased", total)
    return total
