# SPDX-License-Identifier: EUPL-1.2
"""The simulator's page: a resident's e-address mailbox, codes masked."""

from __future__ import annotations

from werkzeug.test import Client

from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.simulator import DeppSimulator
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, send


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
