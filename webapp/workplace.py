# SPDX-License-Identifier: EUPL-1.2
"""The workplace home page at "/".

Extension point: when the inbox exists, ``home`` sends people who may use it there
(``redirect(url_for("inbox.index"))`` for ``user.has_role(*roles_of("inbox.index"))``)
and keeps this overview of applications for everyone else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, url_for

from webapp.auth import current_user, login_required, public
from webapp.nav import roles_of, visible_apps

bp = Blueprint("workplace", __name__)


@bp.get("/")
@login_required
def home() -> Any:
    user = current_user()
    if user is not None and user.has_role(*roles_of("inbox.index")):
        return redirect(url_for("inbox.index"))
    return render_template("workplace/home.html", apps=visible_apps(user))


@bp.get("/favicon.ico")
@public
def favicon() -> Any:
    """Browsers ask for /favicon.ico on every page that names none (the API
    reference, error pages, JSON): answer with the icon, not a 404 in the log."""
    return current_app.send_static_file("favicon.ico")
