# SPDX-License-Identifier: EUPL-1.2
"""The case page's payments and the finance reconciliation view with its CSV."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from connectors.systems.payments import PaymentsClient
from connectors.systems.payments.simulator import default_simulator
from domain.accounts import services as accounts
from domain.accounts.models import FINANCE, SPECIALIST
from domain.models import Municipality
from engine.clock import ManualClock
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.domain.payments.support import fee_case_waiting_for_payment, payment_of
from tests.webapp.conftest import make_app

PASSWORD = "Parole-ilga-2026!"


@pytest.fixture
def app_client(committed: Platform, clock: ManualClock) -> Iterator[FlaskClient]:
    default_simulator().reset()
    real = default_simulator().clock
    default_simulator().clock = clock  # the module's day is PKIP's test day
    app = make_app(committed)
    with committed.transaction() as s:
        s.add(Municipality(code=MUNI, name="Rīga", atvk="0010000"))
        s.flush()
        accounts.ensure_department(s, MUNI, "finansists", "Finanšu nodaļa")
        s.flush()
        for username, roles in (("gita", (FINANCE,)), ("ilze", (SPECIALIST,))):
            accounts.create_user(
                s,
                username=username,
                full_name=username.title(),
                municipality=MUNI,
                password=PASSWORD,
                roles=roles,
                departments=("finansists",),
                email=f"{username}@example.lv",
            )
    yield app.test_client()
    default_simulator().notify = None
    default_simulator().clock = real


def _sign_in(client: FlaskClient, username: str) -> None:
    answer = client.submit(  # type: ignore[attr-defined]
        "/login", {"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]


def test_case_page_shows_the_payment_and_its_history(
    committed: Platform, app_client: FlaskClient
) -> None:
    case = fee_case_waiting_for_payment(committed)
    record = payment_of(committed, case.number)
    default_simulator().pay(record.module_payment_id)
    _sign_in(app_client, "ilze")
    page = app_client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Maksājumi" in page and "60,00 €" in page
    assert "Samaksāts" in page and "Maksājums pieprasīts" in page
    assert "161175-*****" in page and "161175-19997" not in page


def test_finance_sees_sums_and_mismatches_and_gets_a_csv(
    committed: Platform, app_client: FlaskClient
) -> None:
    paid = fee_case_waiting_for_payment(committed)
    waiting = fee_case_waiting_for_payment(committed)
    default_simulator().pay(payment_of(committed, paid.number).module_payment_id)
    # the module knows a payment PKIP never asked for: a mismatch
    with PaymentsClient.for_municipality(MUNI) as module:
        module.create_request(
            {
                "amount": "15.50",
                "purpose": "Cits maksājums",
                "payer_name": "Anna Ozola",
                "payer_code": "161175-19997",
                "reference": "ARPUS-PKIP-1",
                "return_url": "/",
            },
            "stray-1",
        )
    _sign_in(app_client, "ilze")
    assert app_client.get("/payments/").status_code == 403  # not finance
    finance = app_client.application.test_client()
    _sign_in(finance, "gita")
    app_client = finance
    today = "02.03.2026"  # tests.conftest.T0
    page = app_client.get(f"/payments/?from={today}&to={today}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert paid.number in text and waiting.number in text
    assert "60,00 €" in text and "120,00 €" in text  # one paid, one waiting; total
    assert "Maksājumu modulī ir maksājums, kura PKIP nav" in text
    assert "ARPUS-PKIP-1" in text and "15,50 €" in text

    csv = app_client.get(f"/payments/reconciliation.csv?from={today}&to={today}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert body.startswith("\ufeffLieta;Mērķis;Summa, EUR")
    assert f"{paid.number};" in body and ";60,00;" in body
    assert "ARPUS-PKIP-1;;15,50;" in body

    bad = app_client.get("/payments/?from=31.02.2026&to=01.03.2026")
    assert bad.status_code == 422
    assert "Ievadiet datumu formātā dd.mm.gggg." in bad.get_data(as_text=True)
    backwards = app_client.get("/payments/?from=02.03.2026&to=01.03.2026")
    assert backwards.status_code == 422
    assert "Perioda beigas ir pirms sākuma" in backwards.get_data(as_text=True)
