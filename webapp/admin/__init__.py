# SPDX-License-Identifier: EUPL-1.2
"""Administration (the navigation's ``admin.index``): a landing page with the
sections an administrator may use; users, departments, substitutes, the CSV
import, the administration log, municipalities (platform administrators) and the
API tokens of the municipality.

Add a section: a view on ``bp`` in its own module, imported below, and an entry in
``SECTIONS`` (endpoint, label, description, roles).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from webapp.admin import (  # noqa: E402,F401  (views register on bp)
    departments,
    directory,
    platform,
    tokens,
    users,
    views,
)
