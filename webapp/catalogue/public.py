# SPDX-License-Identifier: EUPL-1.2
"""The public catalogue (``/pakalpojumi/<municipality code>``), open without sign-in:
the municipality's cards in force, in Latvian or English (the page's language),
with the prices in force today."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from domain.catalogue import services as catalogue
from domain.models import Municipality
from webapp import transaction
from webapp.auth import public
from webapp.catalogue import labels
from webapp.catalogue.forms import APPLICANT_LABELS, CHANNEL_LABELS, DEADLINE_LABELS
from webapp.support import language, platform

public_bp = Blueprint("public_catalogue", __name__, url_prefix="/pakalpojumi")


@public_bp.get("/<code>")
@public
def municipality(code: str) -> str:
    if len(code) > 20:
        abort(404)
    with transaction() as db:
        found = db.get(Municipality, code)
        if found is None:
            abort(404)
        today = catalogue.local_day(platform().engine_config.clock())
        cards = [
            (card, version, version.prices_on(today))
            for card, version in catalogue.in_force(db, found.code)
        ]
        return render_template(
            "catalogue/public.html",
            place=found,
            cards=cards,
            today=today,
            en=language() == "en",
            eur=labels.eur,
            applicant_labels=APPLICANT_LABELS,
            channel_labels=CHANNEL_LABELS,
            deadline_labels=DEADLINE_LABELS,
        )
