# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/audit/events: other systems write into the chain (batches, idempotency
keys, 422 with field paths), auditors search it; one municipality never sees
another's records; personal codes only as their hash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.audit.chain import verify
from domain.audit.models import AuditRecord
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.webapp.api_support import TokenClient, make_token

URL = "/api/v1/audit/events"
CODE = "161175-19997"


def _event(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "at": (T0 - timedelta(minutes=1)).isoformat(),
        "system": "dvs",
        "action": "document.opened",
        "actor": "janis.berzins",
        "subject_kind": "case",
        "subject_id": "RIGA/2026/17",
        "person_code": CODE,
        "details": {"note": f"opened by {CODE}"},
        **changes,
    }


@pytest.fixture
def writer(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session, scopes=["audit:write"]))


@pytest.fixture
def reader(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session, scopes=["audit:read"]))


def test_a_batch_is_chained_once_and_a_replay_adds_nothing(
    writer: TokenClient, db_session: Session, web_platform: Platform
) -> None:
    body = {"events": [_event("k1"), _event("k2", action="document.printed")]}
    first = writer.post(URL, json=body)
    assert first.status_code == 200, first.get_json()
    result = first.get_json()
    assert (result["accepted"], result["duplicates"]) == (2, 0)
    assert [e["seq"] for e in result["events"]] == [1, 2]
    again = writer.post(URL, json={"events": [_event("k2"), _event("k3")]}).get_json()
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    assert again["events"][0] == {**result["events"][1], "duplicate": True}
    assert again["events"][1]["seq"] == 3
    records = db_session.scalars(
        select(AuditRecord).where(AuditRecord.municipality == MUNI)
    ).all()
    assert len(records) == 3
    record = records[0]
    assert record.system == "dvs" and record.idempotency_key == "k1"
    assert record.person_hash == web_platform.pii.lookup_hash(CODE)
    assert record.details["via"].startswith("token:")
    assert "19997" not in str([r.details for r in records])
    assert verify(db_session).ok


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ({"at": "2026-03-02T09:00:00"}, "at"),  # no time zone
        ({"action": "<script>alert(1)</script>"}, "action"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"details": {"x": "y" * 9000}}, "details"),
        ({"at": (T0 + timedelta(days=1)).isoformat()}, "at"),
    ],
)
def test_bad_events_answer_422_naming_the_field_and_write_nothing(
    writer: TokenClient, db_session: Session, event: dict[str, Any], path: str
) -> None:
    body = {"events": [_event("ok"), _event("bad", **event)]}
    response = writer.post(URL, json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]["events"]
    assert path in errors["1"], errors
    assert db_session.scalars(select(AuditRecord)).all() == []


def test_batches_are_limited_and_scopes_checked(
    writer: TokenClient, reader: TokenClient
) -> None:
    too_many = {"events": [_event(f"k{i}") for i in range(101)]}
    response = writer.post(URL, json=too_many)
    assert response.status_code == 422
    assert "events" in response.get_json()["errors"]["json"]
    assert reader.post(URL, json={"events": [_event("k")]}).status_code == 403
    assert writer.post(f"{URL}/search", json={}).status_code == 403


def test_the_search_finds_a_person_by_code_only_in_the_own_municipality(
    app: Flask, writer: TokenClient, reader: TokenClient, db_session: Session
) -> None:
    other = TokenClient(app, make_token(db_session, OTHER_MUNI, scopes=["audit:write"]))
    assert (
        writer.post(
            URL, json={"events": [_event("a"), _event("b", person_code=None)]}
        ).status_code
        == 200
    )
    assert other.post(URL, json={"events": [_event("a")]}).status_code == 200
    found = reader.post(f"{URL}/search", json={"person_code": "16117519997"}).get_json()
    assert found["total"] == 1 and found["items"][0]["idempotency_key"] == "a"
    by_case = reader.post(
        f"{URL}/search", json={"case_number": "RIGA/2026/17"}
    ).get_json()
    assert by_case["total"] == 2
    none = reader.post(
        f"{URL}/search", json={"since": T0.isoformat(), "until": T0.isoformat()}
    )
    assert none.status_code == 422 and "until" in none.get_json()["errors"]["json"]
