# SPDX-License-Identifier: EUPL-1.2
"""Departments (name, head, members) and substitutes for absences of the
municipality. Another municipality's department or substitution is a 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from domain.accounts import admin as administration
from domain.accounts import departments as depts
from domain.accounts import services as accounts
from domain.accounts import substitutes
from domain.accounts.admin import AdminError
from domain.accounts.models import Department
from webapp import transaction
from webapp.admin import bp
from webapp.admin.common import (
    ADMIN_ROLES,
    add_error,
    current_admin,
    error_text,
    now,
    today,
)
from webapp.admin.user_forms import DepartmentForm, EditDepartmentForm, SubstitutionForm
from webapp.auth import roles_required


def _people(db: Session) -> list[tuple[str, str]]:
    return [
        (u.username, f"{u.full_name} ({u.username})")
        for u in administration.list_users(
            db, current_admin().municipality, active=True
        )
    ]


def _department_or_404(db: Session, department_id: int) -> Department:
    found = depts.scoped_department(db, current_admin(), department_id)
    if found is None:
        abort(404)
    return found


@bp.route("/departments/", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def departments() -> Any:
    form = DepartmentForm()
    with transaction() as db:
        form.head.choices = [("", _("— none —")), *_people(db)]
        if form.validate_on_submit():
            try:
                with db.begin_nested():
                    made = depts.create_department(
                        db,
                        current_admin(),
                        key=form.key.data or "",
                        name=form.name.data or "",
                        head=form.head.data or None,
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "key")
            else:
                flash(_("Department %(name)s created.", name=made.name), "success")
                return redirect(url_for("admin.department", department_id=made.id))
        municipality = current_admin().municipality
        return render_template(
            "admin/departments.html",
            form=form,
            departments=accounts.departments_of(db, municipality),
            counts=depts.member_counts(db, municipality),
        )


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def department(department_id: int) -> Any:
    with transaction() as db:
        found = _department_or_404(db, department_id)
        members = depts.members(db, found)
        form = EditDepartmentForm(
            data=None
            if request.method == "POST"
            else {
                "name": found.name,
                "head": found.head.username if found.head else "",
                "members": [u.username for u in members if u.active],
            }
        )
        people = _people(db)
        form.head.choices = [("", _("— none —")), *people]
        form.members.choices = people
        if form.validate_on_submit():
            try:
                with db.begin_nested():
                    changed = depts.update_department(
                        db,
                        current_admin(),
                        found,
                        name=form.name.data or "",
                        head=form.head.data or None,
                        clear_head=not form.head.data,
                        now=now(),
                    )
                    # disabled members stay members: they are not offered here
                    kept = [u.username for u in members if not u.active]
                    changed |= depts.set_members(
                        db,
                        current_admin(),
                        found,
                        [*(form.members.data or []), *kept],
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "members")
            else:
                flash(
                    _("Saved. The changes apply from the members' next request.")
                    if changed
                    else _("Nothing changed."),
                    "success",
                )
                return redirect(url_for("admin.department", department_id=found.id))
        return render_template(
            "admin/department.html", form=form, department=found, members=members
        )


@bp.route("/substitutions/", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def substitutions() -> Any:
    form = SubstitutionForm()
    with transaction() as db:
        people = _people(db)
        form.absent.choices = [("", _("— choose —")), *people]
        form.substitute.choices = [("", _("— choose —")), *people]
        if form.validate_on_submit():
            assert form.starts_on.data is not None and form.ends_on.data is not None
            try:
                with db.begin_nested():
                    substitutes.add_substitution(
                        db,
                        current_admin(),
                        absent=form.absent.data or "",
                        substitute=form.substitute.data or "",
                        starts_on=form.starts_on.data,
                        ends_on=form.ends_on.data,
                        now=now(),
                    )
            except AdminError as exc:
                add_error(form, exc, "substitute")
            else:
                flash(_("Substitution saved."), "success")
                return redirect(url_for("admin.substitutions"))
        return render_template(
            "admin/substitutions.html",
            form=form,
            substitutions=substitutes.substitutions_of(
                db, current_admin().municipality
            ),
            today=today(),
        )


@bp.post("/substitutions/<int:sub_id>/end")
@roles_required(*ADMIN_ROLES)
def end_substitution(sub_id: int) -> Any:
    with transaction() as db:
        found = substitutes.scoped_substitution(db, current_admin(), sub_id)
        if found is None:
            abort(404)
        try:
            substitutes.end_substitution(db, current_admin(), found, now=now())
        except AdminError as exc:  # pragma: no cover - nothing refuses yet
            flash(error_text(exc), "error")
        else:
            flash(_("Substitution ended."), "success")
    return redirect(url_for("admin.substitutions"))
