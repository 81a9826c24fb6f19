# SPDX-License-Identifier: EUPL-1.2
"""Forms of the user administration pages (choices are set per request: the
municipality's departments and users)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from domain.accounts.services import EMAIL_RE
from webapp.admin.forms import CheckboxesField


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ProfileFields(FlaskForm):
    full_name = StringField(
        _l("Name and surname"),
        validators=[
            DataRequired(message=_l("Enter the name and surname.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
        filters=[_strip],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=255, message=_l("At most 255 characters.")),
            Regexp(
                EMAIL_RE,
                message=_l("Enter an e-mail address like vards.uzvards@example.lv."),
            ),
        ],
        filters=[_strip],
    )
    roles = CheckboxesField(_l("Roles"), choices=[], validate_choice=False)
    departments = CheckboxesField(_l("Departments"), choices=[], validate_choice=False)


class NewUserForm(ProfileFields):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Regexp(
                r"^[a-z0-9][a-z0-9._-]{1,99}$",
                message=_l("2–100 lowercase letters, digits, '.', '_' or '-'."),
            ),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )


class EditUserForm(ProfileFields):
    pass


class ReassignForm(FlaskForm):
    assignee = SelectField(_l("Give to"), choices=[], validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))]
    )


class SubstitutionForm(FlaskForm):
    absent = SelectField(_l("Absent person"), choices=[], validate_choice=False)
    substitute = SelectField(_l("Substitute"), choices=[], validate_choice=False)
    starts_on = DateField(
        _l("From"),
        format="%Y-%m-%d",
        validators=[DataRequired(message=_l("Enter the first day."))],
    )
    ends_on = DateField(
        _l("Until (inclusive)"),
        format="%Y-%m-%d",
        validators=[DataRequired(message=_l("Enter the last day."))],
    )

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_substitute(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the substitute."))
        if field.data == self.absent.data:
            raise ValidationError(_l("A person cannot substitute themselves."))

    def validate_absent(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the absent person."))


class DepartmentForm(FlaskForm):
    key = StringField(
        _l("Key (the process lane's group)"),
        validators=[
            DataRequired(message=_l("Enter the key.")),
            Regexp(
                r"^[a-z0-9][a-z0-9_-]{1,99}$",
                message=_l("2–100 lowercase letters, digits, '_' or '-'."),
            ),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the name.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
        filters=[_strip],
    )
    head = SelectField(_l("Head"), choices=[], validate_choice=False)


class EditDepartmentForm(FlaskForm):
    name = DepartmentForm.name
    head = SelectField(_l("Head"), choices=[], validate_choice=False)
    members = CheckboxesField(_l("Members"), choices=[], validate_choice=False)


class MunicipalityForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Regexp(
                r"^[A-Z0-9_]{2,20}$",
                message=_l("2–20 capital letters, digits or '_'."),
            ),
        ],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the name.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
        filters=[_strip],
    )
    atvk = StringField(
        _l("ATVK code"),
        validators=[
            Optional(),
            Regexp(r"^\d{7}$", message=_l("Seven digits, e.g. 0001000.")),
        ],
        filters=[_strip],
    )
    e_address = StringField(
        _l("E-address"),
        validators=[Optional(), Length(max=64, message=_l("At most 64 characters."))],
        filters=[_strip],
    )


class EditMunicipalityForm(FlaskForm):
    name = MunicipalityForm.name
    atvk = MunicipalityForm.atvk
    e_address = MunicipalityForm.e_address
