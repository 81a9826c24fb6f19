# SPDX-License-Identifier: EUPL-1.2
"""Service set-up pages (``services.*``): see ``views``."""

from __future__ import annotations

from webapp.services.views import bp

__all__ = ["bp"]
