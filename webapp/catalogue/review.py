# SPDX-License-Identifier: EUPL-1.2
"""The card beside the service owner's review task ("Izskatīt pakalpojuma
kartīti"): the version under review in full, and what it changes against the
version in force, so the owner decides on the task page itself."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import Session

from domain.accounts.services import departments_of
from domain.catalogue.review import CardReview, review_of
from domain.catalogue.services import PROCESS_KEY, local_day
from domain.services.procedure import render_procedure
from engine.models import UserTask
from webapp.catalogue import labels
from webapp.catalogue.forms import APPLICANT_LABELS, CHANNEL_LABELS, DEADLINE_LABELS
from webapp.support import platform


def review_panel(db: Session, task: UserTask) -> Markup | None:
    """The card of a ``catalogue_change`` task, rendered; None for other tasks."""
    if task.process_key != PROCESS_KEY:
        return None
    review = review_of(db, task.municipality, task.instance_id)
    if review is None:
        return None
    names = {d.key: d.name for d in departments_of(db, review.card.municipality)}
    department = names.get(review.version.department, review.version.department)
    before = review.in_force
    rows = _changes(review, names)
    return Markup(  # noqa: S704 - a template rendered with autoescape
        render_template(
            "catalogue/_review.html",
            review=review,
            card=review.card,
            version=review.version,
            before=before,
            department=department,
            changes=rows,
            card_labels=labels,
            applicant_labels=APPLICANT_LABELS,
            channel_labels=CHANNEL_LABELS,
            deadline_labels=DEADLINE_LABELS,
            render_procedure=render_procedure,
            today=local_day(platform().engine_config.clock()),
        )
    )


def _changes(
    review: CardReview, names: dict[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """(label, before, after) per changed field; before and after only for short
    fields, the rest is named (the card below shows it in full)."""
    before, after = review.in_force, review.version
    if before is None:
        return []
    rows: list[tuple[str, str | None, str | None]] = []
    for field in review.changed:
        label = str(labels.FIELDS[field])
        old: str | None
        new: str | None
        if any(label == row[0] for row in rows):
            continue  # the deadline's days and kind are one line
        if field in labels.SHORT:
            old, new = _shown(getattr(before, field)), _shown(getattr(after, field))
        elif field == "department":
            old = _shown(names.get(before.department, before.department))
            new = _shown(names.get(after.department, after.department))
        else:
            old = new = None
        rows.append((label, old, new))
    return rows


def _shown(value: object) -> str:
    return "—" if value in (None, "") else str(value)
