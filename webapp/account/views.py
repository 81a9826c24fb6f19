# SPDX-License-Identifier: EUPL-1.2
"""Sign-in, sign-out, the profile page, the language and municipality switches."""

from __future__ import annotations

import math
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from flask_babel import ngettext, refresh

from core.db import utcnow
from domain.accounts import admin as administration
from domain.accounts import directory
from domain.accounts import services as accounts
from domain.accounts.models import PLATFORM_ADMIN
from domain.models import Municipality
from engine.errors import Conflict
from pkip.directory import DirectoryDown
from pkip.directory import check_password as directory_check_password
from webapp import platform_of
from webapp.account.forms import LoginForm, PasswordForm, ProfileForm
from webapp.audit import trail
from webapp.auth import (
    current_user,
    login_required,
    login_user,
    logout_user,
    public,
    roles_required,
    safe_next,
)
from webapp.i18n import LANGUAGES
from webapp.nav import ROLE_LABELS
from webapp.ratelimit import LoginThrottle
from webapp.security import client_address

bp = Blueprint("account", __name__)


def _platform() -> Any:
    return platform_of(current_app)


def _throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions["pkip_login_throttle"]
    return throttle


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        username = form.username.data or ""
        address = client_address()  # None: unknown behind a proxy (security.py)
        wait = _throttle().retry_after(username, address)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            flash(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(num)d minute.",
                    "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                    minutes,
                ),
                "error",
            )
            status = 429
            trail.sign_in_failed(username, "throttled")
        else:
            password = form.password.data or ""
            try:
                signed_in = _sign_in(username, password)
            except DirectoryDown:
                # Not the user's mistake: no failed attempt is counted.
                signed_in = None
            if signed_in:
                _throttle().succeeded(username, address)
                return redirect(safe_next(form.next.data))
            if signed_in is None:
                flash(
                    _(
                        "The municipality's user directory cannot be reached, so "
                        "directory accounts cannot sign in right now. Try again in "
                        "a few minutes; local accounts sign in as usual."
                    ),
                    "error",
                )
                status = 503
            else:
                _throttle().failed(username, address)
                trail.sign_in_failed(username, "wrong_password")
                flash(_("Wrong username or password."), "error")
    form.password.data = ""  # never sent back
    return render_template("account/login.html", form=form), status


SIGN_IN_ATTEMPTS = 3


def _sign_in(username: str, password: str) -> bool:
    """Sign the user in if the password is right, and record it.

    The slow hash check runs in a reading transaction and only the short write
    after it takes SQLite's write lock: sign-ins do not hold up the office's other
    work. A password changed or an account closed in between (a new auth stamp,
    inactive) counts as a failed sign-in.

    A user whose source is the directory signs in with the directory's password
    (a bind as them; nothing is stored here): ``DirectoryDown`` when it cannot be
    asked. Local accounts never wait for the directory."""
    with _platform().transaction(readonly=True) as db:
        login = directory.login_of(db, username)
        checked = None if login else accounts.check_password(db, username, password)
    if login is not None:
        if not directory_check_password(_platform(), login, password):
            return False
        return _record_sign_in(login.user_id, login.auth_stamp, None)
    if checked is None:
        return False
    return _record_sign_in(checked.id, checked.auth_stamp, password)


def _record_sign_in(user_id: int, auth_stamp: str, password: str | None) -> bool:
    """Start the session (``password`` None: a directory user, no hash to renew)."""
    for attempt in range(1, SIGN_IN_ATTEMPTS + 1):
        try:
            with _platform().transaction() as db:
                user = accounts.get_user(db, user_id)
                if user is None or not user.active or user.auth_stamp != auth_stamp:
                    return False
                if password is None:
                    user.last_login_at = utcnow()
                else:
                    accounts.record_sign_in(user, password)
                trail.record(
                    db,
                    "signin.success",
                    actor=user.username,
                    municipality=user.municipality,
                    subject_kind="user",
                    subject_id=user.id,
                    details={"method": "directory" if password is None else "password"},
                )
                login_user(user)
            return True
        except Conflict:
            # Only "last signed in" was being written: trying again is harmless.
            if attempt == SIGN_IN_ATTEMPTS:
                raise
    return False  # pragma: no cover - the loop returns or raises


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(safe_next(None, "account.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    user = current_user()
    assert user is not None
    form = ProfileForm(
        data=None
        if request.method == "POST"
        else {
            "full_name": user.full_name,
            "email": user.email,
            "language": user.language,
            "notifications": user.notifications,
        }
    )
    if form.validate_on_submit():
        with _platform().transaction() as db:
            found = accounts.get_user(db, user.id)
            if found is None:
                abort(404)
            try:
                accounts.update_profile(
                    found,
                    full_name=form.full_name.data or "",
                    email=form.email.data or "",
                    language=form.language.data or "",
                    notifications=form.notifications.data or "",
                )
            except accounts.AccountError as exc:  # pragma: no cover - the form checks
                getattr(form, exc.field).errors.append(str(exc))
                return _profile_page(form)
        session["lang"] = form.language.data
        refresh()
        flash(_("Your profile has been saved."), "success")
        return redirect(request.path)
    return _profile_page(form)


def _profile_page(form: ProfileForm) -> str:
    user = current_user()
    assert user is not None
    with _platform().transaction() as db:
        found = accounts.get_user(db, user.id)
        departments = [d.name for d in found.departments] if found else []
        last_login = found.last_login_at if found else None
    return render_template(
        "account/profile.html",
        form=form,
        role_names=[str(label) for r, label in ROLE_LABELS.items() if r in user.roles],
        departments=departments,
        last_login=last_login,
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Choose a new password (required after a one-time password from an
    administrator); other sessions of the user end, this one goes on."""
    user = current_user()
    assert user is not None
    with _platform().transaction(readonly=True) as db:
        from_directory = directory.is_directory_user(db, user.username)
    if from_directory:
        flash(
            _(
                "Your password is kept in the municipality's user directory: "
                "change it there."
            ),
            "info",
        )
        return redirect(safe_next(None))
    form = PasswordForm()
    if form.validate_on_submit():
        with _platform().transaction() as db:
            found = accounts.get_user(db, user.id)
            if found is None:
                abort(404)
            try:
                administration.change_own_password(
                    db,
                    found,
                    form.current_password.data or "",
                    form.new_password.data or "",
                )
            except administration.AdminError as exc:
                messages = {
                    "password_wrong": _("The current password is not right."),
                    "password_same": _("Choose a password other than the current one."),
                }
                target = (
                    form.current_password
                    if exc.field == "current_password"
                    else form.new_password
                )
                target.errors = [*target.errors, messages.get(exc.code, str(exc))]
            else:
                login_user(found)  # a fresh session with the new auth stamp
                flash(_("Your password has been changed."), "success")
                return redirect(safe_next(None))
    return render_template(
        "account/password.html", form=form, required=user.must_change_password
    )


@bp.post("/language")
@public
def language() -> Any:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        user = current_user()
        if user is not None:
            with _platform().transaction() as db:
                found = accounts.get_user(db, user.id)
                if found is not None:
                    found.language = lang
    return redirect(safe_next(request.form.get("next")))


@bp.post("/municipality")
@roles_required(PLATFORM_ADMIN)
def municipality() -> Any:
    code = request.form.get("municipality", "")
    with _platform().transaction() as db:
        found = db.get(Municipality, code)
        if found is None:
            flash(_("No such municipality."), "error")
        else:
            session["muni"] = found.code
            flash(_("You now work in %(name)s.", name=found.name), "success")
    return redirect(safe_next(request.form.get("next")))
