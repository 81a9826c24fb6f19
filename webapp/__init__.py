# SPDX-License-Identifier: EUPL-1.2
"""The web app factory. The workplace, API, modeler and dashboard arrive in issue #3;
until then the app serves a status page and a health check."""

from __future__ import annotations

from typing import Any

from flask import Flask

from core.settings import Settings
from pkip.platform import Platform


def create_app(
    settings: Settings | None = None,
    *,
    platform: Platform | None = None,
    start_jobs: bool = False,
) -> Flask:
    """Build the app; nothing connects or starts unless asked (``start_jobs``)."""
    platform = platform or Platform(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=platform.settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=platform.settings.env == "production",
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.extensions["pkip"] = platform

    from tasks.celery_app import make_celery

    app.extensions["celery"] = make_celery(platform)

    from webapp.status import bp as status_bp

    app.register_blueprint(status_bp)

    if start_jobs and not platform.settings.broker_url:
        from tasks.loop import TimerLoop

        app.extensions["timer_loop"] = TimerLoop(platform).start()

    @app.template_filter("lvdate")
    def lvdate(value: Any) -> str:
        return value.strftime("%d.%m.%Y %H:%M") if value is not None else ""

    return app


def platform_of(app: Flask) -> Platform:
    platform: Platform = app.extensions["pkip"]
    return platform
