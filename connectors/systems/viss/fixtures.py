# SPDX-License-Identifier: EUPL-1.2
"""The simulator's registries: a few named records and derived ones for any other key.

Every answer is deterministic. Named fixtures cover the demo and the tests (the dog
owner 161175-19997, a liquidated company, a person whose data is restricted, records
that do not exist); any other valid key gets a record derived from a SHA-256 digest of
the key, so the same key always gives the same answer. All names, address codes and
institution codes are invented, and so are the records at the addresses. The ATVK
codes are real, from the ATVK 2021 classifier (``forms/data/atvk_2021.csv``): Rīga
(0001000) and Ādažu novads (0023000), so a connector's key check accepts them.

Records are returned in the contract's shape (the XSD element names, in schema order),
ready for the simulator to render; a refusal is a :class:`Refusal`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any, Final

from stdnum.lv import pvn

from connectors.systems.viss.contract import ACCESS_DENIED, NOT_FOUND

Record = dict[str, Any]
RIGA: Final = "0001000"
ADAZI: Final = "0023000"  # Ādažu novads, the demo's territory outside Rīga


class Refusal(Exception):
    """The registry refuses to answer: a ServiceError code and a Latvian message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _digest(kind: str, key: str) -> bytes:
    return hashlib.sha256(f"{kind}:{key}".encode()).digest()


def _address(code: str, text: str, atvk: str = RIGA) -> Record:
    return {"addressCode": code, "fullAddress": text, "atvk": atvk}


# The State Address Register of the simulator (VZD address search reads it too).
ADDRESSES: Final = (
    _address("101000001", "Brīvības iela 100, Rīga, LV-1001"),
    _address("101000005", "Brīvības iela 100 - 5, Rīga, LV-1001"),
    _address("101000102", "Rūpniecības iela 12 - 3, Rīga, LV-1010"),
    _address("101000210", "Kr. Valdemāra iela 21, Rīga, LV-1010"),
    _address("101000333", "Ganību dambis 7, Rīga, LV-1045"),
    _address("101000415", "Maskavas iela 250 - 14, Rīga, LV-1063"),
    _address("101000520", "Lielvārdes iela 68 - 2, Rīga, LV-1006"),
    _address("101000618", "Zīļu iela 4, Rīga, LV-1021"),
    _address("101000702", "Saules aleja 9, Rīga, LV-1067"),
    _address("101000811", "Pasaku iela 3, Rīga, LV-1004"),
    _address("199000011", "Gaujas iela 2, Ādaži, Ādažu nov., LV-2164", ADAZI),
    _address("199000027", "Attekas iela 15, Ādaži, Ādažu nov., LV-2164", ADAZI),
)

MALE: Final = ("Jānis", "Andris", "Pēteris", "Mārtiņš", "Edgars", "Kārlis")
FEMALE: Final = ("Anna", "Līga", "Ilze", "Inese", "Kristīne", "Marta")
SURNAMES: Final = (  # (male, female)
    ("Bērziņš", "Bērziņa"),
    ("Kalniņš", "Kalniņa"),
    ("Ozols", "Ozola"),
    ("Liepa", "Liepa"),
    ("Krūmiņš", "Krūmiņa"),
    ("Zariņš", "Zariņa"),
)


def personal_code_for(born: date, serial: int) -> str:
    """A valid old-format personal code for someone born on ``born``."""
    century = {18: "0", 19: "1", 20: "2"}[born.year // 100]
    head = f"{born:%d%m%y}{century}{serial % 1000:03d}"
    return f"{head[:6]}-{head[6:]}{pvn.calc_check_digit_pers(head)}"


def _birth_date(code: str) -> date | None:
    if code.startswith("32"):
        return None
    century = {"0": 1800, "1": 1900, "2": 2000}[code[7]]
    return date(century + int(code[4:6]), int(code[2:4]), int(code[:2]))


# -- UR ----------------------------------------------------------------------------
LEGAL_FORMS: Final = (
    {"code": "SIA", "name": "Sabiedrība ar ierobežotu atbildību"},
    {"code": "AS", "name": "Akciju sabiedrība"},
    {"code": "IK", "name": "Individuālais komersants"},
    {"code": "BDR", "name": "Biedrība"},
)
_COMPANY_WORDS: Final = ("Ziemeļu", "Dienvidu", "Zaļā", "Vecā", "Jaunā", "Baltā")
_COMPANY_NOUNS: Final = ("Būve", "Maiznīca", "Loģistika", "Dārzs", "Tehnika", "Koks")

COMPANIES: Final[dict[str, Record]] = {
    "40003521600": {
        "registrationNumber": "40003521600",
        "name": 'SIA "Parauga Būvnieks"',
        "legalForm": LEGAL_FORMS[0],
        "status": "active",
        "registeredOn": date(2001, 5, 14),
        "legalAddress": ADDRESSES[0],
        "officer": [
            {
                "name": "Jānis Bērziņš",
                "position": "valdes loceklis",
                "personalCode": "161175-19997",
                "since": date(2015, 3, 1),
            },
            {
                "name": "Līga Ozola",
                "position": "valdes priekšsēdētāja",
                "personalCode": "328673-00679",
                "since": date(2019, 9, 10),
            },
        ],
    },
    "40103550004": {
        "registrationNumber": "40103550004",
        "name": 'SIA "Vecā Maiznīca"',
        "legalForm": LEGAL_FORMS[0],
        "status": "liquidated",
        "registeredOn": date(2009, 2, 2),
        "liquidatedOn": date(2023, 12, 29),
        "legalAddress": ADDRESSES[3],
        "officer": [],
    },
}
MISSING_COMPANY: Final = "40203000005"


def company(number: str) -> Record:
    if number == MISSING_COMPANY:
        raise Refusal(NOT_FOUND, "Uzņēmumu reģistrā šāda subjekta nav")
    if number in COMPANIES:
        return COMPANIES[number]
    d = _digest("ur", number)
    form = LEGAL_FORMS[d[0] % len(LEGAL_FORMS)]
    name = f"{_COMPANY_WORDS[d[1] % 6]} {_COMPANY_NOUNS[d[2] % 6]}"
    registered = date(1995 + d[3] % 28, 1 + d[4] % 12, 1 + d[5] % 28)
    liquidated = d[6] % 7 == 0
    officers = [
        {
            "name": f"{MALE[d[10 + i] % 6]} {SURNAMES[d[12 + i] % 6][0]}",
            "position": "valdes loceklis",
            "personalCode": personal_code_for(
                date(1950 + d[14 + i] % 50, 1 + d[16 + i] % 12, 1 + d[18 + i] % 28),
                d[20 + i],
            ),
            "since": registered,
        }
        for i in range(0 if liquidated else 1 + d[7] % 2)
    ]
    record: Record = {
        "registrationNumber": number,
        "name": f'{form["code"]} "{name}"' if form["code"] != "BDR" else name,
        "legalForm": form,
        "status": "liquidated" if liquidated else "active",
        "registeredOn": registered,
    }
    if liquidated:
        record["liquidatedOn"] = date(2024, 1 + d[8] % 12, 1 + d[9] % 28)
    record["legalAddress"] = ADDRESSES[d[22] % len(ADDRESSES)]
    record["officer"] = officers
    return record


# -- PMLP --------------------------------------------------------------------------
def _relative(code: str, name: str, surname: str, born: date) -> Record:
    return {"personalCode": code, "name": name, "surname": surname, "birthDate": born}


def _declared(address: Record, on: date) -> Record:
    return {**address, "declaredOn": on}


PERSONS: Final[dict[str, Record]] = {
    "161175-19997": {
        "personalCode": "161175-19997",
        "name": "Jānis",
        "surname": "Bērziņš",
        "birthDate": date(1975, 11, 16),
        "declaredAddress": _declared(ADDRESSES[1], date(2012, 8, 1)),
        "child": [
            _relative("030318-20022", "Kārlis", "Bērziņš", date(2018, 3, 3)),
            _relative("150621-20019", "Anna", "Bērziņa", date(2021, 6, 15)),
        ],
        "ward": [
            {
                **_relative("070710-20044", "Marta", "Kalniņa", date(2010, 7, 7)),
                "guardianSince": date(2019, 1, 15),
            }
        ],
    },
    "328673-00679": {
        "personalCode": "328673-00679",
        "name": "Līga",
        "surname": "Ozola",
        "birthDate": date(1988, 4, 22),
        "declaredAddress": _declared(ADDRESSES[2], date(2017, 10, 2)),
        "child": [_relative("321111-00001", "Emīls", "Ozols", date(2023, 9, 14))],
        "ward": [],
    },
}
RESTRICTED_PERSON: Final = "120586-12340"  # data of restricted availability
MISSING_PERSON: Final = "250160-10037"


def person(code: str) -> Record:
    if code == MISSING_PERSON:
        raise Refusal(NOT_FOUND, "Iedzīvotāju reģistrā šādas personas nav")
    if code == RESTRICTED_PERSON:
        raise Refusal(ACCESS_DENIED, "Personas dati ir ar ierobežotu pieejamību")
    if code in PERSONS:
        return PERSONS[code]
    d = _digest("pmlp", code)
    born = _birth_date(code) or date(1950 + d[1] % 60, 1 + d[2] % 12, 1 + d[3] % 28)
    female = d[4] % 2 == 1
    surnames = SURNAMES[d[5] % len(SURNAMES)]
    children = []
    for i in range(d[6] % 3 if born.year <= 2000 else 0):
        child_born = date(min(born.year + 22 + 3 * i, 2024), 1 + d[7 + i] % 12, 1 + i)
        boy = d[10 + i] % 2 == 0
        children.append(
            _relative(
                personal_code_for(child_born, d[12 + i] * 3),
                (MALE if boy else FEMALE)[d[14 + i] % 6],
                surnames[0 if boy else 1],
                child_born,
            )
        )
    return {
        "personalCode": code,
        "name": (FEMALE if female else MALE)[d[8] % 6],
        "surname": surnames[1 if female else 0],
        "birthDate": born,
        "declaredAddress": _declared(
            ADDRESSES[d[9] % len(ADDRESSES)], date(2005 + d[16] % 20, 1, 15)
        ),
        "child": children,
        "ward": [],
    }


# -- VID ---------------------------------------------------------------------------
TAXPAYERS: Final[dict[str, tuple[str, Decimal]]] = {
    "161175-19997": ("registered", Decimal("0.00")),
    "328673-00679": ("registered", Decimal("57.30")),
    "40003521600": ("registered", Decimal("0.00")),
    "40103550004": ("excluded", Decimal("1240.56")),
}


def taxpayer(code: str, today: date) -> Record:
    if code in TAXPAYERS:
        status, debt = TAXPAYERS[code]
    else:
        d = _digest("vid", code)
        status = "registered" if d[0] % 10 else "not_registered"
        cents = (d[2] * 256 + d[3]) % 50_000 if d[1] % 5 == 0 else 0
        debt = Decimal(cents) / 100
    return {
        "code": code,
        "kind": "person" if "-" in code else "company",
        "status": status,
        "taxDebt": {
            "amount": debt.quantize(Decimal("0.01")),
            "currency": "EUR",
            "asOf": today,
        },
    }


# -- VZD ---------------------------------------------------------------------------
LAND_USES: Final = (
    {"code": "0601", "name": "Individuālo dzīvojamo māju apbūve"},
    {"code": "0701", "name": "Vairākstāvu daudzdzīvokļu māju apbūve"},
    {"code": "0801", "name": "Komercdarbības objektu apbūve"},
    {
        "code": "0101",
        "name": "Zeme, kuras galvenā saimnieciskā darbība ir lauksaimniecība",
    },
)
BUILDING_USES: Final = (
    {"code": "1110", "name": "Viena dzīvokļa mājas"},
    {"code": "1122", "name": "Triju vai vairāku dzīvokļu mājas"},
    {"code": "1230", "name": "Vairumtirdzniecības un mazumtirdzniecības ēkas"},
    {"code": "1274", "name": "Citas, iepriekš neklasificētas, ēkas"},
)
PARCELS: Final[dict[str, Record]] = {
    "01000120345": {
        "cadastreNumber": "01000120345",
        "areaM2": Decimal("1250.00"),
        "address": ADDRESSES[0],
        "use": LAND_USES[0],
        "building": ["01000120345001", "01000120345002"],
    }
}
BUILDINGS: Final[dict[str, Record]] = {
    "01000120345001": {
        "cadastreDesignation": "01000120345001",
        "parcelCadastreNumber": "01000120345",
        "address": ADDRESSES[0],
        "use": BUILDING_USES[0],
        "floors": 2,
        "areaM2": Decimal("186.40"),
        "builtYear": 1936,
    },
    "01000120345002": {
        "cadastreDesignation": "01000120345002",
        "parcelCadastreNumber": "01000120345",
        "use": BUILDING_USES[3],
        "floors": 1,
        "areaM2": Decimal("24.00"),
    },
}
MISSING_PARCEL: Final = "09990000000"


def parcel(number: str) -> Record:
    if number.startswith(MISSING_PARCEL):
        raise Refusal(
            NOT_FOUND, "Kadastra informācijas sistēmā šādas zemes vienības nav"
        )
    if number in PARCELS:
        return PARCELS[number]
    d = _digest("vzd", number)
    return {
        "cadastreNumber": number,
        "areaM2": Decimal((d[0] * 256 + d[1]) % 20_000 + 300),
        "address": ADDRESSES[d[2] % len(ADDRESSES)],
        "use": LAND_USES[d[3] % len(LAND_USES)],
        "building": [f"{number}{i + 1:03d}" for i in range(d[4] % 3)],
    }


def building(designation: str) -> Record:
    if designation.startswith(MISSING_PARCEL):
        raise Refusal(NOT_FOUND, "Kadastra informācijas sistēmā šādas būves nav")
    if designation in BUILDINGS:
        return BUILDINGS[designation]
    d = _digest("vzd-building", designation)
    land = parcel(designation[:11])
    return {
        "cadastreDesignation": designation,
        "parcelCadastreNumber": designation[:11],
        "address": land["address"],
        "use": BUILDING_USES[d[0] % len(BUILDING_USES)],
        "floors": 1 + d[1] % 5,
        "areaM2": Decimal((d[2] * 256 + d[3]) % 900 + 20),
        "builtYear": 1900 + d[4] % 121,
    }


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def addresses(query: str, limit: int = 10) -> list[Record]:
    """Addresses containing every word of the query (case and diacritics ignored)."""
    words = _folded(query).replace(",", " ").split()
    found = [a for a in ADDRESSES if all(w in _folded(a["fullAddress"]) for w in words)]
    return found[:limit]


# -- LDC ---------------------------------------------------------------------------
BREEDS: Final = (
    "Labradora retrīvers",
    "Vācu aitu suns",
    "Jorkšīras terjers",
    "Jaukteņa",
    "Bīgls",
)
DOGS: Final[dict[str, list[Record]]] = {
    "161175-19997": [
        {
            "chipNumber": "985112004412345",
            "name": "Reksis",
            "breed": "Vācu aitu suns",
            "birthDate": date(2019, 4, 12),
        },
        {
            "chipNumber": "985112004412346",
            "name": "Muris",
            "breed": "Jaukteņa",
            "birthDate": date(2021, 8, 30),
        },
    ],
    "328673-00679": [],
}


def _chip_serial(digest: bytes, i: int) -> int:
    # The last eight digits of dog i's 15-digit chip number.
    return int.from_bytes(digest[i * 4 : (i + 1) * 4], "big") % 10**8


def dogs(owner: str) -> list[Record]:
    if owner in DOGS:
        return DOGS[owner]
    # The derivation of the simulator this one replaced, kept so that a demo owner's
    # dogs stay the same: a digest of the bare code.
    d = hashlib.sha256(owner.encode()).digest()
    return [
        {
            "chipNumber": f"9851120{_chip_serial(d, i):08d}",
            "name": f"Suns {i + 1}",
            "breed": BREEDS[d[10 + i] % len(BREEDS)],
            "birthDate": date(2015 + d[20 + i] % 10, 1 + d[25 + i] % 9, 15),
        }
        for i in range(d[0] % 3)
    ]


# -- VIIS --------------------------------------------------------------------------
GENERAL: Final = {
    "code": "01011111",
    "name": "Vispārējās pirmsskolas izglītības programma",
}
SPEECH: Final = {
    "code": "01015511",
    "name": (
        "Speciālās pirmsskolas izglītības programma"
        " izglītojamajiem ar valodas traucējumiem"
    ),
}
PRESCHOOLS: Final[tuple[Record, ...]] = (
    {
        "institutionCode": "3701800001",
        "name": 'Rīgas pirmsskolas izglītības iestāde "Zīļuks"',
        "address": ADDRESSES[7],
        "programme": [GENERAL],
    },
    {
        "institutionCode": "3701800002",
        "name": 'Rīgas pirmsskolas izglītības iestāde "Saulīte"',
        "address": ADDRESSES[8],
        "programme": [GENERAL, SPEECH],
    },
    {
        "institutionCode": "3701800003",
        "name": 'Rīgas pirmsskolas izglītības iestāde "Pasaciņa"',
        "address": ADDRESSES[9],
        "programme": [GENERAL],
    },
    {
        "institutionCode": "4401800001",
        "name": 'Ādažu pirmsskolas izglītības iestāde "Ābelīte"',
        "address": ADDRESSES[10],
        "programme": [GENERAL],
    },
)
ENROLMENTS: Final[dict[str, list[tuple[int, date]]]] = {
    "150621-20019": [(0, date(2022, 9, 1))],
    "030318-20022": [(1, date(2020, 9, 1))],
    "321111-00001": [],
}


def preschools(atvk: str | None) -> list[Record]:
    return [p for p in PRESCHOOLS if atvk is None or p["address"]["atvk"] == atvk]


def child(code: str) -> Record:
    if code in ENROLMENTS:
        places = ENROLMENTS[code]
    else:
        d = _digest("viis", code)
        born = _birth_date(code)
        young = born is not None and born.year >= 2019
        places = (
            [(d[1] % 3, date(born.year + 2, 9, 1))]
            if young and born and d[0] % 2
            else []
        )
    return {
        "personalCode": code,
        "enrolment": [
            {
                "institutionCode": PRESCHOOLS[i]["institutionCode"],
                "institutionName": PRESCHOOLS[i]["name"],
                "programmeCode": GENERAL["code"],
                "enrolledOn": since,
            }
            for i, since in places
        ],
    }


# -- PLUS --------------------------------------------------------------------------
PROBATION_CLIENTS: Final[dict[str, tuple[Record, date]]] = {
    "280295-10069": (
        {"code": "NN", "name": "Probācijas uzraudzība nosacīti notiesātajam"},
        date(2027, 5, 31),
    ),
    "010190-10052": (
        {"code": "NPA", "name": "Nosacīta pirmstermiņa atbrīvošana no soda"},
        date(2026, 12, 31),
    ),
}
# Probation data is disclosed to the social assistance system only.
PROBATION_RECIPIENTS: Final = frozenset({"SOPA"})


def client_status(code: str, requesting_system: str) -> Record:
    if requesting_system not in PROBATION_RECIPIENTS:
        raise Refusal(
            ACCESS_DENIED,
            "Probācijas klienta statuss pieejams tikai sociālajam dienestam",
        )
    if code not in PROBATION_CLIENTS:
        return {"personalCode": code, "isClient": False}
    supervision, until = PROBATION_CLIENTS[code]
    return {
        "personalCode": code,
        "isClient": True,
        "supervisionType": supervision,
        "until": until,
    }
