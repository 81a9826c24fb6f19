# SPDX-License-Identifier: EUPL-1.2
"""A card version as the state catalogue receives it: the PSPP contract's
``ServiceCard`` (connectors/systems/pspp/openapi.yaml, 0.3.0).

Built by the domain (which may not import the connector), checked against the
contract by the PSPP client before it leaves, so a card PSPP would refuse fails with
the field named. No personal data is in a card.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.catalogue.models import WORKING, CardVersion

STEPS = (
    "Iesniegt iesniegumu",
    "Pašvaldība izskata iesniegumu",
    "Saņemt rezultātu",
)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def fees(version: CardVersion, today: date) -> list[dict[str, Any]]:
    """The price list lines not expired by ``today`` (those to come included)."""
    found = []
    for price in version.prices:
        if price.valid_to is not None and price.valid_to < today:
            continue
        fee: dict[str, Any] = {
            "name": price.name_lv,
            "amount": _amount(price.amount_cents),
            "currency": "EUR",
            "valid_from": price.valid_from.isoformat(),
        }
        if price.name_en:
            fee["name_en"] = price.name_en
        if price.unit:
            fee["unit"] = price.unit
        if price.valid_to is not None:
            fee["valid_to"] = price.valid_to.isoformat()
        found.append(fee)
    return found


def pspp_card(
    version: CardVersion,
    *,
    code: str,
    provider_name: str,
    atvk: str | None,
    department_name: str,
    today: date,
) -> dict[str, Any]:
    """The PSPP card of ``version``; without the municipality's ATVK code the
    card has no territory and the PSPP client refuses it, naming the field."""
    card: dict[str, Any] = {
        "code": code,
        "name": version.name_lv,
        "description": version.description_lv or version.name_lv,
        "territory": [atvk] if atvk else [],
        "provider": {"name": provider_name[:300]},
        "steps": [
            {"order": i, "title": title} for i, title in enumerate(STEPS, start=1)
        ],
        "required_documents": [
            {"name": str(d["name"]), "mandatory": bool(d.get("mandatory", True))}
            for d in version.documents
        ],
        "fees": fees(version, today),
        "legal_acts": [dict(entry) for entry in version.legal_basis],
        "channels": list(version.channels),
        "applicants": list(version.applicants),
        "catalogue_version": version.number,
    }
    if atvk:
        card["provider"]["atvk"] = atvk
    if department_name:
        card["provider"]["department"] = department_name[:300]
    if version.name_en:
        card["name_en"] = version.name_en
    if version.description_en:
        card["description_en"] = version.description_en
    if version.result_lv:
        card["result"] = version.result_lv
        card["steps"][2]["description"] = version.result_lv[:5000]
    if version.result_en:
        card["result_en"] = version.result_en
    if version.deadline_days:
        card["result_term"] = {
            "days": version.deadline_days,
            "kind": version.deadline_kind,
        }
        if version.deadline_kind == WORKING:
            card["result_term_working_days"] = min(version.deadline_days, 365)
    return card
