# SPDX-License-Identifier: EUPL-1.2
"""Render a form's JSON schema as an accessible HTML form and read the post back.

Flask-free: the task page (webapp/) calls these with the task's schema and data::

    sub = parse_submission(schema, request.form, request.files)
    if sub.action:                      # "Pievienot rindu" / "Noņemt" was pressed
        html = render_form(schema, sub.data, focus=sub.action.focus)
    else:
        errors = sub.errors + forms.validate(form_key, sub.data)
        if errors:
            html = render_form(schema, sub.data, errors)   # keeps what was typed
        else:
            ...complete the task with sub.data...

    html = render_data(schema, case_data)   # earlier data, read-only

The page supplies ``<form method="post" enctype="multipart/form-data" novalidate>``,
the CSRF field and its own buttons; the CSS classes are the workplace's own
(``field``, ``field-invalid``, ``field-error``, ``hint``, ``error-summary``,
``visually-hidden``) plus ``field-group``, ``field-rows``, ``field-row``,
``field-required``, ``choice``, ``button-secondary`` and ``form-data``.
"""

from __future__ import annotations

from forms.render.context import merge_errors
from forms.render.display import render_data
from forms.render.files import UploadedFile
from forms.render.layout import render_form
from forms.render.parse import FormAction, Submission, parse_submission

__all__ = [
    "FormAction",
    "Submission",
    "UploadedFile",
    "merge_errors",
    "parse_submission",
    "render_data",
    "render_form",
]
