# SPDX-License-Identifier: EUPL-1.2
"""The supervisor dashboard (``dashboard.*``): see ``views`` for the routes."""

from __future__ import annotations

from webapp.dashboard.views import bp

__all__ = ["bp"]
