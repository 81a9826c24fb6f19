# SPDX-License-Identifier: EUPL-1.2
"""The auditor's pages over the central audit chain (domain/audit): search by
person, case, system, action and period, and the CSV export (``/audit/``).
``trail`` is what the web room writes to the chain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from webapp.audit import views  # noqa: E402,F401  (views register on bp)
