# SPDX-License-Identifier: EUPL-1.2
"""Words for the catalogue's codes (translated) and money as Latvians write it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from domain.catalogue import models

STATES = {
    models.DRAFT: _l("Draft"),
    models.REVIEW: _l("Under review"),
    models.RETURNED: _l("Returned for changes"),
    models.APPROVED: _l("Approved, being published"),
    models.PUBLISHED: _l("Published"),
    models.SUPERSEDED: _l("Superseded"),
}
EVENTS = {
    "created": _l("Version created"),
    "edited": _l("Changed"),
    "submitted": _l("Submitted for review"),
    "returned": _l("Returned for changes"),
    "resubmitted": _l("Corrected and submitted again"),
    "approved": _l("Approved"),
    "published": _l("Published in the state catalogue (PSPP)"),
    "superseded": _l("Superseded by a newer version"),
}
PUBLICATION = {
    "pending": _l("On its way to PSPP"),
    "sending": _l("On its way to PSPP"),
    "held": _l("On its way to PSPP"),
    "delivered": _l("Received by PSPP"),
    "failed": _l("PSPP did not accept it: see the error"),
}


def eur(cents: int) -> str:
    """12,50 EUR; thousands grouped with a space (1 250,00 EUR)."""
    whole = f"{cents // 100:,}".replace(",", "\u00a0")
    return f"{whole},{cents % 100:02d}\u00a0EUR"


FIELDS = {
    "name_lv": _l("Name (Latvian)"),
    "name_en": _l("Name (English)"),
    "description_lv": _l("Description (Latvian)"),
    "description_en": _l("Description (English)"),
    "legal_basis": _l("Legal basis"),
    "applicants": _l("Who may apply"),
    "channels": _l("Channels"),
    "deadline_days": _l("Deadline"),
    "deadline_kind": _l("Deadline"),
    "department": _l("Responsible department"),
    "documents": _l("Documents required"),
    "result_lv": _l("Result (Latvian)"),
    "result_en": _l("Result (English)"),
    "process_key": _l("Process it runs"),
    "procedure": _l("Procedure for staff"),
    "prices": _l("Price list"),
}
"""The card's fields as the card page names them (the owner's list of changes)."""
SHORT = ("name_lv", "name_en", "deadline_days", "process_key")
"""Fields short enough to show before and after in the list of changes."""
