# SPDX-License-Identifier: EUPL-1.2
"""Staff sign in to PKIP through their municipality's own OpenID Connect provider
(simulated: /sim/idp/), matched by e-mail to a PKIP user of that municipality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from domain.accounts.models import User
from tests.conftest import MUNI, OTHER_MUNI
from tests.webapp.conftest import WebClient

DEMO = "demo.pkip.example"


def _through_provider(client: WebClient, sub: str, next_page: str = "") -> Any:
    """The sign-in page's button, the municipality, the provider's page, back."""
    chooser = client.get("/login/municipality", query_string={"next": next_page})
    assert chooser.status_code == 200
    assert "Ienākt ar pašvaldības kontu" in chooser.get_data(as_text=True)
    start = client.get(f"/login/municipality/{MUNI}", query_string={"next": next_page})
    assert start.status_code == 302
    to_provider = start.headers["Location"]
    assert to_provider.startswith("http://localhost/sim/idp/authorize?")
    page = client.get(to_provider)
    assert "Izvēlieties testa darbinieku" in page.get_data(as_text=True)
    form = {k: v[0] for k, v in parse_qs(urlsplit(to_provider).query).items()}
    back = client.post("/sim/idp/authorize", data={**form, "sub": sub})
    assert back.status_code == 302
    return client.get(back.headers["Location"])


def test_the_sign_in_page_offers_the_municipality_account(client: WebClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Ienākt ar pašvaldības kontu" in page
    assert "/login/municipality" in page


def test_a_known_employee_is_signed_in_as_the_pkip_user_with_that_email(
    client: WebClient, make_user: Callable[..., User]
) -> None:
    make_user("liga", email=f"LIETVEDE@{DEMO}", full_name="Līga Lietvede")
    done = _through_provider(client, "emp-lietvede", next_page="/profile")
    assert done.status_code == 302 and done.headers["Location"] == "/profile"
    profile = client.get("/profile").get_data(as_text=True)
    assert "Līga Lietvede" in profile


def test_an_employee_pkip_does_not_know_is_refused_in_latvian(
    client: WebClient, make_user: Callable[..., User]
) -> None:
    done = _through_provider(client, "emp-nezinamais")
    assert done.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "nav piesaistīts nevienam šīs pašvaldības PKIP lietotājam" in page
    assert client.get("/profile").status_code == 302


def test_the_same_email_in_another_municipality_signs_nobody_in(
    client: WebClient, make_user: Callable[..., User]
) -> None:
    make_user("citur", email=f"vaditaja@{DEMO}", municipality=OTHER_MUNI)
    _through_provider(client, "emp-vaditaja")
    assert client.get("/profile").status_code == 302


def test_a_closed_pkip_account_is_refused(
    client: WebClient, make_user: Callable[..., User], db_session: Any
) -> None:
    user = make_user("aizgajis", email=f"admins@{DEMO}")
    user.active = False
    db_session.flush()
    _through_provider(client, "emp-admins")
    page = client.get("/login").get_data(as_text=True)
    assert "Jūsu PKIP konts ir slēgts" in page
    assert client.get("/profile").status_code == 302


def test_a_callback_without_the_sign_in_it_answers_is_refused(
    client: WebClient,
) -> None:
    answer = client.get(
        "/login/municipality/callback", query_string={"code": "x", "state": "y"}
    )
    assert answer.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "novecojusi" in page


@pytest.mark.parametrize("code", ["NOWHERE", "../admin"])
def test_an_unknown_municipality_is_refused(client: WebClient, code: str) -> None:
    answer = client.get(f"/login/municipality/{code}")
    assert answer.status_code in (302, 404)
