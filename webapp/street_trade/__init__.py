# SPDX-License-Identifier: EUPL-1.2
"""Street trade places (``street_trade.*``): see ``views``."""

from __future__ import annotations

from webapp.street_trade.views import bp

__all__ = ["bp"]
