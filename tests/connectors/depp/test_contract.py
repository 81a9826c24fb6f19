# SPDX-License-Identifier: EUPL-1.2
"""Every DEPP operation through the zeep client against the simulator (in-process)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from connectors.errors import InvalidRequest, NotFound, Rejected
from connectors.systems.depp import contract as env
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.simulator import DeppSimulator
from engine.clock import ManualClock
from tests.conftest import T0
from tests.connectors.depp.conftest import (
    COMPANY,
    NO_EADDRESS,
    RESIDENT,
    RESIDENT_EADDRESS,
    RIGA_EADDRESS,
    edoc,
    pdf,
    send,
)


def test_send_message_reaches_the_residents_mailbox(
    client: DeppClient, sim: DeppSimulator
) -> None:
    result = send(client, attachments=[pdf(), edoc()])
    assert result.sent_at == T0
    assert result.delivered_on == date(2026, 3, 4)  # Monday -> Wednesday
    assert result.duplicate is False
    [stored] = sim.mailbox(RESIDENT_EADDRESS)
    assert stored.item_id == result.message_id
    assert stored.sender == RIGA_EADDRESS
    assert [a.name for a in stored.attachments] == ["lemums.pdf", "lemums.edoc"]
    assert stored.attachments[0].content == demo_pdf("Lemums")
    assert (sim.received_total, sim.unique, sim.duplicates) == (1, 1, 0)


def test_a_repeated_client_message_id_is_the_same_message(
    client: DeppClient, sim: DeppSimulator, clock: ManualClock
) -> None:
    first = send(client, "instance-1:task-1")
    clock.advance(minutes=5)
    again = send(client, "instance-1:task-1")
    assert again.message_id == first.message_id
    assert again.sent_at == first.sent_at and again.duplicate is True
    other = send(client, "instance-1:task-2")
    assert other.message_id != first.message_id
    assert len(sim.mailbox(RESIDENT_EADDRESS)) == 2
    assert (sim.received_total, sim.unique, sim.duplicates) == (3, 2, 1)


def test_a_reused_key_with_other_content_is_rejected(
    client: DeppClient, sim: DeppSimulator
) -> None:
    send(client, "k-1")
    with pytest.raises(Rejected, match="citam saturam"):
        send(client, "k-1", title="Cits nosaukums")
    assert sim.unique == 1


def test_several_recipients_and_a_reply_reference(
    client: DeppClient, sim: DeppSimulator
) -> None:
    result = send(
        client,
        recipients=[RESIDENT_EADDRESS, f"_DEFAULT@{COMPANY}", "_PRIVATE@161175-19997"],
        in_reply_to="earlier-message-1",
    )
    [stored] = sim.mailbox(f"_DEFAULT@{COMPANY}")
    assert stored.item_id == result.message_id
    assert stored.recipients == (RESIDENT_EADDRESS, f"_DEFAULT@{COMPANY}")
    assert stored.in_reply_to == "earlier-message-1"


def test_recipient_without_an_active_eaddress_is_rejected(
    client: DeppClient, sim: DeppSimulator
) -> None:
    with pytest.raises(Rejected, match="nav aktīvas e-adreses"):
        send(client, recipients=[f"_PRIVATE@{NO_EADDRESS}"])
    assert sim.unique == 0


@pytest.mark.parametrize(
    "recipient",
    ["_PRIVATE@161175-19998", "_DEFAULT@40003521601", "161175-19997", "anna@riga.lv"],
)
def test_invalid_recipient_is_refused_before_sending(
    client: DeppClient, sim: DeppSimulator, recipient: str
) -> None:
    with pytest.raises(InvalidRequest, match="recipient"):
        send(client, recipients=[recipient])
    assert sim.received_total == 0


def test_forbidden_and_oversized_attachments_are_refused_before_sending(
    client: DeppClient, sim: DeppSimulator
) -> None:
    png = env.Attachment("foto.png", "image/png", b"\x89PNG\r\n")
    with pytest.raises(InvalidRequest, match="PDF un ASiC-E"):
        send(client, attachments=[png])
    big = env.Attachment(
        "liels.pdf", env.PDF, b"%PDF-" + bytes(env.MAX_ATTACHMENT_BYTES)
    )
    with pytest.raises(InvalidRequest, match="10 MiB"):
        send(client, attachments=[big])
    assert sim.received_total == 0


def test_an_attachment_of_the_full_10_mib_goes_through(
    client: DeppClient, sim: DeppSimulator
) -> None:
    content = b"%PDF-1.4\n" + bytes(env.MAX_ATTACHMENT_BYTES - 9)
    send(client, attachments=[env.Attachment("liels.pdf", env.PDF, content)])
    [stored] = sim.mailbox(RESIDENT_EADDRESS)
    assert stored.attachments[0].content == content


def test_the_inbox_lists_reads_and_confirms(
    client: DeppClient, sim: DeppSimulator
) -> None:
    listed = client.get_message_list()
    # the seeded demo: a resident's application with a PDF, a company's letter
    assert [(m.document_kind, m.sender) for m in listed] == [
        ("Iesniegums", RESIDENT_EADDRESS),
        ("Vēstule", f"_DEFAULT@{COMPANY}"),
    ]
    assert listed[0].attachments == (
        env.AttachmentInfo("iesniegums.pdf", env.PDF, len(demo_pdf("Iesniegums"))),
    )
    message = client.get_message(listed[0].message_id)
    assert message.recipients == (RIGA_EADDRESS,)
    assert message.title == "Iesniegums par koku ciršanu pagalmā"
    assert message.attachments[0].content.startswith(b"%PDF-")
    assert message.sent_at == T0
    confirmed = client.confirm_message(message.message_id)
    assert confirmed == T0
    assert client.confirm_message(message.message_id) == confirmed  # idempotent
    assert [m.message_id for m in client.get_message_list()] == [listed[1].message_id]
    # confirmed messages can still be read
    assert client.get_message(message.message_id).message_id == message.message_id


def test_max_results_limits_the_list(client: DeppClient) -> None:
    assert len(client.get_message_list(max_results=1)) == 1


def test_messages_of_another_mailbox_are_not_found(
    client: DeppClient, sim: DeppSimulator
) -> None:
    sent = send(client)  # to the resident, not to Riga
    with pytest.raises(NotFound):
        client.get_message(sent.message_id)
    with pytest.raises(NotFound):
        client.get_message("no-such-message")
    with pytest.raises(NotFound):
        client.confirm_message("no-such-message")
    with pytest.raises(InvalidRequest):
        client.get_message("has spaces")


def test_a_reply_in_the_inbox_keeps_its_reference(
    client: DeppClient, sim: DeppSimulator
) -> None:
    sim.deliver(
        RESIDENT_EADDRESS,
        RIGA_EADDRESS,
        document_kind="Atbilde",
        title="Papildu informācija",
        attachments=(pdf("atbilde.pdf"),),
        in_reply_to="our-message-7",
    )
    replies = [m for m in client.get_message_list() if m.document_kind == "Atbilde"]
    assert client.get_message(replies[0].message_id).in_reply_to == "our-message-7"


@pytest.mark.parametrize(
    ("identifier", "active", "address"),
    [
        (RESIDENT, True, RESIDENT_EADDRESS),
        ("16117519997", True, RESIDENT_EADDRESS),
        (NO_EADDRESS, False, None),
        (COMPANY, True, f"_DEFAULT@{COMPANY}"),
        ("90011524360", True, "_DEFAULT@90011524360"),
    ],
)
def test_search_addressee(
    client: DeppClient, identifier: str, active: bool, address: str | None
) -> None:
    found = client.search_addressee(identifier)
    assert (found.active, found.eaddress) == (active, address)


def test_search_addressee_is_deterministic_and_refuses_non_identifiers(
    client: DeppClient, sim: DeppSimulator
) -> None:
    first = client.search_addressee("010101-10006")
    assert client.search_addressee("010101-10006") == first
    with pytest.raises(InvalidRequest):
        client.search_addressee("12345678901")
    assert sim.received_total == 0


def test_concurrent_repeats_are_stored_once(
    client: DeppClient, sim: DeppSimulator
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: send(client, "same-key"), range(16)))
    assert len({r.message_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert (sim.received_total, sim.unique, sim.duplicates) == (16, 1, 15)
    assert len(sim.mailbox(RESIDENT_EADDRESS)) == 1
