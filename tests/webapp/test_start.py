# SPDX-License-Identifier: EUPL-1.2
"""Starting a service case: the services a department may start, the start form
(errors in Latvian with the values kept), the new case with its unique number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts.models import User
from engine.models import ProcessInstance
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.casework import unlabelled_controls
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("deployed")

APPLICATION = {
    "client_name": "Anna Ozola",
    "client_identifier": "16117519997",
    "channel": "vpvkac",
}


def _services(page: str) -> list[str]:
    tree = lxml_html.fromstring(page)
    return [a.text_content() for a in tree.cssselect(".card h2 a")]


@pytest.fixture
def clerk(login: Callable[..., WebClient], make_user: Callable[..., User]) -> WebClient:
    return login(make_user("lietvede", departments=("lietvedis",)))


def test_only_the_departments_services_are_offered(
    clerk: WebClient, as_role: Callable[..., WebClient]
) -> None:
    assert _services(clerk.get("/start/").get_data(as_text=True)) == [
        "Koku ciršanas atļauja",
        "Pakalpojuma pieprasījums un rezultāta izsniegšana",  # the generic case
    ]  # not the VPVKAC hand-over: the one-stop centre's page starts it
    assert clerk.get("/start/dog_fee").status_code == 404  # a finance service
    assert clerk.get("/start/issue_decision").status_code == 404  # not a service
    finance = as_role("specialist", departments=("finansists",))
    assert _services(finance.get("/start/").get_data(as_text=True)) == [
        "Suņu turēšanas nodeva"
    ]
    boss = as_role("supervisor")
    assert sorted(_services(boss.get("/start/").get_data(as_text=True))) == [
        "Ielu tirdzniecība pašvaldības pastāvīgajās vietās",
        "Koku ciršanas atļauja",
        "Pakalpojuma pieprasījums un rezultāta izsniegšana",
        "Suņu turēšanas nodeva",
    ]
    assert as_role("analyst").get("/start/").status_code == 403


def test_invalid_start_form_keeps_the_values(clerk: WebClient) -> None:
    page = clerk.get("/start/tree_felling").get_data(as_text=True)
    assert unlabelled_controls(page) == []
    answer = clerk.submit(
        "/start/tree_felling",
        {
            "client_name": "Anna Ozola",
            "client_identifier": "161175-19998",
            "channel": "fax",
        },
    )
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Ievadiet derīgu personas kodu vai reģistrācijas numuru" in page
    assert "Izvēlieties saņemšanas veidu" in page
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("#client_name")[0].get("value") == "Anna Ozola"
    assert tree.cssselect("#client_identifier")[0].get("value") == "161175-19998"
    assert tree.cssselect("#client_identifier")[0].get("aria-invalid") == "true"
    assert tree.cssselect(".error-summary")


def test_start_creates_a_case_and_opens_it(
    clerk: WebClient, db_session: Session, platform: Platform
) -> None:
    answer = clerk.submit("/start/tree_felling", APPLICATION)
    assert answer.status_code == 302
    assert answer.location.endswith(f"/cases/{MUNI}-2026-000001")
    page = clerk.get(answer.location).get_data(as_text=True)
    assert f"Lieta {MUNI}-2026-000001 ir reģistrēta." in page
    assert "Reģistrēt iesniegumu" in page  # the first task
    case = db_session.scalars(select(cases.ServiceCase)).one()
    assert (case.client_name, case.client_identifier(platform.pii), case.channel) == (
        "Anna Ozola",
        "161175-19997",
        "vpvkac",
    )
    assert (case.service_code, case.created_by) == ("PKIP-011", "lietvede")
    instance = db_session.get(ProcessInstance, case.instance_id)
    assert instance is not None and instance.business_key == case.number

    second = clerk.submit("/start/tree_felling", APPLICATION)
    assert second.location.endswith(f"/cases/{MUNI}-2026-000002")
    inbox = clerk.get("/inbox/").get_data(as_text=True)
    assert f"{MUNI}-2026-000001" in inbox and f"{MUNI}-2026-000002" in inbox


def test_each_municipality_counts_its_own_numbers(
    clerk: WebClient, login: Callable[..., WebClient], make_user: Callable[..., Any]
) -> None:
    clerk.submit("/start/tree_felling", APPLICATION)
    jelgava = login(make_user(municipality=OTHER_MUNI, departments=("lietvedis",)))
    answer = jelgava.submit("/start/tree_felling", APPLICATION)
    assert answer.location.endswith(f"/cases/{OTHER_MUNI}-2026-000001")
    assert clerk.get(answer.location).status_code == 404
