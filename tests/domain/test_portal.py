# SPDX-License-Identifier: EUPL-1.2
"""The portal's sign-in records: a request answered once, an assertion used once,
old rows forgotten; the applicant's form without the fields the portal fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import portal

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_request_is_answered_once_and_an_assertion_used_once(
    db_session: Session,
) -> None:
    portal.begin_sign_in(db_session, "id-a", "RIGA", "/portals/riga/", NOW)
    portal.begin_sign_in(db_session, "id-b", "RIGA", "/portals/riga/", NOW)
    assert set(portal.outstanding(db_session, NOW)) == {"id-a", "id-b"}
    first = portal.consume(db_session, "id-a", "assertion-1", NOW)
    assert first is not None and first.next_path == "/portals/riga/"
    assert portal.consume(db_session, "id-a", "assertion-2", NOW) is None
    # the same assertion brought to another outstanding request: a replay
    assert portal.consume(db_session, "id-b", "assertion-1", NOW) is None
    assert set(portal.outstanding(db_session, NOW)) == {"id-b"}
    later = NOW + timedelta(minutes=portal.services.SIGN_IN_MINUTES + 1)
    assert portal.outstanding(db_session, later) == {}


def test_rows_older_than_a_day_are_forgotten_at_the_next_sign_in(
    db_session: Session,
) -> None:
    portal.begin_sign_in(db_session, "id-old", "RIGA", "", NOW)
    portal.begin_sign_in(db_session, "id-new", "RIGA", "", NOW + timedelta(days=2))
    left = db_session.scalars(select(portal.PortalSignIn.request_id)).all()
    assert left == ["id-new"]
    assert db_session.scalar(select(func.count()).select_from(portal.PortalSignIn)) == 1


def test_the_applicant_does_not_see_the_fields_the_portal_fills() -> None:
    schema = {
        "type": "object",
        "properties": {"case_number": {}, "applicant_code": {}, "is_pensioner": {}},
        "required": ["applicant_code", "is_pensioner"],
    }
    shown = portal.applicant_schema(schema)
    assert shown is not None
    assert list(shown["properties"]) == ["is_pensioner"]
    assert shown["required"] == ["is_pensioner"]
    assert "applicant_code" in schema["properties"]  # the original is untouched


def test_file_names_lose_folders_and_control_characters() -> None:
    assert portal.clean_filename("C:\\Users\\x\\izziņa.pdf") == "izziņa.pdf"
    assert portal.clean_filename("../a\x00b\u202e.pdf") == "ab.pdf"
    assert portal.clean_filename("...") == "datne"
    assert len(portal.clean_filename("a" * 300 + ".pdf")) == 200
