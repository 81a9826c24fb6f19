# SPDX-License-Identifier: EUPL-1.2
"""A payment request on the wire, and the checks both the client and the simulator
make on it (paths name the wire fields: ``amount_cents``, ``payer.id``, …).

Wire format of ``POST /payments`` (header ``Idempotency-Key``)::

    {"merchant_id": "RIGA", "amount_cents": 6000, "currency": "EUR",
     "purpose": "Suņu turēšanas nodeva", "reference": "SN-2026-0001",
     "payer": {"name": "Jānis Bērziņš", "id_type": "personas_kods",
               "id": "161175-19997"},
     "return_url": "https://…", "notify_url": "https://…"}   (notify_url optional)

Amounts travel as whole cents, so no binary fraction ever touches money.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from connectors.restkit import FieldProblem
from forms.identifiers import (
    is_personas_kods,
    is_registracijas_numurs,
    normalize_personas_kods,
)

MAX_CENTS: Final = 100_000_000  # one million euro: beyond that, not a fee
PURPOSE_MAX: Final = 140  # a SEPA remittance line
REFERENCE_MAX: Final = 35  # a SEPA end-to-end identifier
_URL_RE: Final = re.compile(r"https?://[^\s]+|/[^\s]*")
_REFERENCE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]*")
PERSONAS_KODS: Final = "personas_kods"
REG_NR: Final = "registracijas_numurs"


# Wire fields as the operator's parameters call them, so an error names what the
# diagram passed.
_PARAM_OF_WIRE: Final = {
    "payer": "payer_name",
    "payer.name": "payer_name",
    "payer.id": "payer_code",
    "payer.id_type": "payer_code",
}


class AmountError(ValueError):
    pass


def to_cents(amount: object) -> int:
    """Euro (``12``, ``"12.5"``, ``Decimal("12.50")``, ``12.5``) → whole cents.

    More than two decimal places, zero, negative or not a number is refused rather
    than rounded: a fee is never quietly changed.
    """
    if isinstance(amount, bool) or not isinstance(amount, int | float | str | Decimal):
        raise AmountError("not a number")
    try:
        value = Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    except InvalidOperation as exc:
        raise AmountError("not a number") from exc
    if not value.is_finite():
        raise AmountError("not a number")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise AmountError("more than two decimal places")
    return int(cents)


def format_cents(cents: int) -> str:
    """``6000`` → ``"60.00"``."""
    return f"{Decimal(cents) / 100:.2f}"


def payer_id_type(code: str) -> str | None:
    if is_personas_kods(code):
        return PERSONAS_KODS
    if is_registracijas_numurs(code):
        return REG_NR
    return None


def normalize_payer_id(code: str) -> str:
    kind = payer_id_type(code)
    return normalize_personas_kods(code) if kind == PERSONAS_KODS else code.strip()


def _text_problem(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "Obligāts lauks"
    if len(value) > limit:
        return f"Ne garāks par {limit} rakstzīmēm"
    return None


def check_request(body: Mapping[str, Any]) -> list[FieldProblem]:
    """Every problem of a wire request (messages never repeat the value)."""
    problems: list[FieldProblem] = []

    def bad(path: str, message: str | None) -> None:
        if message:
            problems.append(FieldProblem(path, message))

    cents = body.get("amount_cents")
    if not isinstance(cents, int) or isinstance(cents, bool):
        bad("amount_cents", "Jābūt veselam skaitlim (centi)")
    elif not 0 < cents <= MAX_CENTS:
        bad("amount_cents", "Jābūt no 1 centa līdz 1 000 000 eiro")
    if body.get("currency") != "EUR":
        bad("currency", "Tikai EUR")
    bad("merchant_id", _text_problem(body.get("merchant_id"), 64))
    bad("purpose", _text_problem(body.get("purpose"), PURPOSE_MAX))
    reference = body.get("reference")
    bad("reference", _text_problem(reference, REFERENCE_MAX))
    if (
        isinstance(reference, str)
        and reference
        and not _REFERENCE_RE.fullmatch(reference)
    ):
        bad("reference", "Atļauti burti, cipari, atstarpe un . / _ -")
    payer = body.get("payer")
    if not isinstance(payer, Mapping):
        bad("payer", "Obligāts lauks")
    else:
        bad("payer.name", _text_problem(payer.get("name"), 140))
        code = payer.get("id")
        kind = payer_id_type(code) if isinstance(code, str) else None
        if kind is None:
            bad("payer.id", "Nav derīgs personas kods vai reģistrācijas numurs")
        elif payer.get("id_type") != kind:
            bad("payer.id_type", "Neatbilst identifikatoram")
    for key in ("return_url", "notify_url"):
        url = body.get(key)
        if url is None and key == "notify_url":
            continue
        if not isinstance(url, str) or not _URL_RE.fullmatch(url) or len(url) > 2000:
            bad(key, "Nederīga adrese (URL)")
    return problems


def build_request(
    params: Mapping[str, Any], merchant_id: str
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The wire request from an operator's parameters, and every problem with them.

    Exactly one of ``amount`` (euro) and ``amount_cents`` must be given.
    """
    problems: list[FieldProblem] = []
    cents: Any = params.get("amount_cents")
    has_amount = params.get("amount") is not None
    if has_amount == (cents is not None):
        problems.append(FieldProblem("amount", "Norādiet amount vai amount_cents"))
    elif has_amount:
        try:
            cents = to_cents(params["amount"])
        except AmountError as exc:
            problems.append(FieldProblem("amount", f"Nederīga summa ({exc})"))
    code = params.get("payer_code")
    code_text = code if isinstance(code, str) else ""
    body: dict[str, Any] = {
        "merchant_id": merchant_id,
        "amount_cents": cents,
        "currency": "EUR",
        "purpose": params.get("purpose"),
        "reference": params.get("reference"),
        "payer": {
            "name": params.get("payer_name"),
            "id_type": payer_id_type(code_text),
            "id": normalize_payer_id(code_text),
        },
        "return_url": params.get("return_url"),
    }
    if params.get("notify_url") is not None:
        body["notify_url"] = params["notify_url"]
    amount_param = "amount" if has_amount else "amount_cents"
    renamed = {**_PARAM_OF_WIRE, "amount_cents": amount_param}
    for problem in check_request(body):
        path = renamed.get(problem.path, problem.path)
        if path not in {p.path for p in problems}:
            problems.append(FieldProblem(path, problem.message))
    return body, problems
