# SPDX-License-Identifier: EUPL-1.2
"""The auditor's search form: sent by POST, so a personal code never reaches a URL."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, ValidationError
from wtforms.validators import Length, NumberRange, Optional, Regexp


def parse_day(raw: str) -> date:
    """``dd.mm.yyyy`` (as people write it) or ``yyyy-mm-dd``."""
    text = raw.strip()
    if "." in text:
        return datetime.strptime(text, "%d.%m.%Y").date()  # noqa: DTZ007 (a date)
    return date.fromisoformat(text)


def _day(form: FlaskForm, field: StringField) -> None:
    if field.data and field.data.strip():
        try:
            parse_day(field.data[:20])
        except ValueError as exc:
            raise ValidationError(_l("Write the date as dd.mm.yyyy.")) from exc


class AuditSearchForm(FlaskForm):
    person_code = StringField(
        _l("Personal code"),
        validators=[
            Optional(),
            Regexp(
                r"^\s*[0-9]{6}-?[0-9]{5}\s*$",
                message=_l("A personal code has 11 digits (ddmmyy-nnnnn)."),
            ),
        ],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    case_number = StringField(
        _l("Case number"),
        validators=[Length(max=50, message=_l("At most 50 characters."))],
    )
    system = StringField(
        _l("System"), validators=[Length(max=60, message=_l("At most 60 characters."))]
    )
    action = StringField(
        _l("Action"), validators=[Length(max=60, message=_l("At most 60 characters."))]
    )
    actor = StringField(
        _l("Who"), validators=[Length(max=100, message=_l("At most 100 characters."))]
    )
    date_from = StringField(_l("From (dd.mm.yyyy)"), validators=[_day])
    date_to = StringField(_l("To, inclusive (dd.mm.yyyy)"), validators=[_day])
    page = IntegerField(
        default=1, validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )

    def validate_date_to(self, field: StringField) -> None:
        start, end = self.date_from.data, field.data
        if not (start and end and start.strip() and end.strip()):
            return
        try:
            if parse_day(end[:20]) < parse_day(start[:20]):
                raise ValidationError(_l("The end of the period is before its start."))
        except ValueError:
            return  # the date's own check says so
