# SPDX-License-Identifier: EUPL-1.2
"""The service catalogue: the workplace's card pages (``catalogue``, analysts and
service owners) and the public catalogue of a municipality (``public_catalogue``,
no sign-in)."""

from __future__ import annotations

from webapp.catalogue.public import public_bp
from webapp.catalogue.views import bp

__all__ = ["bp", "public_bp"]
