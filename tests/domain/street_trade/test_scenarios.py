# SPDX-License-Identifier: EUPL-1.2
"""Street trade (PKIP-010) through the persistent engine, the outbox, the VISS,
payment and DEPP simulators: paid → permit PDF to the e-address; refused for tax
debt; a double booking refused at the application; unpaid → the place released."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from connectors.systems.payments.simulator import default_simulator
from connectors.systems.pspp.simulator import default_simulator as pspp_simulator
from domain import cases
from domain.catalogue.seed import seed_demo_cards
from domain.documents.models import Delivery, Document
from domain.models import Municipality
from domain.payments import PaymentRequest
from domain.street_trade import TradeBooking, TradeBookingDay
from domain.street_trade.seed import seed_demo_places
from engine.models import ProcessInstance, UserTask
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR, T0, drain_outbox
from tests.domain.documents.pdf import pdf_text
from webapp import create_app

COMPANY = cases.Client('SIA "Parauga Būvnieks"', "40003521600")  # active, no debt
IN_DEBT = cases.Client('AS "Ziemeļu Tehnika"', "40003000248")  # active, 74,13 debt


@pytest.fixture
def client(committed: Platform) -> Iterator[FlaskClient]:
    default_simulator().reset()
    pspp_simulator().reset()  # case numbers start again after each test's cleanup
    app = create_app(platform=committed)  # the payment simulator notifies this app
    yield app.test_client()
    default_simulator().notify = None


@dataclass
class Case:
    number: str
    instance_id: str


def _prepare(platform: Platform) -> None:
    platform.deploy([PROCESS_DIR])
    with platform.transaction() as s:
        if s.get(Municipality, MUNI) is None:
            s.add(Municipality(code=MUNI, name="Rīgas valstspilsētas pašvaldība"))
            s.flush()
        seed_demo_cards(s, MUNI, now=T0)
        seed_demo_places(s, MUNI, now=T0)


def _apply(
    platform: Platform,
    company: cases.Client,
    place: str = "RIGA-02",
    date_from: str = "2026-03-09",
    date_to: str = "2026-03-15",
) -> Case:
    with platform.transaction() as s:
        case = cases.start_case(
            platform.engine(s),
            s,
            "street_trade",
            municipality=MUNI,
            data={
                "company_reg_number": company.identifier,
                "place_code": place,
                "goods": "Ziedi un stādi no savas saimniecības",
                "date_from": date_from,
                "date_to": date_to,
            },
            actor="portal",
            client=company,
            channel=cases.E_SERVICE,
        )
        found = Case(case.number, case.instance_id)
    drain_outbox(platform)
    return found


def _decide(platform: Platform, case: Case, data: dict[str, Any]) -> None:
    with platform.transaction() as s:
        [task_id] = s.scalars(
            select(UserTask.id).where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
        ).all()
        platform.engine(s).complete_task(task_id, data, actor="specialiste")
    drain_outbox(platform)


def _instance(platform: Platform, case: Case) -> ProcessInstance:
    with platform.transaction() as s:
        found = s.get(ProcessInstance, case.instance_id)
        assert found is not None
        s.expunge(found)
        return found


def _booking(platform: Platform, case: Case) -> tuple[str | None, int]:
    with platform.transaction() as s:
        booking = s.scalars(
            select(TradeBooking).where(TradeBooking.case_number == case.number)
        ).first()
        if booking is None:
            return None, 0
        days = s.scalars(
            select(TradeBookingDay).where(TradeBookingDay.booking_id == booking.id)
        ).all()
        return booking.state, len(days)


def _documents(platform: Platform, case: Case) -> list[tuple[str, str]]:
    with platform.transaction() as s:
        return [
            (d.document_type, pdf_text(d.content))
            for d in s.scalars(
                select(Document)
                .where(Document.case_number == case.number)
                .order_by(Document.id)
            )
        ]


def _payment(platform: Platform, case: Case) -> PaymentRequest:
    with platform.transaction() as s:
        found = s.scalars(
            select(PaymentRequest).where(PaymentRequest.case_number == case.number)
        ).one()
        s.expunge(found)
        return found


def test_paid_case_issues_the_permit_to_the_e_address(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    case = _apply(committed, COMPANY)
    assert _booking(committed, case) == ("held", 7)
    waiting = _instance(committed, case)
    assert waiting.status == "running"

    _decide(committed, case, {"approved": True})
    assert _booking(committed, case) == ("granted", 7)
    record = _payment(committed, case)
    # centre place, 7 days: 2 rate units a day (street_trade_fee.dmn) × 5,00 EUR
    # from the card's price list in force on the application date
    assert record.amount_cents == 7000
    assert record.purpose == f"Ielu tirdzniecības nodeva, lieta {case.number}"

    assert default_simulator().pay(record.module_payment_id).delivered is True
    drain_outbox(committed)
    ended = _instance(committed, case)
    assert ended.status == "completed" and ended.end_event == "end_permit"
    assert _booking(committed, case) == ("paid", 7)
    [(kind, text)] = _documents(committed, case)
    assert kind == "permit"
    assert text == (
        "Rīgas valstspilsētas pašvaldība\n"
        "Reģ. Nr. RIGA-2026-D-00001\n"
        "02.03.2026\n"
        "ATĻAUJA IELU TIRDZNIECĪBAI\n"
        f"Lieta Nr. {case.number}.\n"
        'Atļaujas saņēmējs: SIA "Parauga Būvnieks", reģistrācijas Nr. 40003521600.\n'
        "Tirdzniecības vieta: RIGA-02, Līvu laukums, Rīga, LV-1050 (Vēsturiskais"
        " centrs).\n"
        "Atļautās preces: Ziedi un stādi no savas saimniecības.\n"
        "Tirdzniecības periods: no 09.03.2026 līdz 15.03.2026 (7 dienas).\n"
        "Pašvaldības nodeva: 70,00 EUR, samaksāta.\n"
        "Tirgotājam tirdzniecības vietā jāuzrāda šī atļauja, jāievēro sanitārās un"
        " ugunsdrošības\n"
        "prasības un pēc darba dienas beigām vieta jāatstāj tīra. Atļauju nedrīkst"
        " nodot citai\n"
        "personai.\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas,"
        " iesniedzot\n"
        "iesniegumu pašvaldības domē."
    )
    # sent to the company's e-address (DEPP simulator), not to the print queue
    with committed.transaction() as s:
        delivery = s.scalars(
            select(Delivery).join(Document).where(Document.case_number == case.number)
        ).one()
        assert delivery.channel == "e_address" and delivery.state == "sent"


def test_a_company_with_tax_debt_is_refused_with_a_letter(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    case = _apply(committed, IN_DEBT)
    ended = _instance(committed, case)
    assert ended.status == "completed" and ended.end_event == "end_refused"
    assert _booking(committed, case) == ("released", 0)  # the place is free again
    [(kind, text)] = _documents(committed, case)
    assert kind == "refusal"
    assert "ATTEIKUMS IZSNIEGT IELU TIRDZNIECĪBAS ATĻAUJU" in text
    assert (
        "Atteikuma pamatojums: Valsts ieņēmumu dienesta datos uzņēmumam ir nodokļu "
        "parāds 74,13 EUR; atļauju izsniedz tikai uzņēmumam bez nodokļu parāda."
    ) in " ".join(text.split())
    # the same place and period can now be booked by another company
    other = _apply(committed, COMPANY)
    assert _booking(committed, other) == ("held", 7)


def test_an_overlapping_application_is_refused_and_the_first_keeps_its_place(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    first = _apply(committed, COMPANY)
    second = _apply(committed, COMPANY, date_from="2026-03-12", date_to="2026-03-20")
    ended = _instance(committed, second)
    assert ended.status == "completed" and ended.end_event == "end_refused"
    assert _booking(committed, second) == (None, 0)
    [(kind, text)] = _documents(committed, second)
    assert kind == "refusal"
    assert (
        "Atteikuma pamatojums: Vieta RIGA-02 šajā periodā jau ir aizņemta "
        "(no 12.03.2026 līdz 15.03.2026); izvēlieties citu periodu vai vietu. Ja"
    ) in " ".join(text.split())
    assert _booking(committed, first) == ("held", 7)
    # another place for the same days is fine
    third = _apply(committed, COMPANY, place="RIGA-04")
    assert _booking(committed, third) == ("held", 7)


def test_refused_by_the_clerk_releases_the_place(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    case = _apply(committed, COMPANY)
    _decide(committed, case, {"approved": False, "comment": "Preces neatbilst vietai."})
    ended = _instance(committed, case)
    assert ended.end_event == "end_refused"
    assert _booking(committed, case) == ("released", 0)
    [(_, text)] = _documents(committed, case)
    assert "Atteikuma pamatojums: Preces neatbilst vietai." in " ".join(text.split())


def test_unpaid_fee_closes_the_case_and_releases_the_place(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    case = _apply(committed, COMPANY, place="RIGA-05")
    _decide(committed, case, {"approved": True})
    record = _payment(committed, case)
    assert record.amount_cents == 3500  # neighbourhood: one unit a day × 7
    default_simulator().cancel(record.module_payment_id)
    drain_outbox(committed)
    ended = _instance(committed, case)
    assert ended.status == "completed" and ended.end_event == "end_unpaid"
    assert _booking(committed, case) == ("released", 0)
    assert _documents(committed, case) == []
    again = _apply(committed, COMPANY, place="RIGA-05")
    assert _booking(committed, again) == ("held", 7)


def test_a_registry_that_does_not_answer_stops_with_an_incident_then_goes_on(
    committed: Platform, client: FlaskClient
) -> None:
    from connectors.systems.viss.simulator import default_simulator as viss
    from engine.models import Incident

    _prepare(committed)
    viss().faults.inject("vid.taxpayer", "http500", count=5)
    try:
        case = _apply(committed, COMPANY)
    finally:
        viss().faults.clear()
    # never a silent pass: the case waits at the VID step with an open incident
    with committed.transaction() as s:
        found = s.scalars(
            select(Incident).where(Incident.instance_id == case.instance_id)
        ).all()
        [incident] = found
        assert incident.status == Incident.OPEN
        assert incident.element_id == "check_tax_debt"
        assert not s.scalars(
            select(UserTask).where(UserTask.instance_id == case.instance_id)
        ).all()
        incident_id = incident.id
    assert _instance(committed, case).status != "completed"
    assert _booking(committed, case) == ("held", 7)  # the place stays held
    # the registry answers again: the administrator retries, the case goes on
    with committed.transaction() as s:
        committed.engine(s).retry_incident(incident_id, actor="admins")
    drain_outbox(committed)
    with committed.transaction() as s:
        assert s.scalars(
            select(UserTask.element_id).where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
        ).all() == ["decide"]


def test_someone_who_does_not_represent_the_company_is_refused(
    committed: Platform, client: FlaskClient
) -> None:
    _prepare(committed)
    # a person who is not an officer of SIA "Parauga Būvnieks" names it
    stranger = cases.Client("Pēteris Kalniņš", "020385-12343")
    with committed.transaction() as s:
        case = cases.start_case(
            committed.engine(s),
            s,
            "street_trade",
            municipality=MUNI,
            data={
                "company_reg_number": COMPANY.identifier,
                "place_code": "RIGA-01",
                "goods": "Keramika",
                "date_from": "2026-03-09",
                "date_to": "2026-03-10",
            },
            actor="portal",
            client=stranger,
            channel=cases.E_SERVICE,
        )
        found = Case(case.number, case.instance_id)
    drain_outbox(committed)
    assert _instance(committed, found).end_event == "end_refused"
    assert _booking(committed, found) == ("released", 0)
    [(_, text)] = _documents(committed, found)
    assert "nepārstāv uzņēmumu" in " ".join(text.split())
    # a board member of the company may apply for it
    officer = cases.Client("Līga Ozola", "328673-00679")
    with committed.transaction() as s:
        case = cases.start_case(
            committed.engine(s),
            s,
            "street_trade",
            municipality=MUNI,
            data={
                "company_reg_number": COMPANY.identifier,
                "place_code": "RIGA-01",
                "goods": "Keramika",
                "date_from": "2026-03-09",
                "date_to": "2026-03-10",
            },
            actor="lietvede",
            client=officer,
            channel=cases.E_SERVICE,
        )
        allowed = Case(case.number, case.instance_id)
    drain_outbox(committed)
    assert _booking(committed, allowed) == ("held", 2)
