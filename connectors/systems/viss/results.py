# SPDX-License-Identifier: EUPL-1.2
"""Replies (zeep objects, already checked against the XSD) as plain dicts.

The shapes operators return: snake_case keys, dates as ISO strings, amounts as
decimal strings, lists never None. They are what BPMN diagrams and forms see, so they
change only with care; ``ldc.dogs`` keeps the shape of the simulator it replaced
(``chip``, ``name``, ``breed``, ``born``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _list(value: Any) -> list[Any]:
    return list(value or [])


def _classified(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    return {"code": value.code, "name": value.name}


def address(value: Any) -> dict[str, Any] | None:
    return None if value is None else address_found(value)


def address_found(value: Any) -> dict[str, Any]:
    return {
        "address_code": value.addressCode,
        "full_address": value.fullAddress,
        "atvk": value.atvk,
    }


def company(value: Any) -> dict[str, Any]:
    return {
        "reg_number": value.registrationNumber,
        "name": value.name,
        "legal_form": _classified(value.legalForm),
        "status": value.status,
        "active": value.status == "active",
        "registered_on": _date(value.registeredOn),
        "liquidated_on": _date(value.liquidatedOn),
        "legal_address": address(value.legalAddress),
        "officers": [
            {
                "name": o.name,
                "position": o.position,
                "personal_code": o.personalCode,
                "since": _date(o.since),
            }
            for o in _list(value.officer)
        ],
    }


def _relative(value: Any) -> dict[str, Any]:
    return {
        "personal_code": value.personalCode,
        "name": value.name,
        "surname": value.surname,
        "birth_date": _date(value.birthDate),
    }


def person(value: Any) -> dict[str, Any]:
    declared = value.declaredAddress
    declared_address = address(declared)
    if declared_address is not None:
        declared_address["declared_on"] = _date(declared.declaredOn)
    return {
        **_relative(value),
        "declared_address": declared_address,
        "children": [_relative(c) for c in _list(value.child)],
        "wards": [
            {**_relative(w), "guardian_since": _date(w.guardianSince)}
            for w in _list(value.ward)
        ],
    }


def taxpayer(value: Any) -> dict[str, Any]:
    debt = value.taxDebt
    return {
        "code": value.code,
        "kind": value.kind,
        "status": value.status,
        "has_debt": debt.amount > 0,
        "tax_debt": {
            "amount": _amount(debt.amount),
            "currency": debt.currency,
            "as_of": _date(debt.asOf),
        },
    }


def parcel(value: Any) -> dict[str, Any]:
    return {
        "cadastre_number": value.cadastreNumber,
        "area_m2": _amount(value.areaM2),
        "address": address(value.address),
        "use": _classified(value.use),
        "buildings": _list(value.building),
    }


def building(value: Any) -> dict[str, Any]:
    return {
        "cadastre_designation": value.cadastreDesignation,
        "parcel": value.parcelCadastreNumber,
        "address": address(value.address),
        "use": _classified(value.use),
        "floors": int(value.floors),
        "area_m2": _amount(value.areaM2),
        "built_year": value.builtYear,
    }


def dog(value: Any) -> dict[str, Any]:
    return {
        "chip": value.chipNumber,
        "name": value.name,
        "breed": value.breed,
        "born": _date(value.birthDate),
    }


def preschool(value: Any) -> dict[str, Any]:
    return {
        "institution_code": value.institutionCode,
        "name": value.name,
        "address": address(value.address),
        "programmes": [
            {"code": p.code, "name": p.name} for p in _list(value.programme)
        ],
    }


def child(value: Any) -> dict[str, Any]:
    enrolments = [
        {
            "institution_code": e.institutionCode,
            "institution_name": e.institutionName,
            "programme_code": e.programmeCode,
            "enrolled_on": _date(e.enrolledOn),
        }
        for e in _list(value.enrolment)
    ]
    return {
        "personal_code": value.personalCode,
        "enrolled": bool(enrolments),
        "enrolments": enrolments,
    }


def client_status(value: Any) -> dict[str, Any]:
    return {
        "personal_code": value.personalCode,
        "is_client": bool(value.isClient),
        "supervision_type": _classified(value.supervisionType),
        "until": _date(value.until),
    }
