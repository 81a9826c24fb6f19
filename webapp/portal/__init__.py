# SPDX-License-Identifier: EUPL-1.2
"""The residents' and companies' e-services portal (blueprint ``portal``, issue 12):
``/portals/<municipality>/`` with the municipality's services, sign-in through
latvija.lv (``signin.py``), applying, "Mani pieteikumi" and the case's documents
(``views.py``). Residents are not workplace users: their identity is a session
entry of its own (``resident.py``). See docs/portal.md."""

from __future__ import annotations

from flask import Flask

from webapp.portal import signin, views  # noqa: F401 - their routes
from webapp.portal.blueprint import bp

__all__ = ["bp", "init_portal"]


def init_portal(app: Flask) -> None:
    """Register the blueprint; the ACS takes the identity provider's signed post,
    which carries no CSRF token."""
    app.register_blueprint(bp)
    app.extensions["pkip_csrf"].exempt(signin.acs)
