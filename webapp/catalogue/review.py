# SPDX-License-Identifier: EUPL-1.2
"""The card beside the service owner's review task ("Izskatīt pakalpojuma
kartīti"): the version under review in full, and what it changes against the
version in force, so the owner decides on the task page itself."""

from __future__ import annotations

from markupsafe import Markup
from flask import render_template
from sqlalchemy.orm import Session

from domain.accounts.services import departments_of
from domain.catalogue.review import review_of
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
    rows: list[tuple[str, str | None, str | None]] = []  # label, before, after
    for field in review.changed if before is not None else ():
        label = str(labels.FIELDS[field])
        if any(label == row[0] for row in rows):
            continue  # the deadline's days and kind are one line
        if field in labels.SHORT:
            rows.append((label, _shown(getattr(before, field)), _shown(getattr(review.version, field))))
        elif field == "department":
            rows.append((label, names.get(before.department, before.department) or "—", department or "—"))
        else:
            rows.append((label, None, None))
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


def _shown(value: object) -> str:
    return "—" if value in (None, "") else str(value)
