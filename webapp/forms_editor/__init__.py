# SPDX-License-Identifier: EUPL-1.2
"""The browser form editor for analysts (``forms_editor.*``): see ``views``."""

from __future__ import annotations

from webapp.forms_editor.views import bp

__all__ = ["bp"]
