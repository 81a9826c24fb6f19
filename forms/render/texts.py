# SPDX-License-Identifier: EUPL-1.2
"""The words the rendered form adds around the schema's own titles, in lv and en.

Kept apart from the widgets so a reviewer can read every user-facing string in one
place. Latvian is the default; anything that is not ``"en"`` gets Latvian.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = ["FORMAT_HINTS", "bounds_hint", "format_number", "format_size", "text"]

_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "required": ("(obligāts)", "(required)"),
    "choose": ("— izvēlieties —", "— choose —"),
    "yes": ("Jā", "Yes"),
    "no": ("Nē", "No"),
    "error": ("Kļūda:", "Error:"),
    "summary": (
        "Lūdzu, izlabojiet kļūdas formā",
        "Please correct the errors in the form",
    ),
    "add_row": ("Pievienot rindu", "Add a row"),
    "remove": ("Noņemt", "Remove"),
    "row": ("{n}. rinda", "Row {n}"),
    "titled_row": ("{title} {n}", "{title} {n}"),
    "no_rows": ("Nav nevienas rindas.", "There are no rows."),
    "default_submit": ("Saglabāt", "Save"),
    "date_hint": ("Datums formātā dd.mm.gggg.", "Date as dd.mm.yyyy."),
    "date_time_hint": (
        "Datums un laiks formātā dd.mm.gggg hh:mm (Latvijas laiks).",
        "Date and time as dd.mm.yyyy hh:mm (Latvian time).",
    ),
    "attached": ("Pievienotais fails:", "Attached file:"),
    "remove_file": ("Noņemt pievienoto failu", "Remove the attached file"),
    "replace_file": (
        "Izvēlieties citu failu, lai to aizstātu.",
        "Choose another file to replace it.",
    ),
    "file_types": ("Atļautie faila tipi: {types}.", "Allowed file types: {types}."),
    "file_size": ("Lielākais faila izmērs: {size}.", "Largest file size: {size}."),
    "no_data": ("Nav datu.", "No data."),
    "min_max": ("No {min} līdz {max}.", "From {min} to {max}."),
    "min": ("Ne mazāk kā {min}.", "At least {min}."),
    "max": ("Ne vairāk kā {max}.", "At most {max}."),
}

FORMAT_HINTS: Final[dict[str, tuple[str, str]]] = {
    "personas-kods": (
        "Personas kods: 11 cipari, DDMMGG-NNNNN (domuzīme nav obligāta).",
        "Personal code: 11 digits, DDMMYY-NNNNN (the dash is optional).",
    ),
    "registracijas-numurs": (
        "Reģistrācijas numurs: 11 cipari.",
        "Registration number: 11 digits.",
    ),
    "iban": (
        "Konta numurs IBAN formātā, piemēram, LV80BANK0000435195001.",
        "Account number as an IBAN, e.g. LV80BANK0000435195001.",
    ),
    "atvk": (
        "ATVK kods: 7 cipari, piemēram, 0001000 (Rīga).",
        "ATVK code: 7 digits, e.g. 0001000 (Riga).",
    ),
    "email": ("Piemēram, vards@example.lv.", "For example, name@example.lv."),
    "kadastra-numurs": (
        "Kadastra numurs vai apzīmējums: 11 cipari, piemēram, 01000123456.",
        "Cadastre number or designation: 11 digits, e.g. 01000123456.",
    ),
    "talrunis": (
        "Tālruņa numurs, piemēram, +371 26123456.",
        "Phone number, e.g. +371 26123456.",
    ),
}


def text(key: str, language: str, **values: Any) -> str:
    """The UI string ``key`` in ``language``, with ``{placeholders}`` filled in."""
    lv, en = _TEXTS[key]
    chosen = en if language == "en" else lv
    return chosen.format(**values) if values else chosen


def format_number(value: Any, language: str) -> str:
    """``1.5`` as ``1,5`` in Latvian; whole floats without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = str(value)
    return shown if language == "en" else shown.replace(".", ",")


def format_money(value: Any, language: str) -> str:
    """An amount in euro (``"60.5"``, ``60``) as ``60,50 €`` (``€60.50`` in
    English); what is not a number is shown as it is."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"€{amount}" if language == "en" else f"{str(amount).replace('.', ',')} €"


def format_size(size: int, language: str) -> str:
    """A byte count for people: ``512 B``, ``20 KB``, ``1,5 MB`` (binary units)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024), language)} KB"
    return f"{format_number(round(size / (1024 * 1024), 1), language)} MB"


def bounds_hint(schema: dict[str, Any], language: str) -> str | None:
    """``No 1 līdz 10000.`` from ``minimum``/``maximum``, or None without bounds."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, bool) or isinstance(high, bool):
        return None
    if isinstance(low, int | float) and isinstance(high, int | float):
        return text(
            "min_max",
            language,
            min=format_number(low, language),
            max=format_number(high, language),
        )
    if isinstance(low, int | float):
        return text("min", language, min=format_number(low, language))
    if isinstance(high, int | float):
        return text("max", language, max=format_number(high, language))
    return None
