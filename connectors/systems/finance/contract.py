# SPDX-License-Identifier: EUPL-1.2
"""PKIP finanšu eksports v1 (``CONTRACT.md``): write a batch, and read one back refusing
anything that breaks a rule, with the line, the field and the reason.

The simulator accepts exactly what :func:`parse` accepts, and the client checks what
it built with the same function before sending it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from forms.formats import is_date, is_date_time
from forms.identifiers import is_iban, is_personas_kods, is_registracijas_numurs

FORMAT_NAME: Final = "PKIP-FINANSES"
VERSION: Final = "1"
HEADER: Final = "GALVENE"
INVOICE: Final = "REKINS"
PAYMENT: Final = "MAKSAJUMS"
TOTALS: Final = "KOPSUMMAS"
CHECKSUM: Final = "KONTROLSUMMA"
ALGORITHM: Final = "SHA-256"
CRLF: Final = b"\r\n"

HEADER_FIELDS: Final = (
    "formats",
    "versija",
    "paketes_id",
    "pasvaldiba",
    "iestades_reg_nr",
    "izveidots",
    "periods_no",
    "periods_lidz",
    "valuta",
)
INVOICE_FIELDS: Final = (
    "rinda",
    "rekina_nr",
    "piegadataja_reg_nr",
    "piegadataja_nosaukums",
    "rekina_datums",
    "apmaksas_termins",
    "summa_bez_pvn",
    "pvn",
    "summa",
    "apstiprinats",
    "iban",
    "pkip_lieta",
)
PAYMENT_FIELDS: Final = (
    "rinda",
    "maksajuma_id",
    "atsauce",
    "maksataja_nosaukums",
    "maksataja_kods",
    "samaksats",
    "summa",
    "merkis",
)
TOTALS_FIELDS: Final = (
    "rekinu_skaits",
    "rekinu_summa",
    "maksajumu_skaits",
    "maksajumu_summa",
)
_FIELDS: Final = {
    HEADER: HEADER_FIELDS,
    INVOICE: INVOICE_FIELDS,
    PAYMENT: PAYMENT_FIELDS,
    TOTALS: TOTALS_FIELDS,
}
_AMOUNT_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,11})\.[0-9]{2}")
_BATCH_ID_RE: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MUNICIPALITY_RE: Final = re.compile(r"[A-Z0-9_]{1,32}")
_VAT_RE: Final = re.compile(r"[A-Z]{2}[A-Z0-9]{2,13}")
_HEX_RE: Final = re.compile(r"[0-9a-f]{64}")


class FormatError(ValueError):
    """A batch breaks the format; ``line`` (1-based) and ``field`` say where."""

    def __init__(
        self, reason: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.reason = reason
        self.line = line
        self.field = field
        super().__init__(f"{self.where}: {reason}" if self.where else reason)

    @property
    def where(self) -> str:
        parts = [f"līnija {self.line}"] if self.line else []
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


@dataclass(frozen=True)
class Batch:
    header: dict[str, str]
    invoices: list[dict[str, str]]
    payments: list[dict[str, str]]
    totals: dict[str, str]
    checksum: str

    @property
    def batch_id(self) -> str:
        return self.header["paketes_id"]


def _line(values: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", quotechar='"', lineterminator="\r\n").writerow(
        values
    )
    return out.getvalue().encode("utf-8")


def _sum(rows: Sequence[Mapping[str, str]]) -> str:
    return f"{sum((Decimal(r['summa']) for r in rows), Decimal('0')):.2f}"


def write(
    header: Mapping[str, str],
    invoices: Sequence[Mapping[str, str]],
    payments: Sequence[Mapping[str, str]],
) -> bytes:
    """The file for these records (strings as they go in the file); ``rinda``,
    ``formats``, ``versija``, the totals and the checksum are filled in here.

    Call :func:`parse` on the result to check it.
    """
    fixed = {"formats": FORMAT_NAME, "versija": VERSION, "valuta": "EUR"}
    head = {**header, **fixed}
    lines = [_line([HEADER, *(head.get(f, "") for f in HEADER_FIELDS)])]
    for kind, rows in ((INVOICE, invoices), (PAYMENT, payments)):
        for i, row in enumerate(rows, start=1):
            values = {**row, "rinda": str(i)}
            lines.append(_line([kind, *(values.get(f, "") for f in _FIELDS[kind])]))
    totals = [str(len(invoices)), _sum(invoices), str(len(payments)), _sum(payments)]
    lines.append(_line([TOTALS, *totals]))
    body = b"".join(lines)
    digest = hashlib.sha256(body).hexdigest()
    return body + _line([CHECKSUM, ALGORITHM, digest])


# -- reading ---------------------------------------------------------------------------


def _split_checksum(data: bytes) -> tuple[bytes, str, int]:
    """(the bytes the checksum covers, the checksum, the checksum's line number)."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise FormatError("Fails sākas ar BOM; jābūt UTF-8 bez BOM", 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("Fails nav UTF-8") from None
    if not data.endswith(CRLF):
        raise FormatError("Pēdējai līnijai jābeidzas ar CRLF (fails nepilnīgs?)")
    if data.count(b"\n") != data.count(CRLF) or data.count(b"\r") != data.count(CRLF):
        raise FormatError("Līnijām jābeidzas ar CRLF; laukos nedrīkst būt CR vai LF")
    covered, _, last = data[:-2].rpartition(CRLF)
    covered += CRLF if covered else b""
    line_no = covered.count(CRLF) + 1
    fields = last.decode("utf-8").split(";")
    if fields[0] != CHECKSUM:
        raise FormatError(
            "Pēdējai līnijai jābūt KONTROLSUMMA (fails nepilnīgs?)", line_no
        )
    if len(fields) != 3 or fields[1] != ALGORITHM or not _HEX_RE.fullmatch(fields[2]):
        raise FormatError(
            "KONTROLSUMMA: jābūt SHA-256 un 64 heksadecimāliem cipariem", line_no
        )
    if hashlib.sha256(covered).hexdigest() != fields[2]:
        raise FormatError("Kontrolsumma nesakrīt ar faila saturu", line_no, "vertiba")
    return covered, fields[2], line_no


def _records(covered: bytes) -> list[tuple[int, str, dict[str, str]]]:
    records = []
    for number, raw in enumerate(covered[:-2].split(CRLF), start=1):
        try:
            values = next(csv.reader([raw.decode("utf-8")], delimiter=";", strict=True))
        except (csv.Error, StopIteration):
            raise FormatError("Nederīgi pēdiņas vai tukša līnija", number) from None
        kind = values[0]
        if kind not in _FIELDS:
            raise FormatError("Nezināms ieraksta veids", number, "ieraksta veids")
        names = _FIELDS[kind]
        if len(values) - 1 != len(names):
            raise FormatError(
                f"{kind}: jābūt {len(names)} laukiem aiz ieraksta veida", number
            )
        records.append((number, kind, dict(zip(names, values[1:], strict=True))))
    return records


def _order(records: list[tuple[int, str, dict[str, str]]]) -> None:
    ranks = {HEADER: 0, INVOICE: 1, PAYMENT: 2, TOTALS: 3}
    if not records or records[0][1] != HEADER:
        raise FormatError("Pirmajai līnijai jābūt GALVENE", 1)
    if records[-1][1] != TOTALS:
        raise FormatError("Pirms KONTROLSUMMA jābūt KOPSUMMAS", records[-1][0])
    previous = 0
    for number, kind, _ in records[1:]:
        if ranks[kind] in (0, 3) and number != records[-1][0]:
            raise FormatError(f"{kind} drīkst būt tikai vienreiz", number)
        if ranks[kind] < previous:
            raise FormatError(
                "Secībai jābūt GALVENE, REKINS, MAKSAJUMS, KOPSUMMAS", number
            )
        previous = ranks[kind]


class _Checker:
    """Field checks for one record, raising FormatError with its line and field."""

    def __init__(self, line: int, values: Mapping[str, str]) -> None:
        self.line = line
        self.values = values

    def fail(self, field: str, reason: str) -> FormatError:
        return FormatError(reason, self.line, field)

    def text(self, field: str, limit: int, *, optional: bool = False) -> str:
        value = self.values[field]
        if not value and not optional:
            raise self.fail(field, "Obligāts lauks")
        if len(value) > limit:
            raise self.fail(field, f"Ne garāks par {limit} rakstzīmēm")
        return value

    def date(self, field: str) -> str:
        value = self.values[field]
        if not is_date(value):
            raise self.fail(field, "Nederīgs datums (GGGG-MM-DD)")
        return value

    def amount(self, field: str) -> Decimal:
        value = self.values[field]
        if not _AMOUNT_RE.fullmatch(value):
            raise self.fail(field, "Summai jābūt ar punktu un 2 decimālzīmēm")
        return Decimal(value)

    def count(self, field: str) -> int:
        value = self.values[field]
        if not value.isascii() or not value.isdigit():
            raise self.fail(field, "Jābūt veselam skaitlim")
        return int(value)

    def within(self, field: str, header: Mapping[str, str]) -> None:
        if not header["periods_no"] <= self.date(field) <= header["periods_lidz"]:
            raise self.fail(field, "Datums ārpus perioda")


def _header(line: int, values: dict[str, str]) -> None:
    c = _Checker(line, values)
    if values["formats"] != FORMAT_NAME or values["versija"] != VERSION:
        raise c.fail("formats", f"Jābūt {FORMAT_NAME}, versija {VERSION}")
    if not _BATCH_ID_RE.fullmatch(values["paketes_id"]):
        raise c.fail("paketes_id", "Atļauti burti, cipari un . _ - (līdz 64)")
    if not _MUNICIPALITY_RE.fullmatch(values["pasvaldiba"]):
        raise c.fail("pasvaldiba", "Pašvaldības kods: lielie burti un cipari")
    if not is_registracijas_numurs(values["iestades_reg_nr"]):
        raise c.fail("iestades_reg_nr", "Nederīgs reģistrācijas numurs")
    if not is_date_time(values["izveidots"]):
        raise c.fail("izveidots", "Nederīgs laiks (RFC 3339 ar laika joslu)")
    if c.date("periods_no") > c.date("periods_lidz"):
        raise c.fail("periods_lidz", "Perioda beigas pirms sākuma")
    if values["valuta"] != "EUR":
        raise c.fail("valuta", "Tikai EUR")


def _invoice(line: int, v: dict[str, str], header: Mapping[str, str]) -> Decimal:
    c = _Checker(line, v)
    c.text("rekina_nr", 50)
    supplier = v["piegadataja_reg_nr"]
    valid_supplier = (
        is_registracijas_numurs(supplier)
        if supplier[:1].isdigit()
        else bool(_VAT_RE.fullmatch(supplier))
    )
    if not valid_supplier:
        raise c.fail("piegadataja_reg_nr", "Nederīgs reģistrācijas vai PVN numurs")
    c.text("piegadataja_nosaukums", 200)
    if c.date("apmaksas_termins") < c.date("rekina_datums"):
        raise c.fail("apmaksas_termins", "Apmaksas termiņš pirms rēķina datuma")
    total = c.amount("summa")
    if c.amount("summa_bez_pvn") + c.amount("pvn") != total:
        raise c.fail("summa", "Summa nav summa_bez_pvn + pvn")
    c.within("apstiprinats", header)
    if not is_iban(v["iban"]):
        raise c.fail("iban", "Nederīgs IBAN")
    c.text("pkip_lieta", 64, optional=True)
    return total


def _payment(line: int, v: dict[str, str], header: Mapping[str, str]) -> Decimal:
    c = _Checker(line, v)
    c.text("maksajuma_id", 64)
    c.text("atsauce", 64)
    c.text("maksataja_nosaukums", 200)
    code = v["maksataja_kods"]
    if code and not (is_personas_kods(code) or is_registracijas_numurs(code)):
        raise c.fail("maksataja_kods", "Nav derīgs personas kods vai reģ. numurs")
    c.within("samaksats", header)
    amount = c.amount("summa")
    if amount <= 0:
        raise c.fail("summa", "Maksājuma summai jābūt lielākai par nulli")
    c.text("merkis", 140, optional=True)
    return amount


def _rows(
    records: list[tuple[int, str, dict[str, str]]], kind: str, header: dict[str, str]
) -> tuple[list[dict[str, str]], Decimal]:
    rows: list[dict[str, str]] = []
    total = Decimal("0")
    seen: set[tuple[str, str]] = set()
    check = _invoice if kind == INVOICE else _payment
    for number, record_kind, values in records:
        if record_kind != kind:
            continue
        if values["rinda"] != str(len(rows) + 1):
            raise FormatError("Rindu numuriem jāiet pēc kārtas no 1", number, "rinda")
        total += check(number, values, header)
        key = (
            (values["rekina_nr"], values["piegadataja_reg_nr"])
            if kind == INVOICE
            else (values["maksajuma_id"], "")
        )
        if key in seen:
            raise FormatError("Ieraksts paketē atkārtojas", number, _FIELDS[kind][1])
        seen.add(key)
        rows.append(values)
    return rows, total


def _check_totals(
    line: int,
    totals: dict[str, str],
    counted: tuple[int, Decimal, int, Decimal],
) -> None:
    c = _Checker(line, totals)
    expected = dict(zip(TOTALS_FIELDS, counted, strict=True))
    for field in TOTALS_FIELDS:
        given = c.count(field) if field.endswith("skaits") else c.amount(field)
        if given != expected[field]:
            raise c.fail(field, "Nesakrīt ar ierakstiem paketē")


def parse(data: bytes) -> Batch:
    """Read and check a whole batch; raises FormatError at the first problem."""
    covered, checksum, _ = _split_checksum(data)
    records = _records(covered)
    _order(records)
    header_line, _, header = records[0]
    _header(header_line, header)
    invoices, invoice_sum = _rows(records, INVOICE, header)
    payments, payment_sum = _rows(records, PAYMENT, header)
    totals_line, _, totals = records[-1]
    _check_totals(
        totals_line, totals, (len(invoices), invoice_sum, len(payments), payment_sum)
    )
    return Batch(header, invoices, payments, totals, checksum)
