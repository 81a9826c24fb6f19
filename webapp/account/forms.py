# SPDX-License-Identifier: EUPL-1.2
"""Forms of the account pages; every message is translated (Latvian by default)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Regexp,
)

from domain.accounts.models import LANGUAGES, NOTIFICATIONS
from domain.accounts.services import EMAIL_RE, MIN_PASSWORD_LENGTH


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter your username.")),
            Length(max=100, message=_l("The username is too long.")),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(message=_l("Enter your password.")),
            Length(max=1000, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


NOTIFICATION_CHOICES = [
    SelectChoice("immediate", _l("By e-mail as soon as there is new work")),
    SelectChoice("daily", _l("By e-mail once a day")),
    SelectChoice("none", _l("No e-mails")),
]
assert [c.value for c in NOTIFICATION_CHOICES] == list(NOTIFICATIONS)


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Name and surname"),
        validators=[
            DataRequired(message=_l("Enter your name and surname.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=255, message=_l("At most 255 characters.")),
            Regexp(
                EMAIL_RE,
                message=_l("Enter an e-mail address like vards.uzvards@example.lv."),
            ),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice("lv", "Latviešu"), SelectChoice("en", "English")],
        validators=[AnyOf(LANGUAGES, message=_l("Choose a language."))],
        validate_choice=False,
    )
    notifications = RadioField(
        _l("Notifications about new work"),
        choices=NOTIFICATION_CHOICES,
        validators=[AnyOf(NOTIFICATIONS, message=_l("Choose how to be notified."))],
        validate_choice=False,
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(message=_l("Enter your current password.")),
            Length(max=1000, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(message=_l("Enter the new password again.")),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
