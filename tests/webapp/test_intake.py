# SPDX-License-Identifier: EUPL-1.2
"""Ienākošie in the workplace: the list and its counts, the item page, files
inline and downloaded, each action, paper, VPVKAC, routing rules, isolation."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from connectors.systems.viss.fixtures import MISSING_PERSON
from domain import cases
from domain.accounts.models import User
from domain.intake import services as intake
from domain.intake.models import IntakeItem
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.webapp.casework import unlabelled_controls
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def put(db_session: Session, web_platform: Platform) -> Callable[..., IntakeItem]:
    def make(**kwargs: Any) -> IntakeItem:
        letter: dict[str, Any] = {
            "municipality": MUNI,
            "channel": "depp",
            "source_id": f"m-{kwargs.get('subject', '')}{kwargs.get('municipality')}",
            "sender": "_PRIVATE@16117519997",
            "subject": "Iesniegums par koku ciršanu",
            "document_kind": "Iesniegums",
            "received_at": T0,
            "files": [intake.FileData("iesniegums.pdf", "application/pdf", PDF)],
        }
        letter.update(kwargs)
        item = intake.receive(db_session, web_platform.pii, **letter)
        assert item is not None
        return item

    return make


@pytest.fixture
def clerk(login: Callable[..., WebClient], make_user: Callable[..., User]) -> WebClient:
    return login(make_user("lietvede", departments=("lietvedis",)))


def test_the_clerk_sees_the_queue_with_counts(clerk: WebClient, put: Any) -> None:
    put()
    put(subject="Bīstams", files=[intake.FileData("x.exe", "x", b"MZ")])
    page = clerk.get("/intake/").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("#count-open")[0].text == "2"
    assert tree.cssselect("#count-flagged")[0].text == "1"
    assert len(tree.cssselect("#intake-list tbody tr")) == 2
    assert "16117519997" not in page and "_PRIVATE@16****-****7" in page
    assert "Ienākošie" in page  # Latvian first, in the navigation too
    flagged = clerk.get("/intake/?status=flagged").get_data(as_text=True)
    assert len(lxml_html.fromstring(flagged).cssselect("#intake-list tbody tr")) == 1


def test_only_registry_clerks_and_their_bosses_see_it(
    as_role: Callable[..., WebClient], put: Any
) -> None:
    finance = as_role("specialist", departments=("finansists",))
    assert finance.get("/intake/").status_code == 403
    assert "Ienākošie" not in finance.get("/").get_data(as_text=True)
    assert as_role("supervisor").get("/intake/").status_code == 200
    assert as_role("analyst").get("/intake/").status_code == 403


def test_another_municipalitys_item_is_404(clerk: WebClient, put: Any) -> None:
    theirs = put(municipality=OTHER_MUNI)
    assert clerk.get(f"/intake/{theirs.id}").status_code == 404
    assert (
        clerk.get(f"/intake/{theirs.id}/files/{theirs.files[0].id}").status_code == 404
    )
    ours = put()
    # our item with their file: still not found
    assert clerk.get(f"/intake/{ours.id}/files/{theirs.files[0].id}").status_code == 404
    answer = clerk.submit(f"/intake/{theirs.id}/register", {"note": "x"})
    assert answer.status_code == 404


def test_a_pdf_opens_inline_and_a_refused_file_only_downloads(
    clerk: WebClient, put: Any
) -> None:
    item = put(
        files=[
            intake.FileData("iesniegums.pdf", "application/pdf", PDF),
            intake.FileData("nav.pdf", "application/pdf", b"MZ not a pdf"),
        ]
    )
    page = clerk.get(f"/intake/{item.id}").get_data(as_text=True)
    assert unlabelled_controls(page) == []
    good, bad = (f.id for f in item.files)
    shown = clerk.get(f"/intake/{item.id}/files/{good}")
    assert shown.status_code == 200 and shown.data == PDF
    assert shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    refused = clerk.get(f"/intake/{item.id}/files/{bad}")
    assert refused.mimetype == "application/octet-stream"
    assert refused.headers["Content-Disposition"].startswith("attachment;")


def test_start_a_case_from_an_item(
    clerk: WebClient, put: Any, db_session: Session
) -> None:
    item = put()
    page = clerk.get(f"/intake/{item.id}?q=koku").get_data(as_text=True)
    assert "Koku ciršanas atļauja" in page
    answer = clerk.submit(
        f"/intake/{item.id}/start",
        {"process_key": "", "client_name": "", "client_identifier": "1"},
    )
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Izvēlieties pakalpojumu" in text
    assert "Ievadiet derīgu personas kodu vai reģistrācijas numuru" in text
    unknown = clerk.submit(
        f"/intake/{item.id}/start",
        {"process_key": "tree_felling", "client_identifier": MISSING_PERSON},
    )
    assert unknown.status_code == 422
    assert "Iedzīvotāju reģistrā šāda persona nav atrasta" in unknown.get_data(
        as_text=True
    )
    answer = clerk.submit(
        f"/intake/{item.id}/start",
        {
            "process_key": "tree_felling",
            "client_name": "",
            "client_identifier": "161175-19997",
        },
    )
    assert answer.status_code == 302 and "/cases/" in answer.headers["Location"]
    db_session.refresh(item)
    assert item.status == "started"
    assert item.case_number and item.case_number in answer.headers["Location"]
    case = cases.get_case(db_session, item.case_number, MUNI)
    assert (case.channel, case.process_key) == (cases.E_ADDRESS, "tree_felling")
    assert case.client_name == "Jānis Bērziņš"  # from the population register


def test_attach_and_register(
    clerk: WebClient, put: Any, db_session: Session, engine: Any
) -> None:
    case = cases.start_case(
        engine,
        db_session,
        "tree_felling",
        municipality=MUNI,
        data={},
        actor="lietvede",
        client=cases.Client("Anna Ozola", "161175-19997"),
        channel=cases.OFFICE,
    )
    first, second = put(), put(subject="Cits")
    wrong = clerk.submit(f"/intake/{first.id}/attach", {"case_number": "NAV-1"})
    assert wrong.status_code == 422
    assert "Lieta ar šādu numuru nav atrasta" in wrong.get_data(as_text=True)
    assert (
        clerk.submit(
            f"/intake/{first.id}/attach", {"case_number": case.number}
        ).status_code
        == 302
    )
    db_session.refresh(first)
    assert (first.status, first.case_number) == ("attached", case.number)
    empty = clerk.submit(f"/intake/{second.id}/register", {"note": " "})
    assert "Norādiet piezīmi" in empty.get_data(as_text=True)
    clerk.submit(f"/intake/{second.id}/register", {"note": "Informācijai"})
    db_session.refresh(second)
    assert (second.status, second.note) == ("registered", "Informācijai")


def test_paper_letter_with_scans(clerk: WebClient, db_session: Session) -> None:
    bad = clerk.submit("/intake/paper", {"sender": "", "subject": ""})
    assert bad.status_code == 422
    assert "Norādiet sūtītāju" in bad.get_data(as_text=True)
    answer = clerk.submit(
        "/intake/paper",
        {
            "sender": "Jānis Bērziņš",
            "subject": "Vēstule par ceļu",
            "files": (io.BytesIO(PDF), "skenets.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    item_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    item = intake.get_item(db_session, MUNI, item_id)
    assert (item.channel, [f.name for f in item.files]) == ("paper", ["skenets.pdf"])


def test_vpvkac_clerk_applies_for_another_municipality(
    as_role: Callable[..., WebClient], db_session: Session
) -> None:
    centre = as_role("vpvkac")
    assert "/intake/vpvkac" in centre.get("/").get_data(as_text=True)
    page = centre.get(f"/intake/vpvkac?municipality={OTHER_MUNI}")
    assert "Koku ciršanas atļauja" in page.get_data(as_text=True)
    answer = centre.submit(
        "/intake/vpvkac",
        {
            "municipality": OTHER_MUNI,
            "process_key": "tree_felling",
            "client_name": "Anna Ozola",
            "client_identifier": "161175-19997",
            "subject": "Koku ciršana",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    [case] = cases.list_cases(db_session, OTHER_MUNI, cases.CaseFilter()).cases
    assert case.channel == cases.VPVKAC
    [item] = intake.list_items(db_session, OTHER_MUNI, intake.IntakeFilter())
    assert (item.channel, item.case_number) == ("vpvkac", case.number)
    assert as_role("specialist").get("/intake/vpvkac").status_code == 403


def test_the_admin_edits_routing_rules(
    as_role: Callable[..., WebClient], clerk: WebClient
) -> None:
    admin = as_role("municipality_admin")
    bad = admin.submit("/intake/rules", {"match": "subject", "pattern": ""})
    assert bad.status_code == 422
    assert "Izvēlieties ieviestu procesu" in bad.get_data(as_text=True)
    added = admin.submit(
        "/intake/rules",
        {"match": "subject", "pattern": "koku", "process_key": "tree_felling"},
    )
    assert added.status_code == 302
    page = admin.get("/intake/rules").get_data(as_text=True)
    assert len(lxml_html.fromstring(page).cssselect("#rules tbody tr")) == 1
    assert clerk.get("/intake/rules").status_code == 403
