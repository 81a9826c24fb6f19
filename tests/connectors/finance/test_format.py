# SPDX-License-Identifier: EUPL-1.2
"""PKIP finanšu eksports v1: what is written, and every rule the reader enforces."""

from __future__ import annotations

import hashlib

import pytest

from connectors.restkit import FieldsRefused
from connectors.systems.finance.contract import FormatError, parse
from connectors.systems.finance.export import build_batch
from tests.connectors.finance.conftest import export_params, invoice, payment


def _batch(**overrides: object) -> bytes:
    return build_batch(export_params(**overrides), "RIGA", "key-1")


def _resign(body: bytes) -> bytes:
    """Recompute the checksum after an edit, as a careless tool would."""
    covered = body[: body.rindex(b"KONTROLSUMMA")]
    digest = hashlib.sha256(covered).hexdigest()
    return covered + f"KONTROLSUMMA;SHA-256;{digest}\r\n".encode()


def test_the_written_file() -> None:
    data = _batch()
    lines = data.decode("utf-8").split("\r\n")
    assert lines[0] == (
        "GALVENE;PKIP-FINANSES;1;RIGA-20260302-"
        + hashlib.sha256(b"key-1").hexdigest()[:8]
        + ";RIGA;90011524360;2026-03-02T18:00:00+02:00;2026-03-02;2026-03-02;EUR"
    )
    assert lines[1] == (
        'REKINS;1;INV-2026-117;40003521600;"SIA ""Koki; Krūmi""";2026-02-20;'
        "2026-03-20;100.00;21.00;121.00;2026-03-02;LV80BANK0000435195001;"
    )
    assert lines[2] == (
        "MAKSAJUMS;1;PAY-000001;SN-2026-0001;Jānis Bērziņš;161175-19997;"
        "2026-03-02;60.00;Suņu turēšanas nodeva"
    )
    assert lines[3] == "KOPSUMMAS;1;121.00;1;60.00"
    digest = hashlib.sha256(data[: data.index(b"KONTROLSUMMA")]).hexdigest()
    assert lines[4] == f"KONTROLSUMMA;SHA-256;{digest}"
    assert lines[5] == ""  # the last line ends with CRLF too
    batch = parse(data)
    assert batch.invoices[0]["piegadataja_nosaukums"] == 'SIA "Koki; Krūmi"'
    assert batch.totals["maksajumu_summa"] == "60.00"


def test_an_empty_batch_and_a_credit_note_are_valid() -> None:
    assert parse(_batch(invoices=[], payments=[])).totals["rekinu_skaits"] == "0"
    credit = invoice(summa_bez_pvn="-10.00", pvn="-2.10")
    assert parse(_batch(invoices=[credit])).totals["rekinu_summa"] == "-12.10"


@pytest.mark.parametrize(
    ("edit", "line", "field"),
    [
        (lambda d: d[:-2], None, None),  # truncated: no final CRLF
        (lambda d: d[: d.index(b"KOPSUMMAS")], 3, None),  # cut before the end
        (lambda d: d.replace(b"121.00;2026", b"121.01;2026"), 5, "vertiba"),
        (
            lambda d: _resign(d.replace(b"KOPSUMMAS;1;121.00", b"KOPSUMMAS;1;120.00")),
            4,
            "rekinu_summa",
        ),
        (lambda d: _resign(d.replace(b";60.00;", b";60.0;")), 3, "summa"),
        (
            lambda d: _resign(
                d.replace(b"100.00;21.00;121.00", b"100.00;21.00;122.00")
            ),
            2,
            "summa",
        ),
        (lambda d: _resign(d.replace(b"REKINS;1;", b"REKINS;2;")), 2, "rinda"),
        (
            lambda d: _resign(d.replace(b"2026-03-02;LV80", b"2026-04-02;LV80")),
            2,
            "apstiprinats",
        ),
        (
            lambda d: _resign(
                d.replace(b"LV80BANK0000435195001", b"LV80BANK0000435195002")
            ),
            2,
            "iban",
        ),
        (
            lambda d: _resign(d.replace(b"161175-19997", b"161175-19998")),
            3,
            "maksataja_kods",
        ),
        (
            lambda d: _resign(d.replace(b"90011524360", b"90011524361")),
            1,
            "iestades_reg_nr",
        ),
        (lambda d: _resign(d.replace(b";EUR\r\n", b";USD\r\n")), 1, "valuta"),
        (
            lambda d: _resign(
                d.replace(
                    b"MAKSAJUMS;1;PAY-000001;SN-2026-0001;", b"MAKSAJUMS;1;PAY-000001;"
                )
            ),
            3,
            None,
        ),
        (lambda d: _resign(d.replace(b"\r\nMAKSAJUMS", b"\nMAKSAJUMS")), None, None),
        (lambda d: b"\xef\xbb\xbf" + d, 1, None),
        (lambda d: _resign(b"NEZINAMS;1\r\n" + d), 1, "ieraksta veids"),
    ],
)
def test_broken_files_are_refused_with_where_and_why(
    edit: object, line: int | None, field: str | None
) -> None:
    with pytest.raises(FormatError) as caught:
        parse(edit(_batch()))  # type: ignore[operator]
    assert caught.value.line == line
    assert caught.value.field == field
    assert caught.value.reason
    assert "161175" not in str(caught.value)


def test_order_of_records_is_enforced() -> None:
    data = _batch()
    lines = data.split(b"\r\n")
    swapped = b"\r\n".join([lines[0], lines[2], lines[1], lines[3]]) + b"\r\n"
    with pytest.raises(FormatError, match="Secībai"):
        parse(_resign(swapped + b"KONTROLSUMMA;SHA-256;" + b"0" * 64 + b"\r\n"))


def test_a_repeated_invoice_is_refused() -> None:
    with pytest.raises(FieldsRefused) as caught:
        _batch(invoices=[invoice(), invoice()])
    assert caught.value.paths == ["invoices.1.rekina_nr"]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"invoices": [invoice(pvn="21.005")]}, "invoices.0.pvn"),
        ({"invoices": [invoice(iban="LV00")]}, "invoices.0.iban"),
        (
            {"invoices": [invoice(apmaksas_termins="2026-02-01")]},
            "invoices.0.apmaksas_termins",
        ),
        ({"invoices": [invoice(colour="zaļš")]}, "invoices.0.colour"),
        ({"invoices": "nav saraksts"}, "invoices"),
        ({"payments": [payment(summa=0)]}, "payments.0.summa"),
        (
            {"payments": [payment(), payment(maksataja_kods="123")]},
            "payments.1.maksataja_kods",
        ),
        ({"payments": [payment(merkis="a\nb")]}, "payments.0.merkis"),
        ({"institution_reg_nr": "123"}, "institution_reg_nr"),
        ({"batch_id": "ar atstarpēm"}, "batch_id"),
        ({"period_from": "2026-03-03"}, "period_to"),
    ],
)
def test_bad_parameters_are_named(overrides: dict[str, object], path: str) -> None:
    with pytest.raises(FieldsRefused) as caught:
        _batch(**overrides)
    assert caught.value.paths == [path]
