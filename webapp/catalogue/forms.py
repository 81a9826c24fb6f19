# SPDX-License-Identifier: EUPL-1.2
"""The card's edit form (server-side, works without JavaScript) and its translation
to and from ``domain.catalogue.schemas.CardContent``.

The form only reads what was typed; the rules are the domain's (``check_draft``,
``check_complete``), whose errors come back by field path (``prices.1.amount``)
and are put beside the field here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from core.contracts import FieldError
from domain.catalogue.models import APPLICANTS, CALENDAR, CHANNELS, WORKING
from domain.catalogue.schemas import (
    CardContent,
    PriceInput,
    check_draft,
    document_lines,
    legal_basis_lines,
)

EMPTY_PRICE_ROWS = 2
"""Empty price rows offered under the filled ones (no JavaScript needed to add)."""

APPLICANT_LABELS = {"person": _l("A natural person"), "company": _l("A company")}
CHANNEL_LABELS = {
    "online": _l("E-service"),
    "in_person": _l("At the office"),
    "e_address": _l("E-address"),
    "post": _l("Post"),
    "vpvkac": _l("One-stop client centre (VPVKAC)"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
}
DEADLINE_LABELS = {WORKING: _l("working days"), CALENDAR: _l("calendar days")}
_DATE_RE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PriceForm(Form):
    name_lv = StringField(_l("Price line (Latvian)"))
    name_en = StringField(_l("Price line (English)"))
    amount = StringField(_l("Amount, EUR"), render_kw={"inputmode": "decimal"})
    unit = StringField(_l("Unit"))
    valid_from = StringField(_l("Valid from"), render_kw={"placeholder": "dd.mm.gggg"})
    valid_to = StringField(_l("Valid to"), render_kw={"placeholder": "dd.mm.gggg"})


class CardForm(FlaskForm):
    code = StringField(_l("Service code"), render_kw={"autocapitalize": "characters"})
    name_lv = StringField(_l("Name (Latvian)"))
    name_en = StringField(_l("Name (English)"))
    description_lv = TextAreaField(_l("Description (Latvian)"))
    description_en = TextAreaField(_l("Description (English)"))
    legal_basis = TextAreaField(_l("Legal basis"))
    applicants = MultiCheckboxField(
        _l("Who may apply"),
        choices=[SelectChoice(a, APPLICANT_LABELS[a]) for a in APPLICANTS],
        validate_choice=False,
    )
    channels = MultiCheckboxField(
        _l("Channels"),
        choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        validate_choice=False,
    )
    deadline_days = StringField(
        _l("Deadline, days"), render_kw={"inputmode": "numeric"}
    )
    deadline_kind = RadioField(
        _l("Deadline counted in"),
        choices=[SelectChoice(k, DEADLINE_LABELS[k]) for k in (WORKING, CALENDAR)],
        default=WORKING,
        validate_choice=False,
    )
    department = SelectField(_l("Responsible department"), validate_choice=False)
    documents = TextAreaField(_l("Documents required"))
    result_lv = TextAreaField(_l("Result (Latvian)"))
    result_en = TextAreaField(_l("Result (English)"))
    process_key = SelectField(_l("Process it runs"), validate_choice=False)
    procedure = TextAreaField(_l("Procedure for staff (Markdown)"))
    prices = FieldList(FormField(PriceForm), min_entries=1, max_entries=60)
    price_list_errors: list[str] = []


def parse_day(text: str) -> date | None | str:
    """dd.mm.yyyy (or yyyy-mm-dd) → date; "" → None; anything else → the text."""
    if not text.strip():
        return None
    found = _DATE_RE.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return text


def _lines_of_legal_basis(entries: Sequence[dict[str, Any]]) -> str:
    return "\n".join(
        f"{e['title']} | {e['url']}" if e.get("url") else str(e["title"])
        for e in entries
    )


def _lines_of_documents(entries: Sequence[dict[str, Any]]) -> str:
    return "\n".join(
        str(d["name"]) + ("" if d.get("mandatory", True) else " (neobligāts)")
        for d in entries
    )


def fill_form(form: CardForm, content: CardContent) -> None:
    """Put a version's content into an empty form (GET)."""
    for name in (
        "code",
        "name_lv",
        "name_en",
        "description_lv",
        "description_en",
        "result_lv",
        "result_en",
        "procedure",
        "department",
        "process_key",
        "deadline_kind",
    ):
        getattr(form, name).data = getattr(content, name)
    form.applicants.data = list(content.applicants)
    form.channels.data = list(content.channels)
    form.deadline_days.data = (
        str(content.deadline_days) if content.deadline_days else ""
    )
    form.legal_basis.data = _lines_of_legal_basis(content.legal_basis)
    form.documents.data = _lines_of_documents(content.documents)
    while len(form.prices.entries):
        form.prices.pop_entry()
    for price in content.prices:
        form.prices.append_entry(
            {
                "name_lv": price.name_lv,
                "name_en": price.name_en,
                "amount": price.amount,
                "unit": price.unit,
                "valid_from": price.valid_from.strftime("%d.%m.%Y")
                if price.valid_from
                else "",
                "valid_to": price.valid_to.strftime("%d.%m.%Y")
                if price.valid_to
                else "",
            }
        )
    add_empty_rows(form)


def add_empty_rows(form: CardForm) -> None:
    filled = sum(1 for entry in form.prices.entries if _typed(entry.form))
    while len(form.prices.entries) < filled + EMPTY_PRICE_ROWS:
        form.prices.append_entry()


def _typed(row: PriceForm) -> bool:
    return any((getattr(row, f).data or "").strip() for f in _PRICE_FIELDS)


_PRICE_FIELDS = ("name_lv", "name_en", "amount", "unit", "valid_from", "valid_to")


def read_form(form: CardForm) -> tuple[CardContent, list[FieldError]]:
    """The content typed (empty price rows dropped) and what could not be read."""
    errors: list[FieldError] = []
    days_text = (form.deadline_days.data or "").strip()
    days: int | None = None
    if days_text:
        if days_text.isdigit() and len(days_text) < 6:
            days = int(days_text)
        else:
            errors.append(
                FieldError("deadline_days", "Norādiet veselu skaitli", "A whole number")
            )
    prices: list[PriceInput] = []
    for entry in form.prices.entries:
        row: PriceForm = entry.form
        if not _typed(row):
            continue
        at = f"prices.{len(prices)}"
        dates = {}
        for name in ("valid_from", "valid_to"):
            value = parse_day(row[name].data or "")
            if isinstance(value, str):
                errors.append(
                    FieldError(
                        f"{at}.{name}",
                        "Datums formā dd.mm.gggg",
                        "A date as dd.mm.yyyy",
                        "format",
                    )
                )
                value = None
            dates[name] = value
        prices.append(
            PriceInput(
                name_lv=row.name_lv.data or "",
                name_en=row.name_en.data or "",
                amount=row.amount.data or "",
                unit=row.unit.data or "",
                valid_from=dates["valid_from"],
                valid_to=dates["valid_to"],
            )
        )
    content = CardContent(
        code=(form.code.data or "").strip().upper(),
        name_lv=form.name_lv.data or "",
        name_en=form.name_en.data or "",
        description_lv=form.description_lv.data or "",
        description_en=form.description_en.data or "",
        legal_basis=legal_basis_lines(form.legal_basis.data or ""),
        applicants=list(form.applicants.data or []),
        channels=list(form.channels.data or []),
        deadline_days=days,
        deadline_kind=form.deadline_kind.data or WORKING,
        department=form.department.data or "",
        documents=document_lines(form.documents.data or ""),
        result_lv=form.result_lv.data or "",
        result_en=form.result_en.data or "",
        process_key=form.process_key.data or "",
        procedure=(form.procedure.data or "").replace("\r\n", "\n"),
        prices=prices,
    )
    if errors:  # what could not be read, and the rules for the rest at once
        taken = {e.path for e in errors}
        errors += [e for e in check_draft(content) if e.path not in taken]
    return content, errors


def attach_errors(
    form: CardForm, errors: Sequence[FieldError], lang: str
) -> list[tuple[str, str]]:
    """Put each error beside its field; returns (anchor id, text) for the summary.

    Price errors count filled rows only (``read_form`` dropped the empty ones).
    """
    rows = [e for e in form.prices.entries if _typed(e.form)]
    summary: list[tuple[str, str]] = []
    form.price_list_errors = []
    for error in errors:
        text = error.message_en if lang == "en" and error.message_en else error.message
        if error.path == "prices":  # the list as a whole: shown above its rows
            form.price_list_errors.append(text)
            summary.append(("prices", text))
            continue
        field = _field_at(form, rows, error.path)
        if field is None:
            summary.append(("card-form", text))
            continue
        field.errors = [*field.errors, text]
        summary.append((field.id, f"{field.label.text}: {text}"))
    return summary


def _field_at(form: CardForm, rows: list[Any], path: str) -> Field | None:
    parts = path.split(".")
    if parts[0] == "prices":
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])].form
            return row[parts[2]] if parts[2] in _PRICE_FIELDS else None
        return None
    if parts[0] in form and parts[0] not in ("csrf_token", "prices"):
        return form[parts[0]]
    return None
