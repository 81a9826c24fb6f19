# SPDX-License-Identifier: EUPL-1.2
"""The finance client against its simulator in process."""

from __future__ import annotations

import pytest

from connectors.errors import Rejected, Unavailable
from connectors.restkit import FieldsRefused
from connectors.systems.finance import BatchRejected, FinanceClient, FinanceSimulator
from connectors.systems.finance.export import build_batch
from tests.connectors.finance.conftest import export_params, invoice, payment


def test_export_is_imported(client: FinanceClient, sim: FinanceSimulator) -> None:
    receipt = client.export(export_params(), "k1")
    assert receipt["import_id"] == "IMP-000001"
    assert receipt["batch_id"].startswith("RIGA-20260302-")
    assert (receipt["invoices"], receipt["payments"]) == (1, 1)
    assert receipt["received_at"] == "2026-03-02T16:00:00+00:00"
    held = sim.imported[0].batch
    assert held.invoices[0]["summa"] == "121.00"
    assert held.payments[0]["maksataja_kods"] == "161175-19997"


def test_repeat_with_same_key_imports_once(
    client: FinanceClient, sim: FinanceSimulator
) -> None:
    first = client.export(export_params(), "same")
    # A retry rebuilds the file with a new creation time: still the same batch.
    again = client.export(export_params(created_at="2026-03-02T18:05:00+02:00"), "same")
    assert again == first
    assert len(sim.imported) == 1
    assert (sim.ledger.received_total, sim.ledger.unique, sim.ledger.duplicates) == (
        2,
        1,
        1,
    )
    with pytest.raises(Rejected):
        client.export(export_params(payments=[payment(summa="61.00")]), "same")


def test_same_batch_id_with_other_content_is_rejected(client: FinanceClient) -> None:
    client.export(export_params(batch_id="RIGA-2026-03-02"), "k1")
    with pytest.raises(Rejected, match="paketes_id"):
        client.export(export_params(batch_id="RIGA-2026-03-02", invoices=[]), "k2")


def test_malformed_batch_is_rejected_with_the_reason(
    client: FinanceClient, sim: FinanceSimulator
) -> None:
    data = build_batch(export_params(), "RIGA", "k")
    tampered = data.replace(b"KOPSUMMAS;1;121.00", b"KOPSUMMAS;1;999.00")
    with pytest.raises(BatchRejected) as caught:
        client.post_batch(tampered, "k")
    assert caught.value.problems[0].path == "līnija 5: vertiba"
    assert "Kontrolsumma" in str(caught.value)
    assert isinstance(caught.value, Rejected)
    assert sim.imported == []
    assert sim.refused[0]["where"] == "līnija 5: vertiba"


def test_truncated_batch_is_rejected(client: FinanceClient) -> None:
    data = build_batch(export_params(), "RIGA", "k")
    with pytest.raises(BatchRejected, match="CRLF"):
        client.post_batch(data[:-40], "k")


def test_bad_parameters_never_leave(
    client: FinanceClient, sim: FinanceSimulator
) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.export(export_params(invoices=[invoice(iban="LV00")]), "k")
    assert caught.value.paths == ["invoices.0.iban"]
    assert sim.ledger.received_total == 0 and sim.refused == []


@pytest.mark.parametrize("fault", ["timeout", "http500", "malformed"])
def test_every_fault_is_unavailable(
    client: FinanceClient, sim: FinanceSimulator, fault: str
) -> None:
    sim.inject("export", fault)
    with pytest.raises(Unavailable):
        client.export(export_params(), "k")
    client.export(export_params(), "k")
    assert len(sim.imported) == 1


def test_missing_key_is_an_invalid_request(client: FinanceClient) -> None:
    with pytest.raises(FieldsRefused) as caught:
        client.post_batch(build_batch(export_params(), "RIGA", "k"), "")
    assert caught.value.paths == ["Idempotency-Key"]


def test_page_lists_batches_with_codes_masked(
    client: FinanceClient, sim: FinanceSimulator
) -> None:
    client.export(export_params(), "k")
    with pytest.raises(BatchRejected):
        client.post_batch(b"nav fails", "k2")
    page = client.session.get(client.config.base_url + "/").text
    assert "IMP-000001" in page
    assert "1 / 121.00" in page
    assert "16****-****7" in page
    assert "161175-19997" not in page
    assert "Noraidītās paketes" in page and "CRLF" in page
