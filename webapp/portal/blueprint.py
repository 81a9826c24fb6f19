# SPDX-License-Identifier: EUPL-1.2
"""The portal's blueprint (``portal``) at /portals/: its own pages and base
template; the views are in ``views.py`` and ``signin.py``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portals")
