# SPDX-License-Identifier: EUPL-1.2
"""The form of a new API token."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from domain.accounts.services import KNOWN_SCOPES

SCOPE_LABELS = {
    "definitions:read": _l("Read process definitions"),
    "definitions:deploy": _l(
        "Deploy process definitions (the municipality's variants)"
    ),
    "instances:read": _l("Read process instances and their history"),
    "instances:start": _l("Start processes and service cases"),
    "tasks:read": _l("Read tasks"),
    "tasks:write": _l("Claim and complete tasks"),
    "cases:read": _l("Read service cases, their documents and status history"),
    "intake:read": _l("Read the incoming letters and their files"),
    "intake:write": _l(
        "Handle incoming letters: start a case, attach to a case, register"
    ),
    "audit:read": _l("Search the central audit log"),
    "audit:write": _l("Write events of another municipal system to the audit log"),
}
"""A label for every scope an API token may carry (a test checks that none is
missing when a scope is added to ``KNOWN_SCOPES``)."""


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Name the system that will use the token.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
    )
    scopes = CheckboxesField(
        _l("Permissions"),
        choices=[SelectChoice(s, SCOPE_LABELS.get(s, s)) for s in KNOWN_SCOPES],
        validators=[DataRequired(message=_l("Choose at least one permission."))],
    )
    expires_on = DateField(
        _l("Valid until (inclusive)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )

    def __init__(
        self,
        *args: object,
        today: date,
        grantable: Collection[str] = KNOWN_SCOPES,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._today = today
        self._grantable = frozenset(grantable)

    def validate_scopes(self, field: CheckboxesField) -> None:
        """A token never gets more than the person who creates it may do."""
        beyond = [s for s in KNOWN_SCOPES if s in (field.data or ())]
        beyond = [s for s in beyond if s not in self._grantable]
        if beyond:
            raise ValidationError(
                _l(
                    "Your own roles do not allow this, so a token you create may "
                    "not either: %(scopes)s.",
                    scopes=", ".join(str(SCOPE_LABELS.get(s, s)) for s in beyond),
                )
            )

    def validate_expires_on(self, field: DateField) -> None:
        if field.data is not None and field.data < self._today:
            raise ValidationError(_l("The date has passed."))
