# SPDX-License-Identifier: EUPL-1.2
"""The municipality's LDAP directory (docs/directory.md): its settings, the
mapping of its groups to roles and departments, the last sync's report and a
"sync now" button. Another municipality's mapping is a 404."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from domain.accounts import directory
from domain.accounts import services as accounts
from domain.accounts.models import PLATFORM_ADMIN, ROLES
from pkip.directory import sync_municipality
from webapp import platform_of, transaction
from webapp.admin import bp
from webapp.admin.common import ADMIN_ROLES, current_admin, now
from webapp.auth import roles_required
from webapp.nav import ROLE_LABELS

ERRORS = {
    "url_invalid": _l("Write it as ldap://host:port or ldaps://host:port."),
    "dn_invalid": _l("Not an LDAP DN (e.g. ou=people,dc=example,dc=lv)."),
    "env_invalid": _l("An environment variable's name: capital letters, digits, '_'."),
    "preset_invalid": _l("Choose OpenLDAP or Active Directory."),
    "attribute_invalid": _l("Not an LDAP attribute name."),
    "filter_invalid": _l("An LDAP filter in parentheses, e.g. (objectClass=person)."),
    "timeout_invalid": _l("1–60 seconds."),
    "kind_invalid": _l("Choose a role or a department."),
    "unknown_role": _l("Unknown role."),
    "platform_role": _l(
        "The platform administrator role is never given by the directory."
    ),
    "unknown_department": _l("The municipality has no such department."),
    "mapping_exists": _l("This mapping exists."),
}
ATTRIBUTE_LABELS = {
    "username": _l("Username attribute"),
    "full_name": _l("Name attribute"),
    "email": _l("E-mail attribute"),
    "member_of": _l("Group membership attribute"),
    "uac": _l("Account control attribute (AD)"),
    "locked": _l("Lock attribute"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _text(label: Any, required: bool = False) -> StringField:
    checks = [Length(max=500, message=_l("At most 500 characters."))]
    checks.insert(
        0, DataRequired(message=_l("Fill this in.")) if required else Optional()
    )
    return StringField(label, validators=checks, filters=[_strip])


class DirectoryForm(FlaskForm):
    url = _text(_l("Directory address"), required=True)
    preset = SelectField(
        _l("Directory kind"),
        choices=[
            SelectChoice("openldap", "OpenLDAP"),
            SelectChoice("ad", "Active Directory"),
        ],
    )
    user_base = _text(_l("Where people are (base DN)"), required=True)
    user_filter = _text(_l("People filter"))
    group_base = _text(_l("Where groups are (base DN)"))
    disabled_group = _text(_l("Group of disabled people (DN)"))
    bind_dn = _text(_l("Service account (DN)"))
    password_env = _text(_l("Environment variable with the service account's password"))
    attr_username = _text(ATTRIBUTE_LABELS["username"])
    attr_full_name = _text(ATTRIBUTE_LABELS["full_name"])
    attr_email = _text(ATTRIBUTE_LABELS["email"])
    attr_member_of = _text(ATTRIBUTE_LABELS["member_of"])
    attr_uac = _text(ATTRIBUTE_LABELS["uac"])
    attr_locked = _text(ATTRIBUTE_LABELS["locked"])
    timeout = IntegerField(
        _l("Time limit (seconds)"),
        default=5,
        validators=[
            DataRequired(message=_l("Fill this in.")),
            NumberRange(1, 60, message=_l("1–60 seconds.")),
        ],
    )
    enabled = BooleanField(_l("Synchronise users from this directory"), default=True)


class MappingForm(FlaskForm):
    group_dn = _text(_l("Directory group (DN)"), required=True)
    target = SelectField(_l("Gives"))


def _add_error(form: Any, exc: directory.DirectoryError, fallback: str) -> None:
    name = exc.field
    if name.startswith("attributes."):
        name = "attr_" + name.split(".", 1)[1]
    target = getattr(form, name, None) or getattr(form, fallback)
    text = ERRORS.get(exc.code)
    target.errors = [
        *target.errors,
        str(text) if text else _("The change was refused."),
    ]


def _targets(db: Any, municipality: str) -> list[tuple[str, str]]:
    roles = [
        (f"role:{r}", _("Role: %(name)s", name=str(ROLE_LABELS.get(r, r))))
        for r in ROLES
        if r != PLATFORM_ADMIN
    ]
    departments = [
        (f"department:{d.key}", _("Department: %(name)s", name=d.name))
        for d in accounts.departments_of(db, municipality)
    ]
    return roles + departments


def _choices(db: Any, municipality: str) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in _targets(db, municipality)]


@bp.route("/directory/", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def directory_settings() -> Any:
    admin = current_admin()
    form = DirectoryForm(prefix="cfg")
    mapping = MappingForm(prefix="map")
    with transaction() as db:
        config = directory.config_of(db, admin.municipality)
        mapping.target.choices = _choices(db, admin.municipality)
        if form.is_submitted() and form.validate():
            attributes = {
                key: getattr(form, f"attr_{key}").data or ""
                for key in directory.ATTRIBUTE_KEYS
                if getattr(form, f"attr_{key}").data
            }
            try:
                with db.begin_nested():
                    directory.save_config(
                        db,
                        admin,
                        url=form.url.data or "",
                        user_base=form.user_base.data or "",
                        bind_dn=form.bind_dn.data or "",
                        password_env=form.password_env.data or "",
                        user_filter=form.user_filter.data or "",
                        group_base=form.group_base.data or "",
                        preset=form.preset.data or "openldap",
                        attributes=attributes,
                        disabled_group=form.disabled_group.data or "",
                        enabled=bool(form.enabled.data),
                        timeout=form.timeout.data or 5,
                        now=now(),
                    )
            except directory.DirectoryError as exc:
                _add_error(form, exc, "url")
            else:
                flash(_("The directory settings are saved."), "success")
                return redirect(url_for("admin.directory_settings"))
        elif not form.is_submitted() and config is not None:
            for name in (
                "url",
                "preset",
                "user_base",
                "user_filter",
                "group_base",
                "disabled_group",
                "bind_dn",
                "password_env",
                "timeout",
                "enabled",
            ):
                getattr(form, name).data = getattr(config, name)
            for key, value in (config.attributes or {}).items():
                if key in directory.ATTRIBUTE_KEYS:
                    getattr(form, f"attr_{key}").data = value
        status = 422 if form.errors else 200
        return (
            render_template(
                "admin/directory.html",
                form=form,
                mapping=mapping,
                config=config,
                mappings=directory.mappings(db, admin.municipality),
                targets=dict(_targets(db, admin.municipality)),
            ),
            status,
        )


@bp.post("/directory/maps")
@roles_required(*ADMIN_ROLES)
def directory_map() -> Any:
    admin = current_admin()
    mapping = MappingForm(prefix="map")
    with transaction() as db:
        mapping.target.choices = _choices(db, admin.municipality)
        if mapping.validate():
            kind, _sep, value = (mapping.target.data or "").partition(":")
            try:
                with db.begin_nested():
                    directory.add_mapping(
                        db, admin, mapping.group_dn.data or "", kind, value, now=now()
                    )
            except directory.DirectoryError as exc:
                _add_error(mapping, exc, "group_dn")
            else:
                flash(_("The group is mapped."), "success")
                return redirect(url_for("admin.directory_settings"))
        form = DirectoryForm(prefix="cfg", formdata=None)
        config = directory.config_of(db, admin.municipality)
        return (
            render_template(
                "admin/directory.html",
                form=form,
                mapping=mapping,
                config=config,
                mappings=directory.mappings(db, admin.municipality),
                targets=dict(_targets(db, admin.municipality)),
            ),
            422,
        )


@bp.post("/directory/maps/<int:mapping_id>/delete")
@roles_required(*ADMIN_ROLES)
def directory_unmap(mapping_id: int) -> Any:
    with transaction() as db:
        try:
            directory.remove_mapping(db, current_admin(), mapping_id, now=now())
        except directory.DirectoryError:
            abort(404)
    flash(_("The mapping is removed."), "success")
    return redirect(url_for("admin.directory_settings"))


@bp.post("/directory/sync")
@roles_required(*ADMIN_ROLES)
def directory_sync() -> Any:
    admin = current_admin()
    with transaction() as db:
        if directory.config_of(db, admin.municipality) is None:
            abort(404)
    outcome = sync_municipality(platform_of(current_app), admin.municipality)
    if outcome.report is None:
        flash(
            _(
                "The directory could not be read; nothing was changed. The next "
                "sync tries again."
            ),
            "error",
        )
    else:
        r = outcome.report
        flash(
            _(
                "Synchronised: %(created)d created, %(updated)d changed, "
                "%(disabled)d disabled, %(enabled)d enabled.",
                created=len(r.created),
                updated=len(r.updated),
                disabled=len(r.disabled),
                enabled=len(r.enabled),
            ),
            "success",
        )
    return redirect(url_for("admin.directory_settings"))
