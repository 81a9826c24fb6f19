# SPDX-License-Identifier: EUPL-1.2
"""The residents' portal: each municipality's own pages, sign-in through the
simulated latvija.lv (replays refused), "Mani pieteikumi" scoped to the person or
the company they act for, applying (twice sent = one case), uploads and downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import cases, portal
from domain.documents.models import Document, DocumentTemplate
from domain.intake import checks
from domain.payments import services as payment_services
from engine.deploy import read_files
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, PROCESS_DIR
from tests.webapp.conftest import WebClient
from tests.webapp.portal_support import saml_response, sign_in

JANIS, LIGA, PETERIS = "161175-19997", "328673-00679", "020385-12343"
COMPANY = "40003521600"
DOG_FEE = {"f.is_pensioner": "false", "f.has_disability": "false"}


@pytest.fixture(scope="session")
def _saml_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("portal-saml")


@pytest.fixture(autouse=True)
def _keys(_saml_keys: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PKIP_LATVIJA_KEY_DIR", str(_saml_keys))
    yield


@pytest.fixture
def services(db_session: Session, platform: Platform) -> None:
    """The sample processes for everyone, and a dog fee of Jelgava's own."""
    deployer = platform.deployer(db_session)
    files = read_files([PROCESS_DIR])
    deployer.deploy(files, deployed_by="tests")
    key = next(k for k in files if k.endswith("dog_fee.bpmn"))
    own = files[key].replace(
        'name="Suņu turēšanas nodeva" isExecutable'.encode(),
        'name="Jelgavas suņu nodeva" isExecutable'.encode(),
    )
    dmn = {k: v for k, v in files.items() if k.endswith(".dmn")}
    deployer.deploy({key: own, **dmn}, municipality=OTHER_MUNI, deployed_by="tests")


def _browser(app: Flask) -> WebClient:
    return app.test_client()  # type: ignore[return-value]


def _apply(client: WebClient, muni: str = MUNI, data: dict[str, str] | None = None):
    page = client.get(f"/portals/{muni.lower()}/services/dog_fee")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    token = html.split('name="token" value="')[1].split('"')[0]
    form = {**DOG_FEE, **(data or {}), "token": token}
    return client.submit(f"/portals/{muni.lower()}/services/dog_fee", form), form


# -- public pages ---------------------------------------------------------------------
@pytest.mark.usefixtures("services")
def test_each_municipality_has_its_own_portal(client: WebClient) -> None:
    riga = client.get("/portals/riga/").get_data(as_text=True)
    jelgava = client.get("/portals/JELGAVA/").get_data(as_text=True)
    assert "Rīgas valstspilsēta" in riga and "Suņu turēšanas nodeva" in riga
    assert "Jelgavas suņu nodeva" not in riga
    assert "Jelgavas pilsēta" in jelgava and "Jelgavas suņu nodeva" in jelgava
    assert "Suņu turēšanas nodeva" not in jelgava
    assert "latvija.lv" in riga  # the way to sign in
    assert client.get("/portals/nekur/").status_code == 404


@pytest.mark.usefixtures("services")
def test_personal_pages_ask_to_sign_in_first(client: WebClient) -> None:
    for path in ("/portals/riga/cases/", "/portals/riga/services/dog_fee"):
        reply = client.get(path)
        assert reply.status_code == 302
        assert reply.headers["Location"].startswith("/portals/riga/sign-in?next=")


# -- signing in ---------------------------------------------------------------------
@pytest.mark.usefixtures("services")
def test_sign_in_through_latvija_lv(client: WebClient) -> None:
    done = sign_in(client, MUNI, JANIS)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"] == "/portals/riga/"
    page = client.get("/portals/riga/").get_data(as_text=True)
    assert "Jānis Bērziņš" in page and "Mani pieteikumi" in page
    with client.session_transaction() as stored:
        assert "uid" not in stored  # not a workplace user
        assert JANIS not in repr(dict(stored))  # sealed
    client.submit("/portals/riga/sign-out")
    assert client.get("/portals/riga/cases/").status_code == 302


@pytest.mark.usefixtures("services")
def test_a_replayed_response_is_refused(app: Flask) -> None:
    first = _browser(app)
    form = saml_response(first, MUNI, JANIS)
    assert first.post("/portals/saml/acs", data=form).status_code == 302
    again = first.post("/portals/saml/acs", data=form)
    assert again.status_code == 400
    assert "Pieteikšanās neizdevās" in again.get_data(as_text=True)
    thief = _browser(app)  # another browser with the same captured post
    stolen = thief.post("/portals/saml/acs", data=form)
    assert stolen.status_code == 400
    assert thief.get("/portals/riga/cases/").status_code == 302


@pytest.mark.usefixtures("services")
def test_a_tampered_response_is_refused(client: WebClient) -> None:
    from connectors.systems.latvija.simulator import default_simulator

    default_simulator().faults.inject("sso", "tampered")
    refused = sign_in(client, MUNI, JANIS)
    assert refused.status_code == 400
    assert "paraksta" in refused.get_data(as_text=True)
    assert client.get("/portals/riga/cases/").status_code == 302


@pytest.mark.usefixtures("services")
def test_an_unsolicited_response_is_refused(client: WebClient) -> None:
    reply = client.post("/portals/saml/acs", data={"SAMLResponse": "PHg+PC94Pg=="})
    assert reply.status_code == 400


# -- applying and my cases ------------------------------------------------------------
@pytest.mark.usefixtures("services")
def test_apply_starts_one_case_even_when_sent_twice(
    client: WebClient, db_session: Session
) -> None:
    sign_in(client, MUNI, JANIS)
    reply, form = _apply(client)
    assert reply.status_code == 302, reply.get_data(as_text=True)
    number = reply.headers["Location"].rsplit("/", 1)[1]
    assert number.startswith("RIGA-")
    twice = client.submit("/portals/riga/services/dog_fee", form)
    assert twice.headers["Location"].endswith(f"/cases/{number}")
    found = db_session.scalars(
        select(cases.ServiceCase).where(cases.ServiceCase.municipality == MUNI)
    ).all()
    assert [c.number for c in found] == [number]
    case = found[0]
    assert case.channel == cases.E_SERVICE and case.client_name == "Jānis Bērziņš"
    assert case.created_by == portal.PORTAL_ACTOR
    page = client.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "Reģistrēts" in page and "Izskatīšanā" in page
    listing = client.get("/portals/riga/cases/").get_data(as_text=True)
    assert number in listing and "Suņu turēšanas nodeva" in listing
    # the deadline: 30 working days from 2 March 2026 (T0), Easter skipped
    assert "15.04.2026" in listing


@pytest.mark.usefixtures("services")
def test_invalid_application_names_the_field(client: WebClient) -> None:
    sign_in(client, MUNI, JANIS)
    reply, _ = _apply(client, data={"f.is_pensioner": ""})
    assert reply.status_code == 422
    assert "field-invalid" in reply.get_data(as_text=True)


@pytest.mark.usefixtures("services")
def test_one_person_never_sees_anothers_case(app: Flask) -> None:
    janis = _browser(app)
    sign_in(janis, MUNI, JANIS)
    number = _apply(janis)[0].headers["Location"].rsplit("/", 1)[1]
    peteris = _browser(app)
    sign_in(peteris, MUNI, PETERIS)
    assert number not in peteris.get("/portals/riga/cases/").get_data(as_text=True)
    assert peteris.get(f"/portals/riga/cases/{number}").status_code == 404
    upload = peteris.submit(
        f"/portals/riga/cases/{number}/files",
        {"file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    # the same person in another municipality's portal: not there either
    assert janis.get(f"/portals/jelgava/cases/{number}").status_code == 404
    assert number not in janis.get("/portals/jelgava/cases/").get_data(as_text=True)


@pytest.mark.usefixtures("services")
def test_a_representative_sees_the_companys_cases(app: Flask) -> None:
    janis = _browser(app)
    sign_in(janis, MUNI, JANIS, COMPANY)
    page = janis.get("/portals/riga/").get_data(as_text=True)
    assert "Parauga Būvnieks" in page
    reply, _ = _apply(janis)
    # the dog fee's owner is a person: the company's number is refused by name
    assert reply.status_code == 422
    assert "personas kods" in reply.get_data(as_text=True).lower()


@pytest.mark.usefixtures("services")
def test_company_cases_are_shared_by_its_representatives(
    app: Flask, db_session: Session, platform: Platform
) -> None:
    engine = platform.engine(db_session)
    process = portal.service(db_session, MUNI, "tree_felling")
    data = {
        "address": "Brīvības iela 1, Rīga",
        "cadastre_number": "01000010001",
        "tree_count": 2,
        "species": "ozols",
    }
    company = portal.Resident(JANIS, "Jānis Bērziņš", COMPANY, 'SIA "Parauga Būvnieks"')
    try:
        case = portal.apply(
            engine,
            db_session,
            process,
            code=MUNI,
            resident=company,
            data=data,
            token="t" * 20,
        )
    except Exception as exc:  # pragma: no cover - shows the form's errors
        raise AssertionError(getattr(exc, "errors", exc)) from exc
    liga = _browser(app)
    sign_in(liga, MUNI, LIGA, COMPANY)
    assert case.number in liga.get("/portals/riga/cases/").get_data(as_text=True)
    as_person = _browser(app)
    sign_in(as_person, MUNI, LIGA)
    assert case.number not in as_person.get("/portals/riga/cases/").get_data(
        as_text=True
    )


# -- documents -----------------------------------------------------------------
def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"0" * (20 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.usefixtures("services")
def test_uploads_are_checked_and_downloaded(
    client: WebClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small limit: the test client spools a 10 MB body to a file it never closes
    monkeypatch.setattr(checks, "MAX_FILE_BYTES", 64 * 1024)
    sign_in(client, MUNI, JANIS)
    number = _apply(client)[0].headers["Location"].rsplit("/", 1)[1]
    url = f"/portals/riga/cases/{number}/files"

    def send(content: bytes, name: str):
        return client.submit(
            url,
            {"file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )

    for content, name, reason in (
        (b"<script>alert(1)</script>", "x.html", "Neatļauts datnes veids"),
        (b"MZ\x90\x00", "setup.exe", "Neatļauts datnes veids"),
        (b"not a pdf", "fake.pdf", "bojāta"),
        (_zip_bomb(), "bomb.edoc", "aizdomīgi liels"),
        (b"%PDF" + b"0" * (64 * 1024), "big.pdf", "par lielu"),
    ):
        refused = send(content, name)
        assert refused.status_code == 422, name
        assert reason in refused.get_data(as_text=True), name
    accepted = send(b"%PDF-1.4 apliecinajums", "../../etc/<script>izziņa.pdf")
    assert accepted.status_code == 302
    page = client.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "<script>izziņa" not in page and "&lt;script&gt;izziņa.pdf" in page
    row = db_session.scalars(select(portal.PortalUpload)).one()
    assert row.filename == "<script>izziņa.pdf"
    assert row.sha256 == hashlib.sha256(b"%PDF-1.4 apliecinajums").hexdigest()
    got = client.get(f"/portals/riga/cases/{number}/files/{row.id}")
    assert got.data == b"%PDF-1.4 apliecinajums"
    assert got.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.usefixtures("services")
def test_the_cases_documents_download_only_for_their_client(
    app: Flask, db_session: Session
) -> None:
    janis = _browser(app)
    sign_in(janis, MUNI, JANIS)
    number = _apply(janis)[0].headers["Location"].rsplit("/", 1)[1]
    template = DocumentTemplate(
        municipality=MUNI,
        key="t",
        version=1,
        title="Lēmums",
        document_type="decision",
        body="x",
        created_by="tests",
    )
    db_session.add(template)
    db_session.flush()
    doc = Document(
        municipality=MUNI,
        case_number=number,
        template_id=template.id,
        document_type="decision",
        title="Lēmums par nodevu",
        registration_number="RIGA/2026/1",
        register="pkip",
        filename="lemums.pdf",
        content=b"%PDF-1.7 lemums",
        sha256="0" * 64,
        size=15,
    )
    db_session.add(doc)
    db_session.flush()
    page = janis.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "Lēmums par nodevu" in page
    got = janis.get(f"/portals/riga/cases/{number}/documents/{doc.id}")
    assert got.status_code == 200 and got.data == b"%PDF-1.7 lemums"
    other = _browser(app)
    sign_in(other, MUNI, PETERIS)
    assert (
        other.get(f"/portals/riga/cases/{number}/documents/{doc.id}").status_code == 404
    )


# -- messages and the staff's side -----------------------------------------------
@pytest.mark.usefixtures("services")
def test_messages_between_the_client_and_the_municipality(
    app: Flask, as_role: Any, db_session: Session
) -> None:
    janis = _browser(app)
    sign_in(janis, MUNI, JANIS)
    number = _apply(janis)[0].headers["Location"].rsplit("/", 1)[1]
    url = f"/portals/riga/cases/{number}/messages"
    empty = janis.submit(url, {"body": "   "})
    assert empty.status_code == 422
    assert "Uzrakstiet ziņu" in empty.get_data(as_text=True)
    long = janis.submit(url, {"body": "ā" * 4001})
    assert long.status_code == 422 and "4000" in long.get_data(as_text=True)
    sent = janis.submit(url, {"body": "Vai <script>alert(1)</script> suns ir jāved?"})
    assert sent.status_code == 302
    janis.submit(
        f"/portals/riga/cases/{number}/files",
        {"file": (io.BytesIO(b"%PDF-1.4 pote"), "potes.pdf")},
        content_type="multipart/form-data",
    )
    peteris = _browser(app)
    sign_in(peteris, MUNI, PETERIS)
    assert peteris.submit(url, {"body": "Sveiki"}).status_code == 404

    clerk = as_role("specialist")
    page = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "Vai &lt;script&gt;alert(1)&lt;/script&gt; suns ir jāved?" in page
    assert "potes.pdf" in page
    upload_id = db_session.scalars(select(portal.PortalUpload.id)).one()
    got = clerk.get(f"/cases/{number}/client-files/{upload_id}")
    assert got.data == b"%PDF-1.4 pote" and got.headers["Content-Security-Policy"] == (
        "sandbox"
    )
    replied = clerk.submit(f"/cases/{number}/messages", {"body": "Jā, uz pārbaudi."})
    assert replied.status_code == 302
    other_muni = as_role("specialist", municipality=OTHER_MUNI)
    foreign = other_muni.get(f"/cases/{number}/client-files/{upload_id}")
    assert foreign.status_code == 404
    foreign = other_muni.submit(f"/cases/{number}/messages", {"body": "x"})
    assert foreign.status_code == 404

    case_page = janis.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "Jā, uz pārbaudi." in case_page and "Rīgas valstspilsēta" in case_page
    assert [m.sender for m in db_session.scalars(select(portal.PortalMessage))] == [
        "client",
        "municipality",
    ]


# -- payments -------------------------------------------------------------------
@pytest.mark.usefixtures("services")
def test_the_resident_sees_the_fee_and_pays_from_the_case_page(
    app: Flask, db_session: Session
) -> None:
    janis = _browser(app)
    sign_in(janis, MUNI, JANIS)
    number = _apply(janis)[0].headers["Location"].rsplit("/", 1)[1]
    now = datetime.now(UTC)
    record, made = payment_services.open_request(
        db_session,
        payment_services.NewRequest(
            key=f"portal-test-{number}",
            municipality=MUNI,
            case_number=number,
            instance_id="i-portal",
            purpose="Suņu turēšanas nodeva 2026",
            amount_cents=6000,
            payer_name="Jānis Bērziņš",
            payer_code=JANIS,
        ),
        now=now,
    )
    assert made
    payment_services.attach_module_payment(
        db_session,
        record,
        {"payment_id": "PAY-1", "redirect_url": "/sim/payments/pay/PAY-1"},
        now=now,
    )
    page = janis.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "Suņu turēšanas nodeva 2026" in page and "60,00" in page
    assert 'href="/sim/payments/pay/PAY-1"' in page and ">Samaksāt<" in page
    record.state = payment_services.PAID
    record.paid_at = now
    db_session.flush()
    paid = janis.get(f"/portals/riga/cases/{number}").get_data(as_text=True)
    assert "/sim/payments/pay/PAY-1" not in paid and "Samaksāts" in paid
