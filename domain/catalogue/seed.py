# SPDX-License-Identifier: EUPL-1.2
"""The demo municipality's catalogue: the cards of PKIP's e-services, published.

Idempotent: a card the municipality already has is left as it is. Never called in
production (``Platform.seed_demo``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from domain.catalogue.models import (
    CALENDAR,
    PUBLISHED,
    WORKING,
    CardVersion,
    ServiceCard,
)
from domain.catalogue.schemas import CardContent, PriceInput
from domain.catalogue.services import _event, _fill, find_card

SEEDED_BY = "setup"
FROM = date(2026, 1, 1)

DEMO_CARDS = (
    CardContent(
        code="PKIP-004",
        name_lv="Iesnieguma izskatīšana",
        name_en="Handling an application",
        description_lv=(
            "Pašvaldība izskata iedzīvotāja vai uzņēmuma iesniegumu, kam nav sava "
            "e-pakalpojuma: to reģistrē, vajadzības gadījumā lūdz trūkstošās ziņas, "
            "pieņem lēmumu un nosūta to uz e-adresi vai izsniedz papīra formā."
        ),
        description_en=(
            "The municipality handles an application from a resident or a company "
            "that has no e-service of its own: it registers it, asks for what is "
            "missing, decides and sends the decision to the e-address or on paper."
        ),
        legal_basis=[
            {"title": "Iesniegumu likums"},
            {"title": "Administratīvā procesa likums"},
            {"title": "Paziņošanas likums"},
        ],
        applicants=["person", "company"],
        channels=["online", "in_person", "vpvkac", "e_address"],
        deadline_days=20,
        deadline_kind=WORKING,
        department="lietvedis",
        documents=[{"name": "Iesniegums", "mandatory": True}],
        result_lv="Lēmums vai atbilde uz iesniegumu.",
        result_en="A decision or an answer to the application.",
        process_key="service_case",
        procedure=(
            "## Izskatīšana\n\n"
            "1. Pārbaudi, vai iesniegumā ir visas vajadzīgās ziņas; ja nav, "
            "lūdz tās klientam un nosaki termiņu darba dienās.\n"
            "2. Speciālists sagatavo lēmuma projektu.\n"
            "3. Vadītājs lēmumu pieņem, atsaka vai atdod pārstrādāt.\n"
            "4. Lēmumu nosūta uz e-adresi; ja klientam tās nav — drukā un "
            "izsniedz vai nosūta pa pastu."
        ),
        prices=[
            PriceInput(
                name_lv="Iesnieguma izskatīšana",
                name_en="Handling an application",
                amount="0,00",
                unit="par iesniegumu",
                valid_from=FROM,
            ),
        ],
    ),
    CardContent(
        code="PKIP-011",
        name_lv="Koku ciršanas atļauja ārpus meža zemes",
        name_en="Permit to fell trees outside forest land",
        description_lv=(
            "Atļauja nocirst kokus, kas aug ārpus meža zemes (pilsētas teritorijā, "
            "pagalmos, ielu malās), ja to stumbra caurmērs 1,3 m augstumā pārsniedz "
            "noteikumos noteikto. Pašvaldība apseko kokus dabā un izlemj, vai "
            "ciršanu atļaut; par vērtīgu koku nociršanu maksā zaudējumu kompensāciju."
        ),
        description_en=(
            "A permit to fell trees growing outside forest land (in town, in yards, "
            "along streets) whose trunk is thicker at 1.3 m than the rules allow "
            "without one. The municipality inspects the trees and decides; felling "
            "valuable trees requires compensation for the loss."
        ),
        legal_basis=[
            {
                "title": "Ministru kabineta 2012. gada 2. maija noteikumi Nr. 309 "
                '"Noteikumi par koku ciršanu ārpus meža"'
            },
            {"title": "Administratīvā procesa likums"},
            {"title": "Pašvaldības saistošie noteikumi par koku ciršanu ārpus meža"},
        ],
        applicants=["person", "company"],
        channels=["online", "in_person", "vpvkac", "e_address"],
        deadline_days=30,
        deadline_kind=CALENDAR,
        department="specialists",
        documents=[
            {"name": "Iesniegums koku ciršanai", "mandatory": True},
            {
                "name": "Zemes īpašnieka piekrišana (ja iesniedz nomnieks)",
                "mandatory": False,
            },
            {"name": "Koku atrašanās vietas shēma", "mandatory": True},
        ],
        result_lv=(
            "Koku ciršanas atļauja vai motivēts atteikums (administratīvais akts)."
        ),
        result_en="A felling permit or a reasoned refusal (an administrative act).",
        process_key="tree_felling",
        procedure=(
            "## Izskatīšana\n\n"
            "1. Reģistrē iesniegumu un pārbaudi, vai pievienota vietas shēma.\n"
            "2. Apseko kokus 10 dienu laikā; fiksē sugu, caurmēru un stāvokli.\n"
            "3. Aprēķini zaudējumu kompensāciju pēc cenrāža.\n"
            "4. Sagatavo lēmumu un nodod vadītājam parakstīšanai."
        ),
        prices=[
            PriceInput(
                name_lv="Koku ciršanas atļaujas izsniegšana",
                name_en="Issuing a felling permit",
                amount="0,00",
                unit="par atļauju",
                valid_from=FROM,
            ),
            PriceInput(
                name_lv="Zaudējumu kompensācija par viena koka nociršanu",
                name_en="Compensation for felling one tree",
                amount="85,00",
                unit="par koku",
                valid_from=FROM,
            ),
        ],
    ),
    CardContent(
        code="PKIP-010",
        name_lv="Ielu tirdzniecība pašvaldības pastāvīgajās tirdzniecības vietās",
        name_en="Street trade at the municipality's permanent trade places",
        description_lv=(
            "Atļauja uzņēmumam tirgoties pašvaldības noteiktā pastāvīgā ielu "
            "tirdzniecības vietā izvēlētajā periodā. Uzņēmumam jābūt aktīvam "
            "Uzņēmumu reģistrā un bez nodokļu parāda; vieta periodā nedrīkst būt "
            "aizņemta. Pēc nodevas samaksas atļauju nosūta uz e-adresi."
        ),
        description_en=(
            "A permit for a company to trade at one of the municipality's permanent "
            "street trade places for a chosen period. The company must be active in "
            "the Register of Enterprises with no tax debt, and the place free for "
            "the period. After the fee is paid the permit is sent to the e-address."
        ),
        legal_basis=[
            {
                "title": "Ministru kabineta 2021. gada 12. janvāra noteikumi Nr. 20 "
                '"Noteikumi par tirdzniecības veidiem, kas saskaņojami ar '
                'pašvaldību, un kārtību, kādā saņemama pašvaldības atļauja"'
            },
            {"title": 'Likums "Par nodokļiem un nodevām", 12. pants'},
            {"title": "Pašvaldības saistošie noteikumi par ielu tirdzniecību"},
        ],
        applicants=["company"],
        channels=["online", "in_person"],
        deadline_days=10,
        deadline_kind=WORKING,
        department="specialists",
        documents=[{"name": "Iesniegums", "mandatory": True}],
        result_lv="Ielu tirdzniecības atļauja (PDF) uz uzņēmuma e-adresi.",
        result_en="A street trade permit (PDF) sent to the company's e-address.",
        process_key="street_trade",
        procedure=(
            "## Izskatīšana\n\n"
            "1. Pārbaudi preces un vietas atļauto preču veidu.\n"
            "2. UR un VID pārbaudes veic sistēma.\n"
            "3. Atļauj vai atsaki ar pamatojumu."
        ),
        prices=[
            PriceInput(
                name_lv="Ielu tirdzniecības nodeva, viena likmes vienība",
                name_en="Street trade fee, one rate unit",
                amount="5,00",
                unit="dienā (centrā — 2 vienības dienā)",
                valid_from=FROM,
            ),
        ],
    ),
    CardContent(
        code="PKIP-012",
        name_lv="Suņu turēšanas nodeva",
        name_en="Dog-keeping fee",
        description_lv=(
            "Pašvaldības nodeva par suņa turēšanu pašvaldības teritorijā. Nodevu "
            "aprēķina pēc Lauksaimniecības datu centra dzīvnieku reģistra datiem par "
            "īpašnieka reģistrētajiem suņiem; pensionāriem un personām ar "
            "invaliditāti ir atvieglojumi. Nodevu var samaksāt tiešsaistē."
        ),
        description_en=(
            "The municipal fee for keeping a dog in the municipality. It is computed "
            "from the dogs registered to the owner in the Agricultural Data Centre's "
            "animal registry; pensioners and persons with a disability pay less. "
            "The fee can be paid online."
        ),
        legal_basis=[
            {"title": 'Likums "Par nodokļiem un nodevām", 12. pants'},
            {
                "title": "Ministru kabineta 2012. gada 28. jūnija noteikumi Nr. 480 "
                '"Noteikumi par kārtību, kādā pašvaldības var uzlikt pašvaldību '
                'nodevas"'
            },
            {"title": "Pašvaldības saistošie noteikumi par suņu turēšanas nodevu"},
        ],
        applicants=["person"],
        channels=["online", "in_person", "vpvkac"],
        deadline_days=10,
        deadline_kind=WORKING,
        department="finansists",
        documents=[
            {"name": "Iesniegums", "mandatory": True},
            {
                "name": "Invaliditātes apliecības kopija (atvieglojumam)",
                "mandatory": False,
            },
        ],
        result_lv=(
            "Nodevas aprēķins un maksājuma rekvizīti; pēc samaksas — apstiprinājums."
        ),
        result_en="The fee and payment details; after payment, a confirmation.",
        process_key="dog_fee",
        procedure=(
            "## Izskatīšana\n\n"
            "1. Pārbaudi LDC reģistra datus par īpašnieka suņiem.\n"
            "2. Pārbaudi atvieglojuma pamatu (pensionārs, invaliditāte).\n"
            "3. Apstiprini aprēķināto nodevu vai noraidi ar komentāru."
        ),
        prices=[
            PriceInput(
                name_lv="Nodeva par viena suņa turēšanu",
                name_en="Fee for keeping one dog",
                amount="30,00",
                unit="gadā par suni",
                valid_from=FROM,
            ),
            PriceInput(
                name_lv="Pensionāram — pirmais suns",
                name_en="Pensioner — the first dog",
                amount="0,00",
                unit="gadā",
                valid_from=FROM,
            ),
            PriceInput(
                name_lv="Personai ar invaliditāti",
                name_en="Person with a disability",
                amount="0,00",
                unit="gadā",
                valid_from=FROM,
            ),
        ],
    ),
)


def seed_demo_cards(
    session: Session, municipality: str, *, now: datetime
) -> list[ServiceCard]:
    """The demo cards as published version 1 (existing cards are left alone)."""
    made = []
    for content in DEMO_CARDS:
        if find_card(session, municipality, content.code) is not None:
            continue
        card = ServiceCard(
            municipality=municipality,
            code=content.code,
            created_by=SEEDED_BY,
            created_at=now,
        )
        version = CardVersion(
            municipality=municipality,
            number=1,
            state=PUBLISHED,
            created_by=SEEDED_BY,
            created_at=now,
            updated_at=now,
            submitted_at=now,
            approved_at=now,
            approved_by=SEEDED_BY,
            published_at=now,
        )
        _fill(version, content)
        card.versions.append(version)
        session.add(card)
        session.flush()
        for kind in ("created", "approved", "published"):
            _event(session, card, version, kind, actor=SEEDED_BY, at=now)
        made.append(card)
    session.flush()
    return made
