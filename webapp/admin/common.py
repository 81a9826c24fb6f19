# SPDX-License-Identifier: EUPL-1.2
"""What the administration pages share: who administers (``current_admin``), the
clock, and the refusals' messages (``domain.accounts.admin.AdminError`` codes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.calendar import RIGA
from domain.accounts.admin import Admin, AdminError
from domain.accounts.models import AUDITOR, MUNICIPALITY_ADMIN, PLATFORM_ADMIN
from webapp import platform_of
from webapp.auth import current_municipality, current_user

ADMIN_ROLES = (MUNICIPALITY_ADMIN, PLATFORM_ADMIN)
LOG_ROLES = (MUNICIPALITY_ADMIN, PLATFORM_ADMIN, AUDITOR)

ERRORS = {
    "username_invalid": _l("2–100 lowercase letters, digits, '.', '_' or '-'."),
    "username_taken": _l("This username is taken."),
    "full_name_invalid": _l("1–255 characters."),
    "email_invalid": _l("Enter an e-mail address like vards.uzvards@example.lv."),
    "unknown_role": _l("Unknown role."),
    "unknown_department": _l("The municipality has no such department."),
    "platform_role": _l("Only a platform administrator grants or takes this role."),
    "platform_user": _l("Only a platform administrator changes this user."),
    "directory_user": _l(
        "This user's password is kept in the municipality's user directory."
    ),
    "self_disable": _l("You cannot disable yourself."),
    "department_key_invalid": _l("2–100 lowercase letters, digits, '_' or '-'."),
    "department_key_taken": _l("A department with this key exists."),
    "unknown_user": _l("The municipality has no such user."),
    "inactive_user": _l("The user is disabled."),
    "dates_order": _l("The end date is before the start date."),
    "substitute_self": _l("A person cannot substitute themselves."),
    "municipality_code_invalid": _l("2–20 capital letters, digits or '_'."),
    "municipality_code_taken": _l("A municipality with this code exists."),
    "atvk_invalid": _l("Not an ATVK code in force (7 digits)."),
    "e_address_invalid": _l("Write it as _DEFAULT@<registration number>."),
    "name_invalid": _l("1–255 characters."),
}


def error_text(exc: AdminError) -> str:
    text = ERRORS.get(exc.code)
    return str(text) if text is not None else _("The change was refused.")


def add_error(form: Any, exc: AdminError, fallback: str) -> None:
    """Put the refusal on the form field it concerns (or on ``fallback``)."""
    target = getattr(form, exc.field, None) or getattr(form, fallback)
    target.errors = [*target.errors, error_text(exc)]


def current_admin() -> Admin:
    user = current_user()
    assert user is not None  # behind roles_required
    return Admin(
        username=user.username,
        municipality=current_municipality(),
        platform=user.is_platform_admin,
    )


def now() -> datetime:
    moment: datetime = platform_of(current_app).engine_config.clock()
    return moment


def today() -> date:
    return now().astimezone(RIGA).date()
