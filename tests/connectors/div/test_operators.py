# SPDX-License-Identifier: EUPL-1.2
"""DIV's operator through the registry: div.send."""

from __future__ import annotations

import pytest

from connectors.errors import InvalidRequest
from connectors.registry import COMMAND, Registry
from connectors.systems import default_registry
from connectors.systems.depp import contract as env
from connectors.systems.depp.fixtures import demo_pdf
from connectors.systems.div import register
from connectors.systems.div.simulator import DivSimulator
from core.contracts import CallContext
from tests.conftest import MUNI
from tests.connectors.depp.conftest import b64
from tests.connectors.div.conftest import OTHER_INSTITUTION, RIGA


def test_div_send_operator(div_sim: DivSimulator) -> None:
    assert default_registry().operator("div.send").kind == COMMAND
    registry = Registry(backoff=0)
    register(registry, simulator=div_sim)
    params = {
        "recipient": OTHER_INSTITUTION,
        "document_kind": "Atbilde",
        "title": "Atbilde uz vēstuli",
        "attachments": [
            {"name": "atbilde.pdf", "mime": env.PDF, "content_base64": b64(demo_pdf())}
        ],
        "document_number": "2-1/77",
        "in_reply_to": "their-doc-1",
    }
    context = CallContext(municipality=MUNI, idempotency_key="outbox-div-1")
    result = registry.call("div.send", params, context)
    assert result == {
        "document_id": result["document_id"],
        "sent_at": "2026-03-02T07:00:00+00:00",
    }
    assert registry.call("div.send", params, context) == result
    [stored] = div_sim.store.items()
    assert (stored.sender, stored.in_reply_to) == (RIGA, "their-doc-1")
    assert div_sim.duplicates == 1
    with pytest.raises(InvalidRequest):
        registry.call("div.send", {**params, "recipient": 42}, context)
