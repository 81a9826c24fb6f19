# SPDX-License-Identifier: EUPL-1.2
"""The simulator's page: a resident's e-address mailbox, codes masked."""

from __future__ import annotations

import io

from werkzeug.test import Client

from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.simulator import DeppSimulator
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, RIGA_EADDRESS, send
from tests.domain.documents.pdf import pdf_text


def test_the_page_shows_what_residents_received_with_masked_codes(
    client: DeppClient, sim: DeppSimulator
) -> None:
    title = "Lēmums <b>par</b> koku ciršanu"
    send(client, title=title)
    send(client, title=title)  # a repeat: counted, shown once
    send(client, "outbox-2", recipients=["_DEFAULT@40003521600"], title="Uzņēmumam")
    response = Client(sim).get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="lv">' in page and "E-adreses pastkastīte" in page
    assert "_PRIVATE@16****-****7" in page
    assert "16117519997" not in page and "161175-19997" not in page
    assert "Lēmums &lt;b&gt;par&lt;/b&gt; koku ciršanu" in page
    assert "04.03.2026" in page  # counts as delivered on Wednesday
    assert "lemums.pdf" in page
    assert "Uzņēmumam" not in page  # only residents' mailboxes
    assert "Saņemti sūtījumi: 3; unikāli: 2; atkārtoti (dublikāti): 1." in page
    # the page does not read the municipality's inbox (no demo seeding)
    assert not sim.store.has_mailbox("_DEFAULT@90011524360")
    assert len(sim.mailbox(RESIDENT_EADDRESS)) == 1


def test_an_empty_mailbox_says_so(sim: DeppSimulator) -> None:
    page = Client(sim).get("/sim/depp/").get_data(as_text=True)
    assert "vēl nekas nav saņemts" in page


def _letter(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "sender": "161175-19997",
        "recipient": RIGA_EADDRESS,
        "document_kind": "Iesniegums",
        "title": "Iesniegums par žoga būvniecību",
        "body": "Lūdzu atļaut būvēt žogu.\nAr cieņu, Jānis Bērziņš",
    }
    form.update(overrides)
    return form


def test_a_person_sends_a_letter_that_the_institution_can_read(
    client: DeppClient, sim: DeppSimulator
) -> None:
    client.get_message_list()  # the municipality reads its inbox: offered as addressee
    web = Client(sim)
    assert RIGA_EADDRESS in web.get("/").get_data(as_text=True)
    answer = web.post(
        "/letters",
        data={**_letter(), "files": (io.BytesIO(demo_pdf("Plans")), "plāns.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    assert "16117519997" not in answer.headers["Location"]
    [letter] = [m for m in sim.mailbox(RIGA_EADDRESS) if "žoga" in m.title]
    assert letter.sender == RESIDENT_EADDRESS
    assert [a.name for a in letter.attachments] == ["vestule.pdf", "plāns.pdf"]
    assert "Lūdzu atļaut būvēt žogu." in pdf_text(letter.attachments[0].content)
    # the institution's client receives it like any other message
    listed = [m.message_id for m in client.get_message_list()]
    assert letter.item_id in listed
    page = web.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Vēstule nosūtīta." in page and "vēl nav saņemta" in page
    assert "_PRIVATE@16****-****7" in page and "16117519997" not in page
    client.confirm_message(letter.item_id)
    assert "saņemta " in web.get("/").get_data(as_text=True)
    # each file downloads as sent
    download = web.get(f"/messages/{letter.item_id}/1")
    assert download.data == letter.attachments[1].content
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert web.get(f"/messages/{letter.item_id}/7").status_code == 404


def test_a_bad_letter_is_refused_naming_the_field_and_keeping_the_form(
    sim: DeppSimulator,
) -> None:
    web = Client(sim)
    bad_code = web.post("/letters", data=_letter(sender="161175-19990"))
    assert bad_code.status_code == 422
    page = bad_code.get_data(as_text=True)
    assert "Sūtītājs: nav ne reģistrācijas numurs, ne personas kods" in page
    assert "Iesniegums par žoga būvniecību" in page  # kept
    empty = web.post("/letters", data=_letter(body=""))
    assert "Pielikumi: uzrakstiet vēstules tekstu" in empty.get_data(as_text=True)
    script = web.post(
        "/letters",
        data={
            **_letter(body="", title="<script>alert(1)</script>"),
            "files": (io.BytesIO(b"MZ\x90"), "programma.exe"),
        },
        content_type="multipart/form-data",
    )
    assert script.status_code == 422
    text = script.get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
    assert sim.unique == 0
