# SPDX-License-Identifier: EUPL-1.2
"""The web app factory: the universal workplace (sign-in, navigation, profile) and
the applications registered on it. The contract for adding pages is docs/webapp.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from core.settings import Settings
from pkip.platform import Platform
from webapp.ratelimit import LoginThrottle, MemoryLoginThrottle


def create_app(
    settings: Settings | None = None,
    *,
    platform: Platform | None = None,
    start_jobs: bool = False,
    login_throttle: LoginThrottle | None = None,
) -> Flask:
    """Build the app; nothing connects or starts unless asked (``start_jobs``)."""
    from webapp import auth, i18n, input_guard, security, token_audit
    from webapp.errors import register_error_pages
    from webapp.nav import register_placeholders
    from webapp.templating import register_context

    platform = platform or Platform(settings)
    production = platform.settings.env == "production"
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=platform.settings.secret_key,
        SESSION_COOKIE_NAME="pkip_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=auth.SESSION_HOURS),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        JSON_AS_ASCII=False,
        # CSRF is checked by auth.guard before every unsafe request (token-authenticated
        # API calls carry no cookie and are exempt); the token lives as long as the
        # session, so a form left open for hours still sends.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )
    app.extensions["pkip"] = platform
    app.extensions["pkip_login_throttle"] = login_throttle or _login_throttle(
        platform.settings
    )
    csrf = CSRFProtect(app)
    app.extensions["pkip_csrf"] = csrf

    from tasks.celery_app import make_celery

    app.extensions["celery"] = make_celery(platform)

    i18n.init_app(app)
    input_guard.init_app(app)  # first: refuses unusable input before sign-in
    app.before_request(auth.guard(csrf))
    token_audit.install()  # a token's history events name the token and its creator
    register_context(app)
    register_error_pages(app)
    _register_blueprints(app)
    register_placeholders(app)  # after every blueprint: fills the gaps only
    security.init_app(
        app,
        production=production,
        trusted_proxies=platform.settings.trusted_proxies,
    )

    if start_jobs and not platform.settings.broker_url:
        from tasks.loop import TimerLoop

        app.extensions["timer_loop"] = TimerLoop(platform).start()

    if not production:
        from webapp import sim

        # The simulated state systems and their pages (what PKIP sent them).
        app.wsgi_app = security.with_simulator_headers(  # type: ignore[method-assign]
            sim.mount(app.wsgi_app)
        )
        sim.deliver_payment_notifications(app)

    return app


def _register_blueprints(app: Flask) -> None:
    """Every blueprint of the web app. Add yours here (docs/webapp.md)."""
    from webapp.account import bp as account_bp
    from webapp.dashboard import bp as dashboard_bp
    from webapp.modeler import bp as modeler_bp
    from webapp.status import bp as status_bp
    from webapp.workplace import bp as workplace_bp

    app.register_blueprint(workplace_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(status_bp)
    app.register_blueprint(modeler_bp)
    app.register_blueprint(dashboard_bp)

    from webapp.cases import bp as cases_bp
    from webapp.inbox import bp as inbox_bp
    from webapp.intake import bp as intake_bp
    from webapp.start import bp as start_bp

    app.register_blueprint(inbox_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(start_bp)
    app.register_blueprint(intake_bp)

    from webapp.documents import bp as documents_bp

    app.register_blueprint(documents_bp)

    from webapp.catalogue import bp as catalogue_bp
    from webapp.catalogue import public_bp as public_catalogue_bp

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(public_catalogue_bp)  # /pakalpojumi/<code>, no sign-in

    from webapp.forms_editor import bp as forms_editor_bp
    from webapp.services import bp as services_bp

    app.register_blueprint(forms_editor_bp)
    app.register_blueprint(services_bp)

    from webapp.street_trade import bp as street_trade_bp

    app.register_blueprint(street_trade_bp)

    from webapp.payments import bp as payments_bp

    app.register_blueprint(payments_bp)

    from webapp.admin import bp as admin_bp
    from webapp.api import init_api
    from webapp.audit import bp as audit_bp

    app.register_blueprint(admin_bp)  # admin.index and the API tokens
    app.register_blueprint(audit_bp)  # the auditor's search of the audit chain
    from webapp.admin.views import ACTIONS as ADMIN_ACTIONS
    from webapp.audit.trail import signed_out
    from webapp.auth import on_logout

    app.extensions["pkip_admin_actions"] = ADMIN_ACTIONS  # labels on /audit/
    on_logout(app, signed_out)
    init_api(app)  # the REST API under /api/v1 and its reference at /api/docs

    from webapp.oidc import bp as oidc_bp

    app.register_blueprint(oidc_bp)  # single sign-on (docs/sso.md)

    from webapp.portal import init_portal

    init_portal(app)  # the residents' portal at /portals/ (its own sign-in)

    from webapp.callbacks import bp as callbacks_bp

    app.register_blueprint(callbacks_bp)  # signed, not a form: no CSRF token
    app.extensions["pkip_csrf"].exempt(callbacks_bp)


def _login_throttle(settings: Settings) -> LoginThrottle:
    """Sign-in limits shared by every process in Redis when the broker is Redis
    (production's several processes), else counted in this one process."""
    if settings.broker_url.startswith(("redis://", "rediss://")):
        from webapp.ratelimit_redis import RedisLoginThrottle

        return RedisLoginThrottle.from_url(settings.broker_url)
    return MemoryLoginThrottle()


def platform_of(app: Flask) -> Platform:
    platform: Platform = app.extensions["pkip"]
    return platform


def transaction() -> Any:
    """``with transaction() as db:`` — a session of the current app's platform,
    committed at the end of the block (rolled back on an error or an ``abort``)."""
    from flask import current_app

    return platform_of(current_app).transaction()
