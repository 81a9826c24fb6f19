# SPDX-License-Identifier: EUPL-1.2
"""The envelope rules: e-addresses, attachments, the delivery day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.errors import InvalidRequest
from connectors.systems.depp import contract as env
from connectors.systems.depp.fixtures import demo_edoc, demo_pdf
from core.calendar import WorkingCalendar
from tests.connectors.depp.conftest import b64, pdf


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("_DEFAULT@40003521600", "_DEFAULT@40003521600"),
        (" _DEFAULT@90011524360 ", "_DEFAULT@90011524360"),
        ("_PRIVATE@161175-19997", "_PRIVATE@16117519997"),
        ("_PRIVATE@16117519997", "_PRIVATE@16117519997"),
        ("_PRIVATE@328673-00679", "_PRIVATE@32867300679"),
    ],
)
def test_valid_eaddresses_are_made_canonical(given: str, canonical: str) -> None:
    assert env.normalize_eaddress(given) == canonical


@pytest.mark.parametrize(
    "given",
    [
        "_DEFAULT@40003521601",  # check digit
        "_DEFAULT@161175-19997",  # a person's code as a company
        "_PRIVATE@161175-19998",  # check digit
        "_PRIVATE@40003521600",  # a company as a person
        "_PRIVATE@310299-10005",  # 31 February
        "40003521600",
        "info@example.lv",
        "",
        None,
    ],
)
def test_invalid_eaddresses_are_refused(given: object) -> None:
    with pytest.raises(env.EnvelopeError) as caught:
        env.normalize_eaddress(given)
    assert isinstance(caught.value, InvalidRequest)
    assert caught.value.field == "recipient"
    assert "19998" not in str(caught.value)  # the code is not repeated back


def test_eaddress_for_and_masking() -> None:
    assert env.eaddress_for("40003521600") == "_DEFAULT@40003521600"
    assert env.eaddress_for("161175-19997") == "_PRIVATE@16117519997"
    assert env.mask_eaddress("_PRIVATE@16117519997") == "_PRIVATE@16****-****7"
    assert env.mask_eaddress("_DEFAULT@40003521600") == "_DEFAULT@40003521600"
    with pytest.raises(env.EnvelopeError):
        env.eaddress_for("12345")


def test_pdf_and_edoc_attachments_pass() -> None:
    assert pdf().checked().size > 0
    container = env.Attachment("Lēmums.edoc", env.ASICE, demo_edoc()).checked()
    assert container.sha256 == env.Attachment("x.asice", env.ASICE, demo_edoc()).sha256
    decoded = env.Attachment.from_base64("a.pdf", env.PDF, b64(demo_pdf()))
    assert decoded.content == demo_pdf()


@pytest.mark.parametrize(
    ("name", "mime", "content", "reason"),
    [
        ("bilde.png", "image/png", b"\x89PNG....", "atļauti tikai PDF"),
        ("vards.docx", "application/msword", b"PK\x03\x04", "atļauti tikai PDF"),
        ("lemums.edoc", env.PDF, demo_pdf(), "paplašinājums"),
        ("lemums.pdf", env.PDF, b"MZ\x90\x00 not a pdf", "saturs neatbilst"),
        ("lemums.edoc", env.ASICE, b"PK\x03\x04" + b"\x00" * 40, "saturs neatbilst"),
        ("../../etc/passwd.pdf", env.PDF, demo_pdf(), "faila nosaukums"),
        (".pdf", env.PDF, demo_pdf(), "faila nosaukums"),
        ("lemums.pdf", env.PDF, b"", "tukšs"),
        (
            "liels.pdf",
            env.PDF,
            b"%PDF-" + b"0" * env.MAX_ATTACHMENT_BYTES,
            "10 MiB",
        ),
    ],
    ids=[
        "png",
        "docx",
        "extension",
        "not-pdf",
        "not-asice",
        "path",
        "dotfile",
        "empty",
        "oversized",
    ],
)
def test_forbidden_attachments_are_refused(
    name: str, mime: str, content: bytes, reason: str
) -> None:
    with pytest.raises(env.EnvelopeError, match=reason):
        env.Attachment(name, mime, content).checked()


def test_base64_is_checked_and_size_limited_before_decoding() -> None:
    with pytest.raises(env.EnvelopeError, match="nav base64"):
        env.Attachment.from_base64("a.pdf", env.PDF, "not base64!")
    with pytest.raises(env.EnvelopeError, match="10 MiB"):
        env.Attachment.from_base64("a.pdf", env.PDF, "A" * (15 * 1024 * 1024))
    with pytest.raises(env.EnvelopeError, match="tekstam"):
        env.Attachment.from_base64("a.pdf", env.PDF, None)


def test_attachment_count_is_limited() -> None:
    with pytest.raises(env.EnvelopeError, match="vismaz viens"):
        env.check_attachments(())
    with pytest.raises(env.EnvelopeError, match="ne vairāk kā 10"):
        env.check_attachments(tuple(pdf(f"{i}.pdf") for i in range(11)))


@pytest.mark.parametrize(
    ("sent_utc", "delivered"),
    [
        # Monday 2 March 2026, 09:00 Riga -> Wednesday
        (datetime(2026, 3, 2, 7, 0, tzinfo=UTC), date(2026, 3, 4)),
        # Friday -> Tuesday
        (datetime(2026, 3, 6, 10, 0, tzinfo=UTC), date(2026, 3, 10)),
        # Friday 23:30 UTC is already Saturday in Riga -> Tuesday as well
        (datetime(2026, 3, 6, 22, 30, tzinfo=UTC), date(2026, 3, 10)),
        # Thursday 30 April: 1 May (Friday) and 4 May (Monday) are holidays
        (datetime(2026, 4, 30, 9, 0, tzinfo=UTC), date(2026, 5, 6)),
    ],
)
def test_delivered_on_the_second_working_day(
    sent_utc: datetime, delivered: date
) -> None:
    assert env.delivered_on(sent_utc, WorkingCalendar()) == delivered


def test_fingerprint_tells_content_apart() -> None:
    base = env.OutgoingMessage(
        sender="_DEFAULT@90011524360",
        recipients=("_PRIVATE@16117519997",),
        document_kind="Lēmums",
        title="A",
        client_message_id="k",
        attachments=(pdf(),),
    )
    same = env.OutgoingMessage(**{**base.__dict__})
    other = env.OutgoingMessage(**{**base.__dict__, "title": "B"})
    assert base.fingerprint() == same.fingerprint() != other.fingerprint()


def test_checked_message_dedups_recipients_and_checks_every_field() -> None:
    message = env.OutgoingMessage(
        sender="_DEFAULT@90011524360",
        recipients=("_PRIVATE@161175-19997", "_PRIVATE@16117519997"),
        document_kind="Lēmums",
        title="  Lēmums  ",
        client_message_id="a:b-c_d.e",
        attachments=(pdf(),),
    ).checked()
    assert message.recipients == ("_PRIVATE@16117519997",)
    assert message.title == "Lēmums"
    for field, value in [
        ("document_kind", "Dzejolis"),
        ("title", ""),
        ("client_message_id", "has space"),
        ("recipients", ()),
    ]:
        with pytest.raises(env.EnvelopeError) as caught:
            env.OutgoingMessage(**{**message.__dict__, field: value}).checked()
        assert caught.value.field == field
