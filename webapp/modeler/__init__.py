# SPDX-License-Identifier: EUPL-1.2
"""The modeler for analysts (``modeler.*``): see ``views`` for the routes."""

from __future__ import annotations

from webapp.modeler.actions import bp as _json_bp
from webapp.modeler.drafts import bp as _drafts_bp
from webapp.modeler.drafts import json_bp as _draft_json_bp
from webapp.modeler.views import bp

bp.register_blueprint(_json_bp)
bp.register_blueprint(_drafts_bp)
bp.register_blueprint(_draft_json_bp)

__all__ = ["bp"]
