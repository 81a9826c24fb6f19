# SPDX-License-Identifier: EUPL-1.2
"""The client against the simulator on a real loopback server (sockets, timeouts),
configured the way production is: live mode, a URL, a plain requests session."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from connectors.errors import Unavailable
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.depp.operators import DeppOperators, depp_client
from connectors.systems.depp.simulator import DeppSimulator
from core.contracts import CallContext
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, RIGA_EADDRESS, b64, pdf


@pytest.fixture
def server(sim: DeppSimulator) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, sim, threaded=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/UnifiedService"
    finally:
        sim.close()  # wakes a request sleeping in an injected timeout
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _live(url: str, timeout: str = "2") -> dict[str, str]:
    return {
        "PKIP_DEPP_MODE": "live",
        "PKIP_DEPP_URL": url,
        "PKIP_DEPP_TIMEOUT": timeout,
        "PKIP_DEPP__RIGA_EADDRESS": RIGA_EADDRESS,
    }


def test_every_operation_over_a_socket(server: str, sim: DeppSimulator) -> None:
    client = depp_client("RIGA", environ=_live(server))
    sent = client.send_message(
        recipients=[RESIDENT_EADDRESS],
        document_kind="Paziņojums",
        title="Paziņojums par sēdi",
        attachments=[pdf("pazinojums.pdf")],
        client_message_id="socket-1",
    )
    assert sim.mailbox(RESIDENT_EADDRESS)[0].item_id == sent.message_id
    listed = client.get_message_list()
    assert len(listed) == 2
    assert client.get_message(listed[0].message_id).attachments
    client.confirm_message(listed[0].message_id)
    assert len(client.get_message_list()) == 1
    assert client.search_addressee("161175-19997").active


def test_a_slow_service_times_out(server: str, sim: DeppSimulator) -> None:
    client = depp_client("RIGA", environ=_live(server, timeout="0.3"))
    sim.faults.inject("*", "timeout", delay=10)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="no reply in time"):
        client.get_message_list()
    assert time.monotonic() - started < 5
    sim.close()


def test_http_errors_and_faults_over_a_socket(server: str, sim: DeppSimulator) -> None:
    client = depp_client("RIGA", environ=_live(server))
    sim.faults.inject("*", "http500")
    with pytest.raises(Unavailable):
        client.get_message_list()
    sim.faults.inject("*", "soap_fault")
    with pytest.raises(Unavailable, match="simulēta kļūme"):
        client.get_message_list()
    sim.faults.inject("*", "malformed")
    with pytest.raises(Unavailable, match="malformed"):
        client.get_message_list()


def test_a_refused_connection_is_unavailable() -> None:
    # a port nothing listens on: bind one, close it, use its number
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = depp_client("RIGA", environ=_live(f"http://127.0.0.1:{port}/"))
    with pytest.raises(Unavailable, match="connection failed"):
        client.get_message_list()


def test_the_send_operator_over_a_socket(
    server: str, sim: DeppSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _live(server).items():
        monkeypatch.setenv(key, value)
    send = DeppOperators().send
    params = {
        "recipients": RESIDENT_EADDRESS,
        "document_kind": "Lēmums",
        "title": "Lēmums",
        "attachments": [
            {
                "name": "l.pdf",
                "mime": "application/pdf",
                "content_base64": b64(demo_pdf()),
            }
        ],
    }
    context = CallContext(municipality="RIGA", idempotency_key="outbox-77")
    first = send(params, context)
    assert send(params, context) == first
    assert (sim.unique, sim.duplicates) == (1, 1)
