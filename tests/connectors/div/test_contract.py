# SPDX-License-Identifier: EUPL-1.2
"""DIV: every operation through the client against the simulator, faults, the page."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from connectors.errors import (
    ConnectorError,
    InvalidRequest,
    NotFound,
    Rejected,
    Unavailable,
)
from connectors.systems.depp import contract as env
from connectors.systems.div.client import DivClient, DivSendResult
from connectors.systems.div.simulator import DEMO_SENDER, DivSimulator
from tests.conftest import T0
from tests.connectors.depp.conftest import pdf
from tests.connectors.div.conftest import OTHER_INSTITUTION, RIGA


def _send(div: DivClient, key: str = "outbox-1", **overrides: object) -> DivSendResult:
    values: dict[str, object] = {
        "recipient": OTHER_INSTITUTION,
        "document_kind": "Vēstule",
        "title": "Par zemes vienības robežām",
        "attachments": [pdf("vestule.pdf")],
        "client_document_id": key,
        "document_number": "1-12/345",
    }
    values.update(overrides)
    return div.send_document(**values)  # type: ignore[arg-type]


def test_send_document_and_dedup(div: DivClient, div_sim: DivSimulator) -> None:
    first = _send(div)
    again = _send(div)
    assert again.document_id == first.document_id
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.sent_at == T0
    assert (div_sim.received_total, div_sim.unique, div_sim.duplicates) == (2, 1, 1)
    [stored] = div_sim.store.items()
    assert (stored.sender, stored.recipient) == (RIGA, OTHER_INSTITUTION)
    assert stored.document_number == "1-12/345"
    with pytest.raises(Rejected, match="citam saturam"):
        _send(div, title="Cits")


def test_refusals(div: DivClient, div_sim: DivSimulator) -> None:
    with pytest.raises(Rejected, match="nav pievienots DIV"):
        _send(div, recipient="40003521600")
    with pytest.raises(InvalidRequest, match="recipient"):
        _send(div, recipient="40003521601")
    with pytest.raises(InvalidRequest, match="PDF un ASiC-E"):
        _send(div, attachments=[env.Attachment("a.txt", "text/plain", b"x")])
    big = env.Attachment("a.pdf", env.PDF, b"%PDF-" + bytes(env.MAX_ATTACHMENT_BYTES))
    with pytest.raises(InvalidRequest, match="10 MiB"):
        _send(div, attachments=[big])
    with pytest.raises(InvalidRequest, match="document_number"):
        _send(div, document_number="x" * 101)
    assert div_sim.unique == 0


def test_incoming_list_get_and_confirm(div: DivClient, div_sim: DivSimulator) -> None:
    [seeded] = div.list_incoming()
    assert (seeded.sender, seeded.document_kind) == (DEMO_SENDER, "Vēstule")
    document = div.get_document(seeded.document_id)
    assert document.recipient == RIGA and document.document_number == "1-5/2026/118"
    assert document.attachments[0].name == "vestule.edoc"
    assert document.attachments[0].checked()  # a well-formed ASiC-E container
    assert div.confirm(seeded.document_id) == T0
    assert div.confirm(seeded.document_id) == T0
    assert div.list_incoming() == []
    with pytest.raises(NotFound):
        div.get_document("nope")
    sent = _send(div)
    with pytest.raises(NotFound):  # it is the other institution's document
        div.get_document(sent.document_id)


def test_a_reply_keeps_its_reference(div: DivClient, div_sim: DivSimulator) -> None:
    div_sim.deliver(
        OTHER_INSTITUTION,
        RIGA,
        document_kind="Atbilde",
        title="Atbilde",
        attachments=(pdf("atbilde.pdf"),),
        in_reply_to="riga-doc-1",
    )
    ids = [d.document_id for d in div.list_incoming() if d.document_kind == "Atbilde"]
    assert div.get_document(ids[0]).in_reply_to == "riga-doc-1"


@pytest.mark.parametrize(
    ("kind", "code", "error"),
    [
        ("timeout", "Unavailable", Unavailable),
        ("http500", "Unavailable", Unavailable),
        ("malformed", "Unavailable", Unavailable),
        ("xml_bomb", "Unavailable", Unavailable),
        ("soap_fault", "Unavailable", Unavailable),
        ("soap_fault", "Rejected", Rejected),
        ("soap_fault", "NotFound", NotFound),
        ("soap_fault", "InvalidRequest", InvalidRequest),
    ],
)
def test_faults_map_to_connector_errors(
    div: DivClient,
    div_sim: DivSimulator,
    kind: str,
    code: str,
    error: type[ConnectorError],
) -> None:
    div_sim.faults.inject("ListIncoming", kind, code=code)
    with pytest.raises(error):
        div.list_incoming()
    assert len(div.list_incoming()) == 1


def test_a_lost_reply_then_a_retry_sends_once(
    div: DivClient, div_sim: DivSimulator
) -> None:
    div_sim.faults.inject("SendDocument", "http500", after_processing=True)
    with pytest.raises(Unavailable):
        _send(div, "outbox-5")
    assert _send(div, "outbox-5").duplicate is True
    assert (div_sim.unique, div_sim.duplicates) == (1, 1)


def test_the_page_lists_exchanged_documents(
    div: DivClient, div_sim: DivSimulator
) -> None:
    _send(div, title="Vēstule <i>iestādei</i>")
    page = Client(div_sim).get("/").get_data(as_text=True)
    assert "Dokumentu apmaiņa starp iestādēm" in page
    assert "Vēstule &lt;i&gt;iestādei&lt;/i&gt;" in page
    assert "1-12/345" in page
