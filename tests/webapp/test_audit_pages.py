# SPDX-License-Identifier: EUPL-1.2
"""The writers of the audit chain (sign-ins, administration, staff opening a case
and downloading a document) and the auditor's search and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import AUDITOR, MUNICIPALITY_ADMIN, SPECIALIST, User
from domain.audit.chain import Event, append, verify
from domain.audit.models import AuditRecord
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.casework import DOG_OWNER, start
from tests.webapp.conftest import PASSWORD, WebClient


def _actions(db: Session, municipality: str = MUNI) -> list[str]:
    return list(
        db.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.municipality == municipality)
            .order_by(AuditRecord.seq)
        )
    )


def test_sign_ins_and_sign_outs_are_chained(
    app,
    db_session: Session,
    make_user: Callable[..., User],
    login: Callable[..., WebClient],
) -> None:
    user = make_user("auditejamais")
    client = app.test_client()
    client.submit("/login", {"username": "auditejamais", "password": "wrong-one"})
    client.submit("/login", {"username": "nav-tada", "password": "x"})
    signed_in = login(user)
    signed_in.submit("/logout")
    records = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action.startswith("sign"))
    ).all()
    seen = [(r.municipality, r.action, r.actor) for r in records]
    assert (MUNI, "signin.failure", "auditejamais") in seen
    assert (
        "*",
        "signin.failure",
        "nav-tada",
    ) in seen  # an unknown name: the platform's
    assert (MUNI, "signin.success", "auditejamais") in seen
    assert (MUNI, "signout", "auditejamais") in seen
    assert all(
        PASSWORD not in str(r.details) and "wrong-one" not in str(r.details)
        for r in records
    )
    assert verify(db_session).ok


def test_opening_a_case_and_downloading_are_chained_with_the_person(
    as_role: Callable[..., WebClient],
    engine: ProcessEngine,
    deployed: dict[str, int],
    db_session: Session,
    platform: Platform,
) -> None:
    case = start(engine)
    other = start(engine, municipality=OTHER_MUNI)
    db_session.flush()
    staff = as_role(SPECIALIST)
    assert staff.get(f"/cases/{case.number}").status_code == 200
    assert staff.get(f"/cases/{other.number}").status_code == 404
    [record] = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "case.opened")
    ).all()
    assert (record.municipality, record.subject_kind, record.subject_id) == (
        MUNI,
        "case",
        case.number,
    )
    assert record.person_hash == platform.pii.lookup_hash(DOG_OWNER)
    assert record.actor == "lietotajs1" or record.actor.startswith("lietotajs")
    from domain.documents import services as documents

    issued = documents.issue_document(
        db_session,
        platform.connectors,
        documents.Issue(
            MUNI,
            "permit",
            case.instance_id,
            {"decision_title": "Atļauja", "decision_text": "Atļauts."},
            None,
        ),
        now=engine.now(),
    )
    db_session.flush()
    assert staff.get(f"/documents/{issued.id}.pdf").status_code == 200
    [download] = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "document.downloaded")
    ).all()
    assert (download.subject_kind, download.subject_id) == ("case", case.number)
    assert download.person_hash == record.person_hash
    assert download.details["registration_number"] == issued.registration_number


def test_administration_is_chained(
    as_role: Callable[..., WebClient],
    db_session: Session,
    make_user: Callable[..., User],
) -> None:
    from domain.accounts import adminlog

    adminlog.record(
        db_session,
        actor="admin1",
        municipality=MUNI,
        action="user.update",
        target_type="user",
        target_id=7,
        target_label="Jānis",
        before={"roles": ["specialist"], "password": "secret"},
        after={"roles": ["supervisor"]},
    )
    db_session.flush()
    [record] = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "admin.user.update")
    ).all()
    assert record.details["before"] == {"roles": ["specialist"]}
    assert record.actor == "admin1" and record.subject_id == "7"


def _seed(db: Session, platform: Platform) -> None:
    for i, (action, person) in enumerate(
        [
            ("case.opened", DOG_OWNER),
            ("document.downloaded", DOG_OWNER),
            ("signin.success", None),
            ("case.opened", "010101-10000"),
        ]
    ):
        append(
            db,
            Event(
                action=action,
                actor=f"=cmd|' /C calc'!A{i}" if i == 2 else "janis",
                municipality=MUNI,
                subject_kind="case",
                subject_id=f"RIGA/2026/{i}",
                person=person,
                system="pkip" if i else "dvs",
                details={"note": "<script>alert(1)</script>"},
            ),
            platform.pii,
        )
    append(
        db,
        Event(
            action="case.opened", actor="x", municipality=OTHER_MUNI, person=DOG_OWNER
        ),
        platform.pii,
    )
    db.flush()


def test_the_auditor_searches_by_person_without_the_code_in_any_url(
    as_role: Callable[..., WebClient], db_session: Session, platform: Platform
) -> None:
    _seed(db_session, platform)
    auditor = as_role(AUDITOR)
    page = auditor.get("/audit/")
    assert page.status_code == 200
    found = auditor.submit("/audit/", {"person_code": "161175-19997"})
    text = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "RIGA/2026/0" in text and "RIGA/2026/1" in text
    assert "RIGA/2026/3" not in text and "RIGA/2026/2" not in text
    assert "<script>alert(1)</script>" not in text  # escaped
    assert "161175-19997" in text  # kept in the form field only
    assert "161175" not in found.request.url
    by_system = auditor.submit("/audit/", {"system": "dvs"}).get_data(as_text=True)
    assert "RIGA/2026/0" in by_system and "RIGA/2026/1" not in by_system
    bad = auditor.submit("/audit/", {"person_code": "12", "date_from": "32.13.2026"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "11 cipari" in body or "11 digits" in body
    assert "dd.mm.gggg" in body or "dd.mm.yyyy" in body


def test_the_csv_export_holds_the_hashed_fields_and_no_formula(
    as_role: Callable[..., WebClient], db_session: Session, platform: Platform
) -> None:
    _seed(db_session, platform)
    auditor = as_role(AUDITOR)
    response = auditor.submit("/audit/export.csv", {"action": "", "case_number": ""})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(
        csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[4]["action"] == "signin.success"  # the auditor's own sign-in
    assert rows[2]["actor"].startswith("'=")  # never a formula in a spreadsheet
    assert rows[0]["person_hash"] == platform.pii.lookup_hash(DOG_OWNER)
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    person = auditor.submit("/audit/export.csv", {"person_code": DOG_OWNER})
    assert len(list(csv.DictReader(io.StringIO(person.get_data(as_text=True))))) == 2


def test_only_auditors_see_the_audit_log(as_role: Callable[..., WebClient]) -> None:
    for role in (SPECIALIST, MUNICIPALITY_ADMIN):
        client = as_role(role)
        assert client.get("/audit/").status_code == 403
        assert client.submit("/audit/export.csv", {}).status_code == 403
    auditor = as_role(AUDITOR)
    assert "/audit/" in auditor.get("/admin/").get_data(as_text=True)
