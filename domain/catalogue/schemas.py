# SPDX-License-Identifier: EUPL-1.2
"""A card's content as an analyst submits it, and its validation.

Every problem is a ``FieldError`` naming the field (``name_lv``, ``prices.1.amount``)
with the reason in Latvian and English, so the page puts it beside the field and the
API returns the path. ``draft`` checks what a draft may be saved with (a code and a
name, and whatever else is filled must be well formed); ``complete`` what a card
needs before it may go to review (and to PSPP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from core.contracts import FieldError
from domain.catalogue.models import (
    APPLICANTS,
    CHANNELS,
    DEADLINE_KINDS,
    WORKING,
)
from forms.markup import MARKUP_MESSAGES, contains_markup

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
"""The PSPP contract's ServiceCode."""
URL_RE = re.compile(r"^https?://\S+$")
MAX_AMOUNT = Decimal("999999999.99")
MAX_TEXT = 300
MAX_LONG_TEXT = 10_000
MAX_PROCEDURE = 100_000
MAX_ROWS = 50


@dataclass
class PriceInput:
    """One line of the price list as typed; dates already parsed (or None)."""

    name_lv: str = ""
    name_en: str = ""
    amount: str = ""
    unit: str = ""
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.name_lv.strip()
            or self.name_en.strip()
            or self.amount.strip()
            or self.unit.strip()
            or self.valid_from
            or self.valid_to
        )


@dataclass
class CardContent:
    """What the analyst edits. ``legal_basis`` and ``documents`` are one entry per
    line (a legal act as ``title | https://…``)."""

    code: str = ""
    name_lv: str = ""
    name_en: str = ""
    description_lv: str = ""
    description_en: str = ""
    legal_basis: list[dict[str, str]] = field(default_factory=list)
    applicants: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    deadline_days: int | None = None
    deadline_kind: str = WORKING
    department: str = ""
    documents: list[dict[str, object]] = field(default_factory=list)
    result_lv: str = ""
    result_en: str = ""
    process_key: str = ""
    procedure: str = ""
    prices: list[PriceInput] = field(default_factory=list)


def parse_amount(text: str) -> Decimal | None:
    """``12,50`` or ``12.50`` (euro, at most two decimals) → Decimal; None if not."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        return None


def legal_basis_lines(text: str) -> list[dict[str, str]]:
    """``Title | URL`` per line → [{title, url?}] (empty lines skipped)."""
    found = []
    for line in text.splitlines():
        title, _, url = line.partition("|")
        if title.strip() or url.strip():
            entry = {"title": title.strip()}
            if url.strip():
                entry["url"] = url.strip()
            found.append(entry)
    return found


def document_lines(text: str) -> list[dict[str, object]]:
    """One document per line; ``(neobligāts)`` / ``(optional)`` at the end makes it
    optional."""
    found: list[dict[str, object]] = []
    for line in text.splitlines():
        name = line.strip()
        if not name:
            continue
        mandatory = True
        for marker in ("(neobligāts)", "(optional)"):
            if name.lower().endswith(marker):
                name, mandatory = name[: -len(marker)].strip(), False
        found.append({"name": name, "mandatory": mandatory})
    return found


def _error(path: str, lv: str, en: str, code: str = "") -> FieldError:
    return FieldError(path, lv, en, code)


def _required(path: str) -> FieldError:
    return _error(path, "Obligāts lauks", "Required", "required")


def _too_long(path: str, limit: int) -> FieldError:
    return _error(
        path,
        f"Ne vairāk kā {limit} rakstzīmes",
        f"At most {limit} characters",
        "maxLength",
    )


def _texts(content: CardContent) -> list[FieldError]:
    errors = []
    for path, limit in (
        ("name_lv", MAX_TEXT),
        ("name_en", MAX_TEXT),
        ("description_lv", MAX_LONG_TEXT),
        ("description_en", MAX_LONG_TEXT),
        ("result_lv", MAX_LONG_TEXT),
        ("result_en", MAX_LONG_TEXT),
        ("procedure", MAX_PROCEDURE),
    ):
        if len(getattr(content, path)) > limit:
            errors.append(_too_long(path, limit))
    return errors


def _markup(content: CardContent) -> list[FieldError]:
    """Texts travel on to PSPP, the public page and documents: no HTML in any."""
    texts: list[tuple[str, str]] = [
        (path, getattr(content, path))
        for path in (
            "name_lv",
            "name_en",
            "description_lv",
            "description_en",
            "result_lv",
            "result_en",
            "procedure",
        )
    ]
    texts += [("legal_basis", e.get("title", "")) for e in content.legal_basis]
    texts += [("documents", str(d.get("name", ""))) for d in content.documents]
    for i, price in enumerate(content.prices):
        texts += [
            (f"prices.{i}.name_lv", price.name_lv),
            (f"prices.{i}.name_en", price.name_en),
            (f"prices.{i}.unit", price.unit),
        ]
    seen: set[str] = set()
    errors = []
    for path, text in texts:
        if path not in seen and contains_markup(text):
            seen.add(path)
            errors.append(FieldError(path, *MARKUP_MESSAGES, "markup"))
    return errors


def check_draft(content: CardContent) -> list[FieldError]:
    """What any saved draft must satisfy."""
    errors: list[FieldError] = _markup(content)
    if not content.code:
        errors.append(_required("code"))
    elif not CODE_RE.fullmatch(content.code):
        errors.append(
            _error(
                "code",
                "Kods: 2–32 lielie burti, cipari, punkts, domuzīme vai pasvītra "
                "(piem. PKIP-012)",
                "Code: 2–32 capital letters, digits, dot, hyphen or underscore "
                "(e.g. PKIP-012)",
                "pattern",
            )
        )
    if not content.name_lv.strip():
        errors.append(_required("name_lv"))
    errors += _texts(content)
    for value in content.applicants:
        if value not in APPLICANTS:
            errors.append(_error("applicants", "Nezināms pieteicējs", "Unknown"))
    for value in content.channels:
        if value not in CHANNELS:
            errors.append(_error("channels", "Nezināms kanāls", "Unknown channel"))
    if content.deadline_kind not in DEADLINE_KINDS:
        errors.append(_error("deadline_kind", "Nezināms dienu veids", "Unknown kind"))
    if content.deadline_days is not None and not 1 <= content.deadline_days <= 365:
        errors.append(
            _error(
                "deadline_days",
                "Termiņš: no 1 līdz 365 dienām",
                "Deadline: 1 to 365 days",
                "range",
            )
        )
    errors += _legal_basis(content.legal_basis)
    errors += _documents(content.documents)
    errors += _prices(content.prices)
    return errors


def _legal_basis(entries: list[dict[str, str]]) -> list[FieldError]:
    errors = []
    if len(entries) > MAX_ROWS:
        errors.append(_error("legal_basis", "Pārāk daudz rindu", "Too many lines"))
    for i, entry in enumerate(entries, start=1):
        if not entry.get("title"):
            errors.append(
                _error(
                    "legal_basis",
                    f"{i}. rindā trūkst tiesību akta nosaukuma",
                    f"Line {i} has no title",
                )
            )
        elif len(entry["title"]) > 500:
            errors.append(_too_long("legal_basis", 500))
        if entry.get("url") and not URL_RE.fullmatch(entry["url"]):
            errors.append(
                _error(
                    "legal_basis",
                    f"{i}. rindas saitei jāsākas ar http:// vai https://",
                    f"The link on line {i} must start with http:// or https://",
                )
            )
    return errors


def _documents(entries: list[dict[str, object]]) -> list[FieldError]:
    if len(entries) > MAX_ROWS:
        return [_error("documents", "Pārāk daudz rindu", "Too many lines")]
    for entry in entries:
        if len(str(entry.get("name", ""))) > MAX_TEXT:
            return [_too_long("documents", MAX_TEXT)]
    return []


def _prices(prices: list[PriceInput]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(prices) > MAX_ROWS:
        return [_error("prices", "Pārāk daudz cenrāža rindu", "Too many price lines")]
    for i, price in enumerate(prices):
        at = f"prices.{i}"
        if not price.name_lv.strip():
            errors.append(_required(f"{at}.name_lv"))
        elif len(price.name_lv) > MAX_TEXT:
            errors.append(_too_long(f"{at}.name_lv", MAX_TEXT))
        if len(price.name_en) > MAX_TEXT:
            errors.append(_too_long(f"{at}.name_en", MAX_TEXT))
        if len(price.unit) > 100:
            errors.append(_too_long(f"{at}.unit", 100))
        if not price.amount.strip():
            errors.append(_required(f"{at}.amount"))
        elif parse_amount(price.amount) is None:
            errors.append(
                _error(
                    f"{at}.amount",
                    "Summa eiro, piem. 12,50 (ne vairāk kā divi cipari aiz komata)",
                    "An amount in euro, e.g. 12.50 (at most two decimals)",
                    "format",
                )
            )
        if price.valid_from is None:
            errors.append(_required(f"{at}.valid_from"))
        if price.valid_from and price.valid_to and price.valid_to < price.valid_from:
            errors.append(
                _error(
                    f"{at}.valid_to",
                    "Beigu datums ir agrāks par sākuma datumu",
                    "The end date is before the start date",
                    "range",
                )
            )
    return errors


def check_complete(content: CardContent) -> list[FieldError]:
    """What a card needs before review: everything the public and PSPP are shown."""
    errors = check_draft(content)
    for path in ("name_en", "description_lv", "result_lv"):
        if not getattr(content, path).strip():
            errors.append(_required(path))
    if not content.legal_basis:
        errors.append(_required("legal_basis"))
    if not content.applicants:
        errors.append(_required("applicants"))
    if not content.channels:
        errors.append(_required("channels"))
    if content.deadline_days is None:
        errors.append(_required("deadline_days"))
    if not content.department:
        errors.append(_required("department"))
    if not content.prices:
        errors.append(no_prices())
    return errors


def no_prices() -> FieldError:
    return _error(
        "prices",
        "Cenrādis: nav neviena cenas ieraksta (bezmaksas pakalpojumam norādiet 0,00 "
        "EUR)",
        "Price list: no entries (for a free service enter 0.00 EUR)",
        "required",
    )


def no_price_in_force(day: date) -> FieldError:
    return _error(
        "prices",
        f"Cenrādis: {day:%d.%m.%Y} nav spēkā neviena cena — kartīti nevar apstiprināt, "
        "kamēr cenrādis nav derīgs",
        f"Price list: no price is in force on {day:%d.%m.%Y} — the card cannot be "
        "approved until its price list is valid",
        "price_list",
    )
