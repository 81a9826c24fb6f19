# SPDX-License-Identifier: EUPL-1.2
"""The modeler's upload form: deploy a .bpmn file without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice

TARGET_VARIANT = "variant"
TARGET_BASE = "base"


class UploadForm(FlaskForm):
    bpmn_file = FileField(
        _l("BPMN file (.bpmn)"),
        validators=[FileRequired(message=_l("Choose a .bpmn file."))],
        render_kw={"accept": ".bpmn,.xml,application/xml,text/xml"},
    )
    target = RadioField(
        _l("Deploy as"),
        choices=[
            SelectChoice(TARGET_VARIANT, _l("A variant of this municipality")),
            SelectChoice(TARGET_BASE, _l("The base version for all municipalities")),
        ],
        default=TARGET_VARIANT,
    )


class ImportForm(FlaskForm):
    bpmn_file = FileField(
        _l("BPMN file from another modeler (.bpmn, .xml)"),
        validators=[FileRequired(message=_l("Choose a .bpmn or .xml file."))],
        render_kw={"accept": ".bpmn,.xml,application/xml,text/xml"},
    )
