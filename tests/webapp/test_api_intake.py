# SPDX-License-Identifier: EUPL-1.2
"""/api/v1/intake: the queue (filters, pages), one item (sender masked), an
attachment's download (a refused one is 403 with the reason), and the three
actions through domain.intake — scoped, behind intake:read / intake:write and the
registry clerks' rule, 422 naming the field, 409 when the item is handled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from connectors.systems.viss.fixtures import MISSING_PERSON
from domain import cases
from domain.accounts.models import SPECIALIST, User
from domain.intake import services as intake
from domain.intake.models import IntakeItem
from domain.services.models import READY, ServiceSetup
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0
from tests.webapp.api_support import TokenClient, make_token, start_form_process
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")

URL = "/api/v1/intake"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PERSON = "16117519997"


@pytest.fixture
def put(db_session: Session, web_platform: Platform) -> Callable[..., IntakeItem]:
    counter = iter(range(1, 1000))

    def make(**kwargs: Any) -> IntakeItem:
        letter: dict[str, Any] = {
            "municipality": MUNI,
            "channel": "depp",
            "source_id": f"api-{next(counter)}",
            "sender": f"_PRIVATE@{PERSON}",
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
def api(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session))


def test_the_queue_filters_and_pages(
    api: TokenClient, put: Any, db_session: Session
) -> None:
    put()
    put(subject="Bīstams", files=[intake.FileData("x.exe", "x", b"MZ")])
    put(channel="div", subject="No DIV")
    put(municipality=OTHER_MUNI, subject="Jelgavas vēstule")
    done = put(subject="Jau reģistrēts")
    done.status = "registered"
    db_session.flush()

    body = api.get(URL).get_json()  # default: the open ones
    assert body["total"] == 3 and len(body["items"]) == 3
    assert body["counts"]["open"] == 3 and body["counts"]["registered"] == 1
    assert "Jelgavas vēstule" not in str(body)
    assert api.get(URL, query_string={"state": ""}).get_json()["total"] == 4
    flagged = api.get(URL, query_string={"flagged": "true"}).get_json()
    assert [i["subject"] for i in flagged["items"]] == ["Bīstams"]
    assert flagged["items"][0]["flagged"] is True
    clean = api.get(URL, query_string={"flagged": "false"}).get_json()
    assert clean["total"] == 2 and not any(i["flagged"] for i in clean["items"])
    div = api.get(URL, query_string={"channel": "div"}).get_json()
    assert [i["subject"] for i in div["items"]] == ["No DIV"]
    registered = api.get(URL, query_string={"state": "registered"}).get_json()
    assert [i["subject"] for i in registered["items"]] == ["Jau reģistrēts"]

    first = api.get(URL, query_string={"page_size": 2}).get_json()
    second = api.get(URL, query_string={"page_size": 2, "page": 2}).get_json()
    assert (first["pages"], first["page_size"], len(first["items"])) == (2, 2, 2)
    assert second["page"] == 2 and len(second["items"]) == 1
    seen = {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]}
    assert len(seen) == 3

    for bad in ({"state": "maybe"}, {"channel": "fax"}, {"page_size": 101}):
        answer = api.get(URL, query_string=bad)
        assert answer.status_code == 422
        assert set(answer.get_json()["errors"]["query"]) == set(bad)


def test_an_item_shows_the_sender_masked_and_the_attachments(
    api: TokenClient, put: Any
) -> None:
    item = put(
        subject=f"Iesniegums, personas kods {PERSON}",
        files=[
            intake.FileData("iesniegums.pdf", "application/pdf", PDF),
            intake.FileData("nav.pdf", "application/pdf", b"MZ not a pdf"),
        ],
    )
    answer = api.get(f"{URL}/{item.id}")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert PERSON not in text and "161175-19997" not in text
    body = answer.get_json()
    assert body["sender"] == "_PRIVATE@16****-****7"
    assert body["subject"] == "Iesniegums, personas kods 16****-****7"
    assert body["status"] == "flagged" and body["flagged"] is True
    good, bad = body["attachments"]
    assert (good["name"], good["accepted"], good["problem"]) == (
        "iesniegums.pdf",
        True,
        None,
    )
    assert good["size"] == len(PDF) and good["position"] == 0
    assert (bad["accepted"], bad["problem"], bad["url"]) == (False, "damaged", None)
    assert bad["reason"] and bad["reason_en"]
    assert body["problems"] and body["problems"][0].startswith("nav.pdf")

    download = api.get(good["url"])
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="iesniegums.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    refused = api.get(f"{URL}/{item.id}/attachments/{item.files[1].id}")
    assert refused.status_code == 403
    assert "nav.pdf" not in refused.get_json()["message"]
    assert "damaged" in str(refused.get_json()["errors"]["path"]["file_id"])


def test_the_download_name_is_safe(api: TokenClient, put: Any) -> None:
    item = put(
        files=[
            intake.FileData(f'a"b;\r\nX-Evil: 1 {PERSON}.pdf', "application/pdf", PDF)
        ]
    )
    answer = api.get(f"{URL}/{item.id}/attachments/{item.files[0].id}")
    assert answer.status_code == 200
    disposition = answer.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert '"b' not in disposition and PERSON not in disposition
    assert "X-Evil" not in answer.headers


def test_another_municipalitys_item_or_file_is_404(api: TokenClient, put: Any) -> None:
    theirs, ours = put(municipality=OTHER_MUNI), put()
    for method, url, body in (
        ("GET", f"{URL}/{theirs.id}", None),
        ("GET", f"{URL}/{theirs.id}/attachments/{theirs.files[0].id}", None),
        ("GET", f"{URL}/{ours.id}/attachments/{theirs.files[0].id}", None),
        ("POST", f"{URL}/{theirs.id}/register", {"note": "x"}),
        ("POST", f"{URL}/{theirs.id}/attach", {"case_number": "X"}),
        ("POST", f"{URL}/{theirs.id}/start-case", {}),  # 404 before the body
        ("GET", f"{URL}/2147483648", None),
    ):
        answer = api.open(method, url, json=body)
        assert answer.status_code == 404, (method, url)
    assert theirs.status == "new"


def test_only_registry_clerks_and_tokens_they_made(
    app: Flask,
    db_session: Session,
    put: Any,
    make_user: Callable[..., User],
    as_role: Callable[..., WebClient],
) -> None:
    item = put()
    finance = make_user(roles=(SPECIALIST,), departments=("finansists",))
    their_token = TokenClient(
        app, make_token(db_session, scopes=["intake:read"], created_by=finance.username)
    )
    refused = their_token.get(URL)
    assert refused.status_code == 403 and "lietvedis" in refused.get_json()["message"]
    reader = TokenClient(app, make_token(db_session, scopes=["intake:read"]))
    assert reader.get(URL).status_code == 200
    answer = reader.post(f"{URL}/{item.id}/register", json={"note": "x"})
    assert answer.status_code == 403  # no intake:write
    no_scope = TokenClient(app, make_token(db_session, scopes=["cases:read"]))
    assert no_scope.get(f"{URL}/{item.id}").status_code == 403
    assert app.test_client().get(URL).status_code == 401

    people = {
        ("specialist", ("finansists",)): 403,
        ("specialist", ("lietvedis",)): 200,
        ("supervisor", None): 200,
        ("municipality_admin", None): 200,
        ("analyst", None): 403,
    }
    for (role, departments), code in people.items():
        client = as_role(role, departments=departments)
        assert client.get(f"{URL}/{item.id}").status_code == code, role
    # a person's unsafe request needs the CSRF header
    clerk = as_role("specialist", departments=("lietvedis",))
    assert clerk.post(f"{URL}/{item.id}/register", json={"note": "x"}).status_code in (
        400,
        403,
    )
    ok = clerk.send_json("POST", f"{URL}/{item.id}/register", {"note": "Zināšanai"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "registered"
    assert ok.get_json()["handled_by"] == clerk_username(db_session, item)


def clerk_username(db_session: Session, item: IntakeItem) -> str:
    db_session.refresh(item)
    assert item.handled_by is not None
    return item.handled_by


def test_start_a_case_from_an_item(
    api: TokenClient, put: Any, db_session: Session
) -> None:
    item = put()
    url = f"{URL}/{item.id}/start-case"
    bad = api.post(url, json={"client_identifier": "1"})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["json"]
    assert "client_identifier" in errors and "Ievadiet derīgu" in str(errors)
    missing = api.post(url, json={"client_identifier": PERSON})
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["process_key"] == [
        "Izvēlieties pakalpojumu"
    ]
    unknown = api.post(
        url, json={"service_code": "NAV-TADA", "client_identifier": PERSON}
    )
    assert list(unknown.get_json()["errors"]["json"]) == ["service_code"]
    nobody = api.post(
        url, json={"service_code": "PKIP-011", "client_identifier": MISSING_PERSON}
    )
    assert nobody.status_code == 422
    assert "Iedzīvotāju reģistrā" in str(nobody.get_json()["errors"]["json"])
    extra = api.post(url, json={"client_identifier": PERSON, "hack": 1})
    assert extra.status_code == 422 and "hack" in extra.get_json()["errors"]["json"]
    db_session.refresh(item)
    assert item.status == "new"  # nothing changed by the bad requests

    started = api.post(
        url, json={"service_code": "PKIP-011", "client_identifier": "161175-19997"}
    )
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["item"]["status"] == "started"
    assert body["item"]["case_number"] == body["case_number"]
    case = cases.get_case(db_session, body["case_number"], MUNI)
    assert (case.channel, case.process_key) == (cases.E_ADDRESS, "tree_felling")
    assert case.client_name == "Jānis Bērziņš"  # from the population register
    assert case.instance_id == body["instance_id"]
    assert case.created_by and case.created_by.startswith("token:")
    again = api.post(
        url, json={"process_key": "tree_felling", "client_identifier": PERSON}
    )
    assert again.status_code == 409 and again.get_json()["message"]


def test_attach_and_register(
    api: TokenClient, put: Any, db_session: Session, web_platform: Platform
) -> None:
    engine = web_platform.engine(db_session)
    case = cases.start_case(
        engine,
        db_session,
        "tree_felling",
        municipality=MUNI,
        data={},
        actor="tests",
        client=cases.Client("Anna Ozola", "161175-19997"),
        channel=cases.OFFICE,
    )
    theirs = cases.start_case(
        engine,
        db_session,
        "tree_felling",
        municipality=OTHER_MUNI,
        data={},
        actor="tests",
        client=cases.Client("Anna Ozola", "161175-19997"),
        channel=cases.OFFICE,
    )
    first, second = put(), put(subject="Cits")
    for number in ("NAV-1", theirs.number):
        wrong = api.post(f"{URL}/{first.id}/attach", json={"case_number": number})
        assert wrong.status_code == 422
        assert wrong.get_json()["errors"]["json"] == {
            "case_number": ["Lieta ar šādu numuru nav atrasta"]
        }
    assert api.post(f"{URL}/{first.id}/attach", json={}).status_code == 422
    attached = api.post(f"{URL}/{first.id}/attach", json={"case_number": case.number})
    assert attached.status_code == 200
    assert (attached.get_json()["status"], attached.get_json()["case_number"]) == (
        "attached",
        case.number,
    )
    assert api.post(f"{URL}/{first.id}/register", json={"note": "x"}).status_code == 409

    empty = api.post(f"{URL}/{second.id}/register", json={"note": " "})
    assert empty.status_code == 422
    assert empty.get_json()["errors"]["json"] == {"note": ["Norādiet piezīmi"]}
    script = "<script>alert(1)</script> Informācijai"
    done = api.post(f"{URL}/{second.id}/register", json={"note": script})
    assert done.status_code == 200
    assert done.get_json()["note"] == script  # JSON: the client escapes it
    db_session.refresh(second)
    assert (second.status, second.note) == ("registered", script)


def test_a_start_forms_errors_come_under_data(
    api: TokenClient, put: Any, web_platform: Platform, db_session: Session
) -> None:
    web_platform.deployer(db_session).deploy(
        {"api_start_form.bpmn": start_form_process()}, municipality=MUNI
    )
    item = put()
    body = {"process_key": "api_start_form", "client_identifier": PERSON}
    # a service is started only when it is set up (domain/services)
    refused = api.post(f"{URL}/{item.id}/start-case", json={**body, "data": {}})
    assert refused.status_code in (409, 422)
    assert "PKIP-TEST nav iestatīts" in str(refused.get_json())
    db_session.add(
        ServiceSetup(
            municipality=MUNI,
            service_code="PKIP-TEST",
            process_key="api_start_form",
            forms=["decision_draft", "decision_sign"],
            procedure="",
            stage=READY,
            updated_by="tests",
        )
    )
    db_session.flush()
    empty = api.post(f"{URL}/{item.id}/start-case", json={**body, "data": {}})
    assert empty.status_code == 422
    assert set(empty.get_json()["errors"]["json"]["data"]) >= {
        "decision_title",
        "decision_text",
    }
    db_session.refresh(item)
    assert item.status == "new"
