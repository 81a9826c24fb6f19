# SPDX-License-Identifier: EUPL-1.2
"""The VISS client against the simulator, in-process: every operation, typed results,
not-found and refusals, and keys refused before anything is sent."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from connectors.errors import InvalidRequest, NotFound, Rejected
from connectors.systems.viss import fixtures
from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.simulator import VissSimulator
from forms.identifiers import is_atvk

from .conftest import NO_DOGS, OWNER

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _plain(value: Any) -> Any:
    """The value survives a JSON round trip unchanged (dates are strings)."""
    assert json.loads(json.dumps(value)) == value
    return value


def _address(value: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d{9}", value["address_code"])
    assert is_atvk(value["atvk"])
    assert value["full_address"]


def test_company(client: VissClient, requester: Requester) -> None:
    company = _plain(client.company("40003521600", requester))
    assert company["name"] == 'SIA "Parauga Būvnieks"'
    assert company["legal_form"] == {
        "code": "SIA",
        "name": "Sabiedrība ar ierobežotu atbildību",
    }
    assert company["status"] == "active" and company["active"] is True
    assert company["registered_on"] == "2001-05-14"
    assert company["liquidated_on"] is None
    _address(company["legal_address"])
    assert [o["name"] for o in company["officers"]] == ["Jānis Bērziņš", "Līga Ozola"]
    assert company["officers"][0] == {
        "name": "Jānis Bērziņš",
        "position": "valdes loceklis",
        "personal_code": OWNER,
        "since": "2015-03-01",
    }


def test_liquidated_and_derived_companies(
    client: VissClient, requester: Requester
) -> None:
    gone = client.company("40103550004", requester)
    assert gone["status"] == "liquidated" and gone["active"] is False
    assert gone["liquidated_on"] == "2023-12-29"
    derived = client.company("50003000004", requester)
    assert derived == client.company("50003000004", requester)  # deterministic
    assert derived["reg_number"] == "50003000004"
    assert derived["status"] in ("active", "liquidated")


def test_company_not_found(client: VissClient, requester: Requester) -> None:
    with pytest.raises(NotFound, match="VISS/UR"):
        client.company(fixtures.MISSING_COMPANY, requester)


def test_person_with_children_and_wards(
    client: VissClient, requester: Requester
) -> None:
    person = _plain(client.person("16117519997", requester))
    assert (person["name"], person["surname"]) == ("Jānis", "Bērziņš")
    assert person["personal_code"] == OWNER
    assert person["birth_date"] == "1975-11-16"
    assert person["declared_address"]["atvk"] == "0001000"
    assert person["declared_address"]["declared_on"] == "2012-08-01"
    assert [c["name"] for c in person["children"]] == ["Kārlis", "Anna"]
    assert person["children"][1] == {
        "personal_code": "150621-20019",
        "name": "Anna",
        "surname": "Bērziņa",
        "birth_date": "2021-06-15",
    }
    assert person["wards"] == [
        {
            "personal_code": "070710-20044",
            "name": "Marta",
            "surname": "Kalniņa",
            "birth_date": "2010-07-07",
            "guardian_since": "2019-01-15",
        }
    ]


def test_person_new_format_code_and_derived(
    client: VissClient, requester: Requester
) -> None:
    liga = client.person(NO_DOGS, requester)
    assert liga["children"][0]["personal_code"] == "321111-00001"
    other = client.person("010101-10006", requester)
    assert other["birth_date"] == "1901-01-01"  # from the code itself
    assert other == client.person("010101-10006", requester)


def test_person_not_found_and_restricted(
    client: VissClient, requester: Requester
) -> None:
    with pytest.raises(NotFound):
        client.person(fixtures.MISSING_PERSON, requester)
    with pytest.raises(Rejected, match="ierobežotu"):
        client.person(fixtures.RESTRICTED_PERSON, requester)


def test_taxpayer_person_and_company(client: VissClient, requester: Requester) -> None:
    person = _plain(client.taxpayer(NO_DOGS, requester))
    assert person["kind"] == "person" and person["status"] == "registered"
    assert person["has_debt"] is True
    assert person["tax_debt"] == {
        "amount": "57.30",
        "currency": "EUR",
        "as_of": "2026-03-02",
    }
    company = client.taxpayer("40103550004", requester)
    assert company["kind"] == "company" and company["status"] == "excluded"
    assert company["tax_debt"]["amount"] == "1240.56"
    clean = client.taxpayer("40003521600", requester)
    assert clean["has_debt"] is False and clean["tax_debt"]["amount"] == "0.00"


def test_parcel_and_building(client: VissClient, requester: Requester) -> None:
    parcel = _plain(client.parcel("0100 012 0345", requester))  # groups are accepted
    assert parcel["cadastre_number"] == "01000120345"
    assert parcel["area_m2"] == "1250.00"
    assert parcel["use"]["code"] == "0601"
    _address(parcel["address"])
    assert parcel["buildings"] == ["01000120345001", "01000120345002"]
    house = _plain(client.building(parcel["buildings"][0], requester))
    assert house["parcel"] == "01000120345"
    assert (house["floors"], house["area_m2"], house["built_year"]) == (
        2,
        "186.40",
        1936,
    )
    shed = client.building("01000120345002", requester)
    assert shed["address"] is None and shed["built_year"] is None
    derived = client.building("12345678901002", requester)
    assert derived["parcel"] == "12345678901" and derived["floors"] >= 1


def test_parcel_and_building_not_found(
    client: VissClient, requester: Requester
) -> None:
    with pytest.raises(NotFound):
        client.parcel(fixtures.MISSING_PARCEL, requester)
    with pytest.raises(NotFound):
        client.building(fixtures.MISSING_PARCEL + "001", requester)


def test_address_search(client: VissClient, requester: Requester) -> None:
    found = _plain(client.addresses("brivibas iela 100", requester))
    assert [a["address_code"] for a in found] == ["101000001", "101000005"]
    assert found[0] == {
        "address_code": "101000001",
        "full_address": "Brīvības iela 100, Rīga, LV-1001",
        "atvk": "0001000",
    }
    adazi = client.addresses("Ādaži", requester, limit=1)
    assert adazi[0]["atvk"] == fixtures.ADAZI == "0023000"  # Ādažu novads
    assert client.addresses("Nekurienes iela 1", requester) == []


def test_dogs_keep_their_contract(client: VissClient, requester: Requester) -> None:
    dogs = _plain(client.dogs(OWNER, requester))
    assert dogs == [
        {
            "chip": "985112004412345",
            "name": "Reksis",
            "breed": "Vācu aitu suns",
            "born": "2019-04-12",
        },
        {
            "chip": "985112004412346",
            "name": "Muris",
            "breed": "Jaukteņa",
            "born": "2021-08-30",
        },
    ]
    assert client.dogs(NO_DOGS, requester) == []
    assert client.dogs("16117519997", requester) == dogs  # without the dash


def test_derived_dogs_match_the_replaced_simulator(
    client: VissClient, requester: Requester
) -> None:
    # An owner with derived dogs: the same every time, in the shape of the contract.
    owner = fixtures.personal_code_for(date(1960, 1, 1), 0)
    dogs = client.dogs(owner, requester)
    assert dogs == client.dogs(owner, requester)
    for dog in dogs:
        assert set(dog) == {"chip", "name", "breed", "born"}
        assert re.fullmatch(r"9851120\d{8}", dog["chip"]) and ISO_DATE.fullmatch(
            dog["born"]
        )


def test_preschools(client: VissClient, requester: Requester) -> None:
    everywhere = _plain(client.preschools(None, requester))
    assert len(everywhere) == 4
    saulite = next(p for p in everywhere if p["institution_code"] == "3701800002")
    assert [p["code"] for p in saulite["programmes"]] == ["01011111", "01015511"]
    _address(saulite["address"])
    riga = client.preschools("0001000", requester)
    assert {p["address"]["atvk"] for p in riga} == {"0001000"} and len(riga) == 3
    adazi = client.preschools("0023000", requester)
    assert [p["address"]["atvk"] for p in adazi] == ["0023000"]
    assert client.preschools("0056000", requester) == []  # Ventspils novads: none
    with pytest.raises(InvalidRequest, match="ATVK 2021 klasifikatorā"):
        client.preschools("0000001", requester)  # seven digits, not in the table
    with pytest.raises(InvalidRequest, match="jābūt 7 cipariem"):
        client.preschools("12345", requester)
    assert client.preschools("", requester) == everywhere


def test_child_enrolments(client: VissClient, requester: Requester) -> None:
    anna = _plain(client.child("150621-20019", requester))
    assert anna["enrolled"] is True
    assert anna["enrolments"] == [
        {
            "institution_code": "3701800001",
            "institution_name": 'Rīgas pirmsskolas izglītības iestāde "Zīļuks"',
            "programme_code": "01011111",
            "enrolled_on": "2022-09-01",
        }
    ]
    emils = client.child("321111-00001", requester)
    assert emils == {
        "personal_code": "321111-00001",
        "enrolled": False,
        "enrolments": [],
    }


def test_probation_client_status(client: VissClient, requester: Requester) -> None:
    status = _plain(client.client_status("280295-10069", requester))
    assert status["is_client"] is True
    assert status["supervision_type"]["code"] == "NN"
    assert status["until"] == "2027-05-31"
    assert client.client_status(OWNER, requester) == {
        "personal_code": OWNER,
        "is_client": False,
        "supervision_type": None,
        "until": None,
    }


def test_probation_data_only_for_sopa(client: VissClient, requester: Requester) -> None:
    with pytest.raises(Rejected, match="sociālajam"):
        client.client_status("280295-10069", requester, requesting_system="DVS")


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("company", "40003521601"),  # check digit
        ("company", "161175-19997"),  # a personal code is not a company
        ("person", "161175-19998"),
        ("person", "311375-19997"),  # no 13th month
        ("person", None),
        ("taxpayer", "12345"),
        ("parcel", "0100012034"),
        ("parcel", "0100O120345"),
        ("building", "01000120345"),
        ("addresses", "ab"),
        ("addresses", "x" * 201),
        ("dogs", "161175 19997"),
        ("dogs", 16117519997),
        ("preschools", "123"),
        ("preschools", "0000001"),  # seven digits, not in the ATVK classifier
        ("preschools", "0038000"),  # Madonas novads' former code (0038001 now)
        ("child", "150621-2001"),
        ("client_status", "abc"),
    ],
)
def test_keys_refused_before_calling(
    client: VissClient,
    requester: Requester,
    sim: VissSimulator,
    method: str,
    value: Any,
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        getattr(client, method)(value, requester)
    assert sim.received() == []
    if isinstance(value, str) and len(value) > 5:
        assert value not in str(caught.value)


def test_new_format_code_with_unusual_check_digit_is_asked(
    client: VissClient, requester: Requester
) -> None:
    # Codes starting 32 have no official check digit (DOMAIN.md): not refused.
    assert client.person("328673-00677", requester)["personal_code"] == "328673-00677"


def test_invalid_request_refused_by_the_registry(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    # Past the client's own checks (the private call), the registry refuses too.
    with pytest.raises(InvalidRequest, match="reģistrācijas numurs"):
        client._call("ur.company", "x", requester, registrationNumber="40003521601")
    with pytest.raises(InvalidRequest, match="shēmai"):
        client._call("ur.company", "x", requester, registrationNumber="ABC")
    with pytest.raises(InvalidRequest, match="ATVK 2021 klasifikatorā"):
        client._call("viis.preschools", "x", requester, atvk="0000001")
    with pytest.raises(InvalidRequest, match="tagad: 0038001"):  # Madonas novads
        client._call("viis.preschools", "x", requester, atvk="0038000")
    assert [r.outcome for r in sim.received()] == ["INVALID_REQUEST"] * 3


def test_request_header_reaches_the_registry(
    client: VissClient, requester: Requester, sim: VissSimulator
) -> None:
    client.person(OWNER, requester)
    (seen,) = sim.received()
    assert (seen.operation, seen.key) == ("pmlp.person", "161175-*****")
    assert (seen.institution, seen.municipality) == ("PKIP", "RIGA")
    assert re.fullmatch(r"[0-9a-f-]{36}", seen.request_id)
    assert seen.at == sim.clock()
