# SPDX-License-Identifier: EUPL-1.2
"""A finance export batch built from the operator's parameters.

``finance.export`` takes ``institution_reg_nr``, ``invoices`` and ``payments`` (lists
of records whose keys are ``CONTRACT.md``'s field names; amounts as ``"121.00"``, a
number or a Decimal; dates as ``YYYY-MM-DD`` or date objects; an invoice's ``summa``
may be left out and is then ``summa_bez_pvn + pvn``), and optionally ``period_from``,
``period_to`` (default: the earliest and latest approval or payment date),
``batch_id`` (default: municipality, period end and the idempotency key's digest, so a
retried delivery sends the same batch) and ``created_at``.

The file is written and then read back with ``format.parse``, so a problem is found
here, named by parameter path (``invoices.0.iban``), before anything is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from connectors.restkit import FieldProblem, FieldsRefused
from connectors.systems.finance.contract import (
    INVOICE_FIELDS,
    PAYMENT_FIELDS,
    FormatError,
    parse,
    write,
)
from forms.identifiers import is_personas_kods, normalize_personas_kods

_AMOUNTS: Final = {"summa_bez_pvn", "pvn", "summa"}
_DATES: Final = {"rekina_datums", "apmaksas_termins", "apstiprinats", "samaksats"}
_PARAM_OF_HEADER: Final = {
    "paketes_id": "batch_id",
    "iestades_reg_nr": "institution_reg_nr",
    "periods_no": "period_from",
    "periods_lidz": "period_to",
    "izveidots": "created_at",
    "pasvaldiba": "municipality",
}
WHERE: Final = "finance.export"


class _Bad(Exception):
    def __init__(self, path: str, message: str) -> None:
        self.problem = FieldProblem(path, message)


def _amount(value: object, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Bad(path, "Jābūt summai")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise _Bad(path, "Jābūt summai") from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise _Bad(path, "Summai ne vairāk kā 2 decimālzīmes")
    return f"{number:.2f}"


def _text(value: object, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "\r" in text or "\n" in text:
        raise _Bad(path, "Laukā nedrīkst būt rindas pārnesums")
    return text


def _record(raw: object, path: str, fields: Sequence[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise _Bad(path, "Jābūt ierakstam ar laukiem")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise _Bad(f"{path}.{unknown[0]}", "Nezināms lauks")
    row: dict[str, str] = {}
    for field in fields:
        if field == "rinda":
            continue
        value = raw.get(field)
        here = f"{path}.{field}"
        if field in _AMOUNTS and value is not None:
            row[field] = _amount(value, here)
        else:
            row[field] = _text(value, here)
    computable = "summa_bez_pvn" in fields and row["summa_bez_pvn"] and row["pvn"]
    if computable and not row["summa"]:
        total = Decimal(row["summa_bez_pvn"]) + Decimal(row["pvn"])
        row["summa"] = f"{total:.2f}"
    code = row.get("maksataja_kods", "")
    if code and is_personas_kods(code):
        row["maksataja_kods"] = normalize_personas_kods(code)
    return row


def _records(
    params: Mapping[str, Any], key: str, fields: Sequence[str]
) -> list[dict[str, str]]:
    raw = params.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise _Bad(key, "Jābūt sarakstam")
    return [_record(item, f"{key}.{i}", fields) for i, item in enumerate(raw)]


def _period(
    params: Mapping[str, Any], rows: Sequence[Mapping[str, str]], today: date
) -> tuple[str, str]:
    dates = sorted(
        r[f] for r in rows for f in ("apstiprinats", "samaksats") if r.get(f)
    )
    start = _text(params.get("period_from"), "period_from") or (
        dates[0] if dates else today.isoformat()
    )
    end = _text(params.get("period_to"), "period_to") or (
        dates[-1] if dates else today.isoformat()
    )
    return start, end


def _renamed(error: FormatError, invoices: int) -> FieldProblem:
    field = error.field or ""
    if error.line == 1:
        return FieldProblem(_PARAM_OF_HEADER.get(field, field), error.reason)
    if error.line is not None and 2 <= error.line < 2 + invoices:
        return FieldProblem(f"invoices.{error.line - 2}.{field}", error.reason)
    if error.line is not None and error.line >= 2 + invoices:
        return FieldProblem(
            f"payments.{error.line - 2 - invoices}.{field}", error.reason
        )
    return FieldProblem(field, error.reason)


def build_batch(
    params: Mapping[str, Any],
    municipality: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> bytes:
    """The checked file; raises FieldsRefused naming the parameter at fault."""
    now = now or datetime.now(UTC)
    try:
        invoices = _records(params, "invoices", INVOICE_FIELDS)
        payments = _records(params, "payments", PAYMENT_FIELDS)
        period_from, period_to = _period(params, [*invoices, *payments], now.date())
        digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:8]
        default_id = f"{municipality}-{period_to.replace('-', '')}-{digest}"
        header = {
            "paketes_id": _text(params.get("batch_id"), "batch_id") or default_id,
            "pasvaldiba": municipality,
            "iestades_reg_nr": _text(
                params.get("institution_reg_nr"), "institution_reg_nr"
            ),
            "izveidots": _text(params.get("created_at"), "created_at")
            or now.isoformat(timespec="seconds"),
            "periods_no": period_from,
            "periods_lidz": period_to,
        }
    except _Bad as bad:
        raise FieldsRefused(WHERE, [bad.problem]) from None
    data = write(header, invoices, payments)
    try:
        parse(data)
    except FormatError as error:
        raise FieldsRefused(WHERE, [_renamed(error, len(invoices))]) from None
    return data
