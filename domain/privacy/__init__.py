# SPDX-License-Identifier: EUPL-1.2
"""Personal data at rest: key rotation and the retention rule (docs/personal-data.md).
The primitives (look-up hash, encryption, masking) are core/pii.py."""

from domain.privacy.rotation import RotationStats, rotate, sealed_columns
from domain.privacy.services import (
    PurgeResult,
    due_for_purge,
    purge,
    retention_cutoff,
)

__all__ = [
    "PurgeResult",
    "RotationStats",
    "due_for_purge",
    "purge",
    "retention_cutoff",
    "rotate",
    "sealed_columns",
]
