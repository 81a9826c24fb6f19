# SPDX-License-Identifier: EUPL-1.2
"""The platform administrator's pages: municipalities (create; name, ATVK code,
e-address) and their administrators; the CSV import of users and the
administration log for a municipality's administrators (and auditors)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts import adminlog, csv_import
from domain.accounts import municipalities as munis
from domain.accounts.admin import Admin, AdminError, create_user
from domain.accounts.models import MUNICIPALITY_ADMIN, PLATFORM_ADMIN
from domain.models import Municipality
from webapp import transaction
from webapp.admin import bp
from webapp.admin.common import (
    ADMIN_ROLES,
    LOG_ROLES,
    add_error,
    current_admin,
    now,
)
from webapp.admin.user_forms import (
    EditMunicipalityForm,
    ImportForm,
    MunicipalityForm,
    NewUserForm,
)
from webapp.auth import current_municipality, current_user, roles_required


@bp.route("/municipalities/", methods=["GET", "POST"])
@roles_required(PLATFORM_ADMIN)
def municipalities() -> Any:
    form = MunicipalityForm()
    user = current_user()
    assert user is not None
    with transaction() as db:
        if form.validate_on_submit():
            try:
                with db.begin_nested():
                    made = munis.create_municipality(
                        db,
                        user.username,
                        code=form.code.data or "",
                        name=form.name.data or "",
                        atvk=form.atvk.data,
                        e_address=form.e_address.data,
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "code")
            else:
                flash(_("Municipality %(name)s created.", name=made.name), "success")
                return redirect(url_for("admin.municipality", code=made.code))
        return render_template(
            "admin/municipalities.html", form=form, rows=munis.municipalities(db)
        )


@bp.route("/municipalities/<code>", methods=["GET", "POST"])
@roles_required(PLATFORM_ADMIN)
def municipality(code: str) -> Any:
    user = current_user()
    assert user is not None
    with transaction() as db:
        found = db.get(Municipality, code)
        if found is None:
            abort(404)
        form = EditMunicipalityForm(obj=found)
        admin_form = NewUserForm(prefix="admin")
        admin_form.roles.choices = [(MUNICIPALITY_ADMIN, MUNICIPALITY_ADMIN)]
        admin_form.departments.choices = []
        if form.validate_on_submit():
            try:
                with db.begin_nested():
                    changed = munis.update_municipality(
                        db,
                        user.username,
                        found,
                        name=form.name.data or "",
                        atvk=form.atvk.data,
                        e_address=form.e_address.data,
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "name")
            else:
                flash(_("Saved.") if changed else _("Nothing changed."), "success")
                return redirect(url_for("admin.municipality", code=code))
        admins = munis.admins_of(db, code)
        return render_template(
            "admin/municipality.html",
            form=form,
            admin_form=admin_form,
            municipality=found,
            admins=admins,
        )


@bp.post("/municipalities/<code>/admins")
@roles_required(PLATFORM_ADMIN)
def add_municipality_admin(code: str) -> Any:
    """A new administrator of ``code``, with a one-time password shown once."""
    user = current_user()
    assert user is not None
    admin_form = NewUserForm(prefix="admin")
    admin_form.roles.choices = [(MUNICIPALITY_ADMIN, MUNICIPALITY_ADMIN)]
    admin_form.departments.choices = []
    with transaction() as db:
        found = db.get(Municipality, code)
        if found is None:
            abort(404)
        if admin_form.validate_on_submit():
            try:
                with db.begin_nested():
                    made, password = create_user(
                        db,
                        Admin(user.username, code, platform=True),
                        username=admin_form.username.data or "",
                        full_name=admin_form.full_name.data or "",
                        email=admin_form.email.data or "",
                        roles=[MUNICIPALITY_ADMIN],
                        now=now(),
                    )
            except AdminError as exc:
                add_error(admin_form, exc, "username")
            else:
                response = make_response(
                    render_template(
                        "admin/password_once.html", user=made, password=password
                    )
                )
                response.headers["Cache-Control"] = "no-store"
                return response
        flash(_("The administrator was not created: check the form."), "error")
        for field in admin_form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("admin.municipality", code=code))


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def import_users() -> Any:
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(csv_import.MAX_BYTES + 1)
        with transaction() as db:
            result = csv_import.import_users(db, current_admin(), data, now=now())
            if result.ok:
                created = [(u.full_name, u.username, p) for u, p in result.created]
                response = make_response(
                    render_template("admin/import_done.html", created=created)
                )
                response.headers["Cache-Control"] = "no-store"
                return response
    return render_template("admin/import.html", form=form, result=result)


@bp.get("/log")
@roles_required(*LOG_ROLES)
def log() -> Any:
    with transaction() as db:
        entries = adminlog.entries(db, current_municipality(), limit=300)
        for entry in entries:
            db.expunge(entry)
    return render_template("admin/log.html", entries=entries)
