# SPDX-License-Identifier: EUPL-1.2
"""Issuing through a municipality's DVS, template versions, the print queue's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from domain.documents import services as documents
from domain.documents.models import PAPER, TO_PRINT, Delivery
from domain.documents.render import TemplateProblem
from domain.documents.templates import save_template, template_in_force
from engine.errors import InvalidOperation, NotFound
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.domain.documents.pdf import pdf_text

FIELDS = {"decision_title": "Lēmums", "decision_text": "Piešķirt."}


def _issue(
    session: Session,
    platform: Platform,
    *,
    use_dvs: bool,
    key: str | None = None,
    instance_id: str | None = None,
) -> documents.Document:
    return documents.issue_document(
        session,
        platform.connectors,
        documents.Issue(MUNI, "decision", instance_id, FIELDS, key, use_dvs=use_dvs),
        now=T0,
    )


def test_a_dvs_register_numbers_the_document(
    db_session: Session, platform: Platform, start_case: Callable[..., Any]
) -> None:
    case = start_case("tree_felling")
    document = _issue(
        db_session, platform, use_dvs=True, key="k-dvs", instance_id=case.instance_id
    )
    assert document.case_number == case.number
    assert document.register == "dvs"
    assert document.registration_number  # the DVS simulator's number
    assert not document.registration_number.startswith(f"{MUNI}-2026-D-")
    lines = pdf_text(document.content).splitlines()
    assert lines[1] == f"Reģ. Nr. {document.registration_number}"
    # the same outbox key again: the same document, DVS not asked twice
    repeat = _issue(
        db_session, platform, use_dvs=True, key="k-dvs", instance_id=case.instance_id
    )
    assert repeat.id == document.id


def test_own_register_and_checksum(db_session: Session, platform: Platform) -> None:
    import hashlib

    first = _issue(db_session, platform, use_dvs=False)
    second = _issue(db_session, platform, use_dvs=False)
    assert first.registration_number == f"{MUNI}-2026-D-00001"
    assert second.registration_number == f"{MUNI}-2026-D-00002"
    assert first.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first.size == len(first.content)


def test_templates_are_versioned_per_municipality(db_session: Session) -> None:
    base = template_in_force(db_session, MUNI, "permit")
    assert (base.municipality, base.version) == ("", 1)
    mine = save_template(
        db_session, MUNI, "permit", "<p>{{ case_number }}</p>", actor="a"
    )
    again = save_template(
        db_session, MUNI, "permit", "<p>{{ client_name }}</p>", actor="a"
    )
    assert (mine.version, again.version) == (1, 2)
    assert template_in_force(db_session, MUNI, "permit").id == again.id
    assert template_in_force(db_session, OTHER_MUNI, "permit").id == base.id
    with pytest.raises(TemplateProblem, match="tukša"):
        save_template(db_session, MUNI, "permit", "  ", actor="a")
    with pytest.raises(KeyError):
        template_in_force(db_session, MUNI, "nezinama")


def test_print_queue_steps_in_order_and_per_municipality(
    db_session: Session, platform: Platform
) -> None:
    document = _issue(db_session, platform, use_dvs=False)
    delivery = Delivery(
        municipality=MUNI,
        document_id=document.id,
        channel=PAPER,
        state=TO_PRINT,
        created_at=T0,
        updated_at=T0,
    )
    db_session.add(delivery)
    db_session.flush()
    with pytest.raises(InvalidOperation):
        documents.mark_delivery(
            db_session, MUNI, delivery.id, "posted", actor="a", now=T0
        )
    with pytest.raises(NotFound):
        documents.mark_delivery(
            db_session, OTHER_MUNI, delivery.id, "printed", actor="a", now=T0
        )
    with pytest.raises(NotFound):
        documents.get_document(db_session, OTHER_MUNI, document.id)
    documents.mark_delivery(db_session, MUNI, delivery.id, "printed", actor="a", now=T0)
    documents.mark_delivery(db_session, MUNI, delivery.id, "posted", actor="a", now=T0)
    assert documents.print_queue(db_session, MUNI) == []
