# SPDX-License-Identifier: EUPL-1.2
"""What every template sees: the user, the navigation, the municipality, the language.

| name | what |
| --- | --- |
| ``current_user`` | ``AuthUser`` or None |
| ``nav_apps`` | the applications the user may use (``webapp.nav.App``) |
| ``active_app`` | the application of this page, or None |
| ``municipality`` | the ``Municipality`` queries are scoped to, or None |
| ``municipalities`` | every municipality, for a platform admin's switch (else []) |
| ``lang`` | ``"lv"`` or ``"en"`` |
| ``csrf_token()`` | the CSRF token for a form's hidden field (Flask-WTF) |
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import select

from core.pii import mask_identifiers
from domain.models import Municipality
from webapp import platform_of
from webapp.auth import current_municipality, current_user
from webapp.i18n import select_locale
from webapp.nav import active_app, visible_apps


def _municipalities() -> tuple[Municipality | None, list[Municipality]]:
    if "pkip_municipality" in g:
        return g.pkip_municipality, g.pkip_municipalities
    user = current_user()
    found: Municipality | None = None
    every: list[Municipality] = []
    if user is not None:
        code = current_municipality()
        with platform_of(current_app).transaction(readonly=True) as db:
            if user.is_platform_admin:
                every = list(
                    db.scalars(select(Municipality).order_by(Municipality.name))
                )
                found = next((m for m in every if m.code == code), None)
            else:
                found = db.get(Municipality, code)
    g.pkip_municipality, g.pkip_municipalities = found, every
    return found, every


def register_context(app: Flask) -> None:
    # Error texts shown to people are masked like logs (``16****-****7``), also those
    # stored before the engine masked them at the source.
    app.add_template_filter(mask_identifiers, "mask_pii")

    @app.context_processor
    def workplace_context() -> dict[str, Any]:
        user = current_user()
        municipality, municipalities = _municipalities()
        return {
            "current_user": user,
            "nav_apps": visible_apps(user),
            "active_app": active_app(),
            "municipality": municipality,
            "municipalities": municipalities,
            "lang": select_locale(),
        }
