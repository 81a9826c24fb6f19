# SPDX-License-Identifier: EUPL-1.2
"""The card beside the owner's review task (the card itself, and what a new
version changes against the one in force) and the procedure for staff rendered
as Markdown on the card page."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import SERVICE_OWNER
from domain.catalogue import services as catalogue
from domain.catalogue.models import ServiceCard
from engine.models import UserTask
from tests.conftest import MUNI, T0
from tests.domain.catalogue.support import OWNERS, content, departments
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed", "municipalities")

PROCEDURE = (
    "# Soļi\n\n1. **Pārbaudi** pasākuma plānu.\n2. Sazinies ar policiju.\n\n"
    "[bīstama saite](javascript:alert(1))"
)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _review_task(db: Session, card: ServiceCard) -> UserTask:
    db.expire_all()  # the pages changed the card in their own transaction
    return db.scalars(
        select(UserTask).where(
            UserTask.instance_id == card.versions[-1].instance_id,
            UserTask.element_id == "review_card",
            UserTask.state == UserTask.READY,
        )
    ).one()


@pytest.fixture
def owner(as_role: Callable[..., WebClient], db_session: Session) -> WebClient:
    departments(db_session, MUNI)
    return as_role(SERVICE_OWNER, departments=(OWNERS,))


def test_the_card_page_renders_the_procedure_as_markdown(
    analyst: WebClient, db_session: Session
) -> None:
    card = catalogue.create_card(
        db_session, MUNI, content(procedure=PROCEDURE), actor="anna", now=T0
    )
    page = analyst.get(f"/catalogue/{card.id}").get_data(as_text=True)
    assert "<h2>Soļi</h2>" in page  # the page's own h1 stays the only one
    assert "<strong>Pārbaudi</strong>" in page and "<ol>" in page
    assert 'href="javascript' not in page
    assert '<pre class="card-procedure">' not in page


def test_the_review_task_shows_a_new_card(
    analyst: WebClient, owner: WebClient, db_session: Session
) -> None:
    card = catalogue.create_card(
        db_session, MUNI, content(procedure=PROCEDURE), actor="anna", now=T0
    )
    sent = analyst.submit(f"/catalogue/{card.id}/submit", {})
    assert sent.status_code == 302, _text(sent.get_data(as_text=True))
    task = _review_task(db_session, card)
    page = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    text = _text(page)
    assert 'id="card-review"' in page
    assert "Atļauja pasākumam parkā" in text
    assert "Atļauja rīkot publisku pasākumu pašvaldības parkā." in text
    assert "12,50\u00a0EUR" in page and "01.01.2026" in text
    assert "10 darba dienas" in text
    assert "Pasākuma plāns (neobligāts)" in text
    assert "<strong>Pārbaudi</strong>" in page  # the procedure, as Markdown
    assert "Jauna kartīte" in text  # nothing in force to compare with
    assert "Apstiprināt kartīti" in page  # the form is still there


def test_the_review_task_shows_the_changes_against_the_version_in_force(
    analyst: WebClient, owner: WebClient, db_session: Session
) -> None:
    card = catalogue.create_card(db_session, MUNI, content(), actor="anna", now=T0)
    sent = analyst.submit(f"/catalogue/{card.id}/submit", {})
    assert sent.status_code == 302
    first = _review_task(db_session, card)
    approved = owner.submit(f"/tasks/{first.id}", {"f.card_approved": "true"})
    assert approved.status_code == 302, approved.get_data(as_text=True)
    db_session.refresh(card)
    assert card.in_force() is not None
    catalogue.new_draft(db_session, card, actor="anna", now=T0)
    changed = replace(
        content(), name_lv="Atļauja pasākumam parkā vai skvērā", deadline_days=15
    )
    catalogue.save_draft(db_session, card, changed, actor="anna", now=T0)
    assert analyst.submit(f"/catalogue/{card.id}/submit", {}).status_code == 302
    db_session.refresh(card)
    task = _review_task(db_session, card)
    page = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    changes = page.split('id="card-changes"')[1].split("</ul>")[0]
    assert "Nosaukums (latviski)" in changes
    assert "<del>Atļauja pasākumam parkā</del>" in changes
    assert "<ins>Atļauja pasākumam parkā vai skvērā</ins>" in changes
    assert "<del>10</del>" in changes and "<ins>15</ins>" in changes
    assert "Cenrādis" not in changes and "Nosaukums (angliski)" not in changes


def test_other_tasks_show_no_card(
    as_role: Callable[..., WebClient], db_session: Session, platform: object
) -> None:
    from domain import cases

    engine = platform.engine(db_session)  # type: ignore[attr-defined]
    cases.start_case(
        engine,
        db_session,
        "tree_felling",
        municipality=MUNI,
        client=cases.Client("Jānis Bērziņš", "161175-19997"),
        channel=cases.OFFICE,
        actor="tests",
        data={},
    )
    task = db_session.scalars(select(UserTask).where(UserTask.state == "ready")).first()
    assert task is not None
    client = as_role("supervisor")
    assert 'id="card-review"' not in client.get(f"/tasks/{task.id}").get_data(
        as_text=True
    )
