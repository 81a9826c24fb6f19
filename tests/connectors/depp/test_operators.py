# SPDX-License-Identifier: EUPL-1.2
"""depp.send and depp.search_addressee through the connector registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.config import ConnectorConfigError
from connectors.errors import InvalidRequest, NotFound
from connectors.registry import (
    COMMAND,
    QUERY,
    InvalidParameters,
    Registry,
)
from connectors.systems import default_registry
from connectors.systems.depp import contract as env
from connectors.systems.depp import register
from connectors.systems.depp.fixtures import demo_edoc, demo_pdf
from connectors.systems.depp.operators import (
    DeppOperators,
    demo_registration_number,
    municipality_eaddress,
)
from connectors.systems.depp.simulator import DeppSimulator, default_simulator
from core.contracts import CallContext
from forms.identifiers import is_registracijas_numurs
from tests.conftest import MUNI
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, RIGA_EADDRESS, b64

CONTEXT = CallContext(
    instance_id="i-1", municipality=MUNI, element_id="send_decision", actor="anna"
)


def _params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "recipients": [RESIDENT_EADDRESS],
        "document_kind": "Lēmums",
        "title": "Lēmums par atļauju",
        "attachments": [
            {"name": "lemums.pdf", "mime": env.PDF, "content_base64": b64(demo_pdf())}
        ],
    }
    params.update(overrides)
    return params


@pytest.fixture
def registry(sim: DeppSimulator) -> Registry:
    """The DEPP operators bound to the test's own simulator."""
    reg = Registry(backoff=0)
    register(reg, simulator=sim)
    return reg


def test_both_operators_are_discovered() -> None:
    registry = default_registry()
    send = registry.operator("depp.send")
    search = registry.operator("depp.search_addressee")
    assert (send.kind, send.system, send.mode) == (COMMAND, "DEPP", "simulated")
    assert send.params == ("recipients", "document_kind", "title")
    assert search.kind == QUERY and search.params == ("identifier",)
    assert registry.is_command("depp.send") and not registry.is_command(
        "depp.search_addressee"
    )


def test_send_uses_the_idempotency_key_as_client_message_id(
    registry: Registry, sim: DeppSimulator
) -> None:
    context = CallContext(municipality=MUNI, idempotency_key="0123abcd:task-9")
    result = registry.call("depp.send", _params(), context)
    assert set(result) == {"message_id", "sent_at", "delivered_on"}
    assert result["sent_at"] == "2026-03-02T07:00:00+00:00"
    assert result["delivered_on"] == "2026-03-04"
    assert registry.call("depp.send", _params(), context) == result
    assert (sim.received_total, sim.unique, sim.duplicates) == (2, 1, 1)
    [stored] = sim.mailbox(RESIDENT_EADDRESS)
    assert stored.sender == RIGA_EADDRESS and stored.item_id == result["message_id"]


def test_an_inline_send_gets_a_key_from_the_step_and_the_content(
    registry: Registry, sim: DeppSimulator
) -> None:
    first = registry.call("depp.send", _params(), CONTEXT)
    assert registry.call("depp.send", _params(), CONTEXT) == first
    other = registry.call("depp.send", _params(title="Cits"), CONTEXT)
    assert other["message_id"] != first["message_id"]
    assert (sim.unique, sim.duplicates) == (2, 1)


def test_send_with_an_inline_document_and_one_recipient(
    registry: Registry, sim: DeppSimulator
) -> None:
    document = {
        "name": "lemums.edoc",
        "mime": env.ASICE,
        "content_base64": b64(demo_edoc()),
    }
    params = _params(
        recipients="_PRIVATE@161175-19997", attachments=[], document=document
    )
    registry.call("depp.send", params, CONTEXT)
    [stored] = sim.mailbox(RESIDENT_EADDRESS)
    assert [a.name for a in stored.attachments] == ["lemums.edoc"]


class _Store:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def attachment(self, reference: str, municipality: str) -> env.Attachment:
        self.asked.append((reference, municipality))
        if reference != "doc-42":
            raise NotFound("no such document")
        return env.Attachment("lemums.pdf", env.PDF, demo_pdf("Lemums 42"))


def test_a_document_reference_is_resolved_by_the_document_store(
    sim: DeppSimulator,
) -> None:
    store = _Store()
    send = DeppOperators(documents=store, simulator=sim).send
    send(_params(attachments=[], document="doc-42"), CONTEXT)
    assert store.asked == [("doc-42", MUNI)]
    assert sim.mailbox(RESIDENT_EADDRESS)[0].attachments[0].content == demo_pdf(
        "Lemums 42"
    )
    with pytest.raises(NotFound):
        send(_params(attachments=[], document="doc-0"), CONTEXT)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (
            _params(attachments=[], document="doc-42"),
            InvalidParameters,
            "document store",
        ),
        (_params(attachments=[]), InvalidParameters, "attachments or a document"),
        (_params(attachments="x"), InvalidParameters, "must be a list"),
        (_params(attachments=["x"]), InvalidParameters, "content_base64"),
        (_params(recipients=42), InvalidParameters, "recipients"),
        (
            _params(recipients=["_PRIVATE@161175-19998"]),
            InvalidRequest,
            "personas kods",
        ),
        (
            _params(
                attachments=[{"name": "a.pdf", "mime": env.PDF, "content_base64": "!"}]
            ),
            InvalidRequest,
            "base64",
        ),
        (
            _params(
                attachments=[
                    {
                        "name": "a.exe",
                        "mime": "application/x-msdownload",
                        "content_base64": b64(b"MZ"),
                    }
                ]
            ),
            InvalidRequest,
            "PDF un ASiC-E",
        ),
        (_params(document_kind="Dzejolis"), InvalidRequest, "dokumenta veids"),
    ],
)
def test_bad_parameters_are_refused_without_sending(
    registry: Registry,
    sim: DeppSimulator,
    params: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        registry.call("depp.send", params, CONTEXT)
    assert sim.received_total == 0


def test_missing_parameters_are_named(registry: Registry) -> None:
    with pytest.raises(InvalidParameters, match="recipients, title"):
        registry.call("depp.send", {"document_kind": "Lēmums"}, CONTEXT)


def test_search_addressee(registry: Registry) -> None:
    assert registry.call(
        "depp.search_addressee", {"identifier": "161175-19997"}, CONTEXT
    ) == {"active": True, "eaddress": RESIDENT_EADDRESS}
    assert registry.call(
        "depp.search_addressee", {"identifier": "328673-00679"}, CONTEXT
    ) == {"active": False, "eaddress": None}
    with pytest.raises(InvalidParameters):
        registry.call("depp.search_addressee", {"identifier": 42}, CONTEXT)


@pytest.fixture
def fresh_default() -> Iterator[DeppSimulator]:
    simulator = default_simulator()
    simulator.reset()
    yield simulator
    simulator.reset()


def test_the_default_registry_sends_to_the_default_simulator(
    fresh_default: DeppSimulator,
) -> None:
    registry = default_registry()
    result = registry.call("depp.send", _params(), CallContext(municipality="RIGA"))
    assert fresh_default.mailbox(RESIDENT_EADDRESS)[0].item_id == result["message_id"]
    # without a municipality (pkip bpmn run) the demo municipality sends
    registry.call("depp.send", _params(title="Bez pašvaldības"), CallContext())
    senders = {m.sender for m in fresh_default.mailbox(RESIDENT_EADDRESS)}
    assert senders == {RIGA_EADDRESS, "_DEFAULT@" + demo_registration_number("DEMO")}


def test_municipality_eaddress_from_settings() -> None:
    assert municipality_eaddress("RIGA", {}) == RIGA_EADDRESS
    derived = municipality_eaddress("JELGAVA", {})
    assert derived == municipality_eaddress("jelgava", {})
    assert is_registracijas_numurs(derived.removeprefix("_DEFAULT@"))
    assert derived.startswith("_DEFAULT@9")
    given = {"PKIP_DEPP__JELGAVA_EADDRESS": "_DEFAULT@40003521600"}
    assert municipality_eaddress("JELGAVA", given) == "_DEFAULT@40003521600"
    assert municipality_eaddress("RIGA", {"PKIP_DEPP_EADDRESS": "_DEFAULT@40003521600"})
    with pytest.raises(ConnectorConfigError, match="PKIP_DEPP__RIGA_EADDRESS"):
        municipality_eaddress("RIGA", {"PKIP_DEPP__RIGA_EADDRESS": "_DEFAULT@1"})
    live = {"PKIP_DEPP_MODE": "live", "PKIP_DEPP_URL": "https://depp.example"}
    with pytest.raises(ConnectorConfigError, match="needed when DEPP is live"):
        municipality_eaddress("RIGA", live)


@pytest.mark.parametrize("code", ["DEMO", "RIGA", "JELGAVA", "A", "LIEPAJA"])
def test_demo_registration_numbers_are_valid(code: str) -> None:
    assert is_registracijas_numurs(demo_registration_number(code))
