# SPDX-License-Identifier: EUPL-1.2
"""Users of the municipality: list, create (with a one-time password shown once),
edit roles and departments, reset the password, disable and enable, and hand a
disabled user's open tasks over. Another municipality's user is a 404."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from domain.accounts import admin as administration
from domain.accounts import adminlog, handover
from domain.accounts import services as accounts
from domain.accounts.admin import AdminError
from domain.accounts.models import PLATFORM_ADMIN, ROLES, User
from domain.accounts.substitutes import substitutions_of
from engine.errors import Conflict, NotFound
from webapp import transaction
from webapp.admin import bp
from webapp.admin.common import ADMIN_ROLES, add_error, current_admin, error_text, now
from webapp.admin.user_forms import (
    EditUserForm,
    NewUserForm,
    ProfileFields,
    ReassignForm,
)
from webapp.auth import current_user, roles_required
from webapp.nav import ROLE_LABELS
from webapp.support import engine_for


def _choices(db: Session, form: ProfileFields) -> None:
    """Roles the administrator may grant, and the municipality's departments."""
    user = current_user()
    assert user is not None
    form.roles.choices = [
        (r, str(ROLE_LABELS.get(r, r)))
        for r in ROLES
        if r != PLATFORM_ADMIN or user.is_platform_admin
    ]
    form.departments.choices = [
        (d.key, f"{d.name} ({d.key})")
        for d in accounts.departments_of(db, current_admin().municipality)
    ]


def _user_or_404(db: Session, user_id: int) -> User:
    found = administration.scoped_user(db, current_admin(), user_id)
    if found is None:
        abort(404)
    return found


def _no_store(body: str) -> Any:
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"  # a one-time password is on it
    return response


@bp.get("/users/")
@roles_required(*ADMIN_ROLES)
def users() -> Any:
    search = request.args.get("q", "")[:100]
    with transaction() as db:
        rows = administration.list_users(
            db, current_admin().municipality, search=search
        )
        for row in rows:
            db.expunge(row)
    return render_template(
        "admin/users.html", users=rows, search=search, role_labels=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def new_user() -> Any:
    form = NewUserForm()
    with transaction() as db:
        _choices(db, form)
        if form.validate_on_submit():
            try:
                with db.begin_nested():  # a refusal leaves nothing behind
                    user, password = administration.create_user(
                        db,
                        current_admin(),
                        username=form.username.data or "",
                        full_name=form.full_name.data or "",
                        email=form.email.data or "",
                        roles=form.roles.data or [],
                        departments=form.departments.data or [],
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "username")
            else:
                flash(_("User %(name)s created.", name=user.full_name), "success")
                return _no_store(
                    render_template(
                        "admin/password_once.html", user=user, password=password
                    )
                )
        return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def user(user_id: int) -> Any:
    with transaction() as db:
        found = _user_or_404(db, user_id)
        form = EditUserForm(
            data=None
            if request.method == "POST"
            else {
                "full_name": found.full_name,
                "email": found.email,
                "roles": sorted(found.roles),
                "departments": sorted(found.department_keys),
            }
        )
        _choices(db, form)
        if form.validate_on_submit():
            try:
                with db.begin_nested():  # a refusal leaves the user as they were
                    changed = administration.update_user(
                        db,
                        current_admin(),
                        found,
                        full_name=form.full_name.data or "",
                        email=form.email.data or "",
                        roles=form.roles.data or [],
                        departments=form.departments.data or [],
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "roles")
            else:
                flash(
                    _("Saved. The changes apply from the user's next request.")
                    if changed
                    else _("Nothing changed."),
                    "success",
                )
                return redirect(url_for("admin.user", user_id=user_id))
        return render_template(
            "admin/user.html",
            form=form,
            user=found,
            open_tasks=handover.open_tasks(db, found.municipality, found.username),
            substitutions=substitutions_of(db, found.municipality, user_id=found.id),
            log=adminlog.entries(
                db, found.municipality, target_type="user", target_id=found.id, limit=20
            ),
            role_labels=ROLE_LABELS,
        )


@bp.post("/users/<int:user_id>/disable")
@roles_required(*ADMIN_ROLES)
def disable_user(user_id: int) -> Any:
    with transaction() as db:
        found = _user_or_404(db, user_id)
        try:
            administration.disable_user(db, current_admin(), found, now=now())
        except AdminError as exc:
            flash(error_text(exc), "error")
            return redirect(url_for("admin.user", user_id=user_id))
        name = found.full_name
        has_tasks = bool(handover.open_tasks(db, found.municipality, found.username))
    flash(_("%(name)s is disabled: their sessions have ended.", name=name), "success")
    if has_tasks:
        return redirect(url_for("admin.user_tasks", user_id=user_id))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/enable")
@roles_required(*ADMIN_ROLES)
def enable_user(user_id: int) -> Any:
    with transaction() as db:
        found = _user_or_404(db, user_id)
        try:
            administration.enable_user(db, current_admin(), found, now=now())
        except AdminError as exc:
            flash(error_text(exc), "error")
        else:
            flash(_("%(name)s is enabled again.", name=found.full_name), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@roles_required(*ADMIN_ROLES)
def reset_password(user_id: int) -> Any:
    with transaction() as db:
        found = _user_or_404(db, user_id)
        try:
            password = administration.reset_password(
                db, current_admin(), found, now=now()
            )
        except AdminError as exc:
            flash(error_text(exc), "error")
            return redirect(url_for("admin.user", user_id=user_id))
        return _no_store(
            render_template("admin/password_once.html", user=found, password=password)
        )


@bp.get("/users/<int:user_id>/tasks")
@roles_required(*ADMIN_ROLES)
def user_tasks(user_id: int) -> Any:
    with transaction() as db:
        found = _user_or_404(db, user_id)
        tasks = handover.open_tasks(db, found.municipality, found.username)
        colleagues = [
            u
            for u in administration.list_users(db, found.municipality, active=True)
            if u.id != found.id
        ]
        forms = {}
        for task in tasks:
            form = ReassignForm(prefix=f"t{task.id}", formdata=None)
            form.assignee.choices = [("", _("Back to the department's queue"))] + [
                (u.username, f"{u.full_name} ({u.username})") for u in colleagues
            ]
            forms[task.id] = form
        return render_template(
            "admin/user_tasks.html", user=found, tasks=tasks, forms=forms
        )


@bp.post("/tasks/<task_id>/reassign")
@roles_required(*ADMIN_ROLES)
def reassign_task(task_id: str) -> Any:
    back = request.form.get("user_id", type=int)
    to = request.form.get("assignee", "").strip() or None
    with transaction() as db:
        try:
            row = handover.reassign(
                engine_for(db), current_admin(), task_id, to, now=now()
            )
        except NotFound:
            abort(404)
        except Conflict:
            flash(_("The task is no longer open."), "error")
        except AdminError as exc:
            flash(error_text(exc), "error")
        else:
            flash(
                _("Task %(name)s given to %(who)s.", name=row.name, who=row.assignee)
                if row.assignee
                else _(
                    "Task %(name)s is back in the department's queue.", name=row.name
                ),
                "success",
            )
    if back is not None:
        return redirect(url_for("admin.user_tasks", user_id=back))
    return redirect(url_for("admin.users"))
