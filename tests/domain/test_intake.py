# SPDX-License-Identifier: EUPL-1.2
"""The intake queue's services: once per message, files checked and kept, the
clerk's actions, routing rules, paper and VPVKAC registration, isolation."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from connectors.systems.viss.fixtures import MISSING_COMPANY, MISSING_PERSON
from core.contracts import FormValidationError
from domain import cases
from domain.intake import checks, clients, desk, rules
from domain.intake import services as intake
from domain.intake.models import (
    ATTACHED,
    FLAGGED,
    NEW,
    PAPER,
    REGISTERED,
    STARTED,
    VPVKAC,
    IntakeItem,
)
from engine.errors import InvalidOperation, NotFound
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI, T0

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
RESIDENT = "_PRIVATE@16117519997"


def zipped(members: dict[str, bytes]) -> bytes:
    # A fixed time in each member: the bytes become test ids at collection, and
    # pytest-xdist's workers must collect the same ids whatever second they run in.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


@pytest.fixture
def receive(
    db_session: Session, platform: Platform, municipalities: tuple[str, str]
) -> Callable[..., IntakeItem | None]:
    def put(**kwargs: Any) -> IntakeItem | None:
        letter: dict[str, Any] = {
            "municipality": MUNI,
            "channel": "depp",
            "source_id": "m-1",
            "sender": RESIDENT,
            "subject": "Iesniegums par koku ciršanu pagalmā",
            "document_kind": "Iesniegums",
            "received_at": T0,
            "files": [intake.FileData("iesniegums.pdf", "application/pdf", PDF)],
        }
        letter.update(kwargs)
        return intake.receive(db_session, platform.pii, **letter)

    return put


def test_the_same_message_is_received_once(receive: Any, db_session: Session) -> None:
    first = receive()
    assert first is not None and first.status == NEW
    assert receive() is None
    assert intake.counts(db_session, MUNI)["new"] == 1
    # the sender's personal code is masked; the whole address sealed
    assert first.sender == "_PRIVATE@16****-****7"
    assert first.sender_sealed and "16117519997" not in first.sender_sealed


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("virus.exe", b"MZ\x90", "type"),
        ("tukss.pdf", b"", "empty"),
        ("nav.pdf", b"not a pdf", "damaged"),
        ("liels.pdf", b"%PDF" + b"0" * checks.MAX_FILE_BYTES, "size"),
        ("bumba.edoc", zipped({"a.pdf": b"\0" * 20_000_000}), "bomb"),
        ("bojats.asice", b"PK not a zip", "damaged"),
    ],
)
def test_a_refused_file_flags_the_item_and_is_kept(
    receive: Any, name: str, content: bytes, problem: str
) -> None:
    item = receive(
        files=[
            intake.FileData("iesniegums.pdf", "application/pdf", PDF),
            intake.FileData(name, "application/octet-stream", content),
        ]
    )
    assert item.status == FLAGGED
    assert [f.problem for f in item.files] == [None, problem]
    assert item.files[1].content == content  # kept, never dropped
    assert item.problems == [checks.reason(problem, name)]


def test_good_containers_and_images_pass() -> None:
    edoc = zipped({"mimetype": b"application/vnd.etsi.asic-e+zip", "a.pdf": PDF})
    assert checks.check_file("a.edoc", edoc) is None
    assert checks.check_file("scan.JPG", b"\xff\xd8\xff") is None
    assert checks.check_file("a.docx", zipped({"word/document.xml": b"<w/>"})) is None


def test_start_a_case_from_an_item(
    receive: Any, engine: ProcessEngine, db_session: Session, deployed: Any
) -> None:
    item = receive()
    sender = intake.client_from_sender(item.sender_in_clear(engine.config.vault))
    assert sender is not None and sender.identifier == "161175-19997"
    client = clients.identify_client(
        engine, sender.identifier, municipality=MUNI, actor="lietvede"
    )
    case = intake.start_case_from(
        engine, db_session, item, "tree_felling", client=client, actor="lietvede"
    )
    assert (item.status, item.case_number) == (STARTED, case.number)
    assert case.channel == cases.E_ADDRESS
    with pytest.raises(InvalidOperation):
        intake.register(item, "vēlreiz", actor="lietvede", now=T0)


def test_start_names_an_unknown_process(
    receive: Any, engine: ProcessEngine, db_session: Session, deployed: Any
) -> None:
    item = receive()
    client = cases.Client("Jānis Bērziņš", "161175-19997")
    with pytest.raises(FormValidationError) as caught:
        intake.start_case_from(
            engine, db_session, item, "no_such", client=client, actor="lietvede"
        )
    assert [e.path for e in caught.value.errors] == ["process_key"]
    assert item.status == NEW


def test_attach_to_a_case_of_the_same_municipality_only(
    receive: Any, start_case: Any, db_session: Session
) -> None:
    ours = start_case()
    theirs = start_case(municipality=OTHER_MUNI)
    item = receive()
    with pytest.raises(FormValidationError) as caught:
        intake.attach(db_session, item, theirs.number, actor="lietvede", now=T0)
    assert caught.value.errors[0].path == "case_number"
    assert [c.number for c in intake.find_cases(db_session, MUNI, "000001")] == [
        ours.number
    ]
    intake.attach(db_session, item, ours.number, actor="lietvede", now=T0)
    assert (item.status, item.case_number, item.handled_by) == (
        ATTACHED,
        ours.number,
        "lietvede",
    )


def test_register_as_correspondence_needs_a_note(receive: Any) -> None:
    item = receive()
    with pytest.raises(FormValidationError) as caught:
        intake.register(item, "  ", actor="lietvede", now=T0)
    assert caught.value.errors[0].path == "note"
    intake.register(item, "Informācijai", actor="lietvede", now=T0)
    assert (item.status, item.note) == (REGISTERED, "Informācijai")


def test_another_municipalitys_item_is_not_found(
    receive: Any, db_session: Session
) -> None:
    item = receive()
    assert intake.get_item(db_session, MUNI, item.id) is item
    with pytest.raises(NotFound):
        intake.get_item(db_session, OTHER_MUNI, item.id)
    with pytest.raises(NotFound):
        intake.get_file(db_session, OTHER_MUNI, item.id, item.files[0].id)
    assert intake.list_items(db_session, OTHER_MUNI, intake.IntakeFilter()) == []


def test_list_filters_and_counts(receive: Any, db_session: Session) -> None:
    receive(source_id="a")
    receive(source_id="b", subject="Cits jautājums", channel="div")
    receive(source_id="c", files=[intake.FileData("x.exe", "x", b"MZ")])
    flt = intake.IntakeFilter
    assert len(intake.list_items(db_session, MUNI, flt())) == 3
    assert len(intake.list_items(db_session, MUNI, flt(channel="div"))) == 1
    assert len(intake.list_items(db_session, MUNI, flt(status="flagged"))) == 1
    assert len(intake.list_items(db_session, MUNI, flt(q="koku"))) == 2
    counts = intake.counts(db_session, MUNI)
    assert (counts["new"], counts["flagged"], counts["open"]) == (2, 1, 3)


def test_a_routing_rule_starts_the_case_on_arrival(
    db_session: Session, engine: ProcessEngine, deployed: Any, receive: Any
) -> None:
    with pytest.raises(FormValidationError) as caught:
        rules.add_rule(
            db_session, MUNI, match="subject", pattern="", process_key="x", actor="a"
        )
    assert {e.path for e in caught.value.errors} == {"pattern", "process_key"}
    rules.add_rule(
        db_session,
        MUNI,
        match="subject",
        pattern="koku ciršanu",
        process_key="tree_felling",
        actor="admin",
    )
    vault = engine.config.vault
    letter = {k: v for k, v in _letter().items()}
    matched = rules.take_in(engine, db_session, vault, **letter)
    assert matched is not None and matched.status == STARTED
    case = cases.get_case(db_session, matched.case_number, MUNI)
    assert (case.process_key, case.channel) == ("tree_felling", cases.E_ADDRESS)
    assert case.client_name == "Jānis Bērziņš"  # from the population register
    other = rules.take_in(
        engine, db_session, vault, **(letter | {"source_id": "m-2", "subject": "Cits"})
    )
    assert other is not None and other.status == NEW
    # a rule of another municipality does not apply here
    assert rules.list_rules(db_session, OTHER_MUNI) == []


def test_a_rule_that_cannot_start_leaves_the_item_with_the_reason(
    db_session: Session, engine: ProcessEngine, deployed: Any, receive: Any
) -> None:
    rules.add_rule(
        db_session,
        MUNI,
        match="document_kind",
        pattern="Iesniegums",
        process_key="dog_fee",  # its start form needs data the letter lacks
        actor="admin",
    )
    item = rules.take_in(engine, db_session, engine.config.vault, **_letter())
    assert item is not None and item.status == NEW
    assert item.routing_note and item.routing_note.startswith("Noteikums")
    assert "16117519997" not in item.routing_note


def _letter() -> dict[str, Any]:
    return {
        "municipality": MUNI,
        "channel": "depp",
        "source_id": "m-1",
        "sender": RESIDENT,
        "subject": "Iesniegums par koku ciršanu pagalmā",
        "document_kind": "Iesniegums",
        "received_at": T0,
        "files": [intake.FileData("iesniegums.pdf", "application/pdf", PDF)],
    }


def test_paper_letters_are_registered_with_their_scans(
    db_session: Session, platform: Platform, municipalities: Any
) -> None:
    with pytest.raises(FormValidationError) as caught:
        desk.register_paper(
            db_session,
            platform.pii,
            municipality=MUNI,
            sender="",
            subject="",
            files=[],
            actor="lietvede",
            now=T0,
        )
    assert {e.path for e in caught.value.errors} == {"sender", "subject"}
    item = desk.register_paper(
        db_session,
        platform.pii,
        municipality=MUNI,
        sender="Jānis Bērziņš",
        subject="Vēstule par ceļa remontu",
        files=[intake.FileData("skenets.pdf", "application/pdf", PDF)],
        actor="lietvede",
        now=T0,
    )
    assert (item.channel, item.status, len(item.files)) == (PAPER, NEW, 1)


def test_a_vpvkac_application_arrives_at_the_chosen_municipality(
    db_session: Session, engine: ProcessEngine, deployed: Any, municipalities: Any
) -> None:
    case, item = desk.register_vpvkac(
        engine,
        db_session,
        engine.config.vault,
        municipality=OTHER_MUNI,
        process_key="tree_felling",
        client=cases.Client("Jānis Bērziņš", "161175-19997"),
        subject="Koku ciršana",
        files=[intake.FileData("iesniegums.pdf", "application/pdf", PDF)],
        actor="vpvkac-klerks",
    )
    assert (case.municipality, case.channel) == (OTHER_MUNI, cases.VPVKAC)
    assert (item.municipality, item.channel, item.status) == (
        OTHER_MUNI,
        VPVKAC,
        STARTED,
    )
    assert item.case_number == case.number
    assert "161175-19997" not in item.sender
    with pytest.raises(FormValidationError) as caught:
        desk.register_vpvkac(
            engine,
            db_session,
            engine.config.vault,
            municipality=MUNI,
            process_key="",
            client=cases.Client("", "123"),
            subject="",
            files=[],
            actor="vpvkac-klerks",
        )
    assert {e.path for e in caught.value.errors} >= {
        "process_key",
        "client_name",
        "client_identifier",
    }


@pytest.mark.parametrize(
    ("identifier", "name", "expected"),
    [
        ("16117519997", "", "Jānis Bērziņš"),  # the register's name
        ("161175-19997", "J. Bērziņš", "J. Bērziņš"),  # the clerk's spelling wins
        ("40003521600", "", 'SIA "Parauga Būvnieks"'),
    ],
)
def test_the_client_is_identified_in_the_register(
    engine: ProcessEngine, identifier: str, name: str, expected: str
) -> None:
    client = clients.identify_client(
        engine, identifier, name=name, municipality=MUNI, actor="lietvede"
    )
    assert client.name == expected


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        (MISSING_PERSON, "Iedzīvotāju reģistrā šāda persona nav atrasta"),
        (MISSING_COMPANY, "Uzņēmumu reģistrā šāds numurs nav atrasts"),
        ("161175-19998", "Ievadiet derīgu personas kodu vai reģistrācijas numuru"),
    ],
)
def test_an_unknown_client_is_a_field_error(
    engine: ProcessEngine, identifier: str, message: str
) -> None:
    with pytest.raises(FormValidationError) as caught:
        clients.identify_client(engine, identifier, municipality=MUNI, actor="x")
    [error] = caught.value.errors
    assert (error.path, error.message) == ("client_identifier", message)
    assert identifier not in error.message


def test_taking_an_item_keeps_a_flag(receive: Any) -> None:
    plain = receive()
    intake.assign(plain, "lietvede")
    assert (plain.status, plain.assigned_to) == ("assigned", "lietvede")
    flagged = receive(source_id="m-2", files=[intake.FileData("x.exe", "x", b"MZ")])
    intake.assign(flagged, "lietvede")
    assert (flagged.status, flagged.assigned_to) == (FLAGGED, "lietvede")
    intake.register(plain, "Informācijai", actor="lietvede", now=T0)
    with pytest.raises(InvalidOperation):
        intake.assign(plain, "kolegis")
