# SPDX-License-Identifier: EUPL-1.2
"""The profile page: shows and edits name, e-mail, language and notifications."""

from __future__ import annotations

from collections.abc import Callable

from lxml import html as lxml_html

from domain.accounts.models import User
from tests.webapp.conftest import WebClient

VALID = {
    "full_name": "Anna Kalniņa",
    "email": "anna.kalnina@example.lv",
    "language": "lv",
    "notifications": "daily",
}


def test_profile_shows_the_account(
    make_user: Callable[..., User], login: Callable[..., WebClient]
) -> None:
    user = make_user("anna", full_name="Anna Bērziņa", roles=("supervisor",))
    page = login(user).get("/profile").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("#full_name")[0].get("value") == "Anna Bērziņa"
    assert tree.cssselect("#email")[0].get("value") == "anna@example.lv"
    assert tree.cssselect('input[name="language"][checked]')[0].get("value") == "lv"
    facts = tree.cssselect("dl.facts")[0].text_content()
    assert "vadītājs" in facts and "Vadība" in facts and "Rīgas valstspilsēta" in facts


def test_invalid_email_shows_a_latvian_field_error_and_keeps_typed_values(
    make_user: Callable[..., User], login: Callable[..., WebClient], db_session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("anna", full_name="Anna Bērziņa")
    client = login(user)
    typed = {**VALID, "email": "anna-pie-example.lv"}
    page = client.submit("/profile", typed)
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.get_data(as_text=True))
    error = tree.cssselect("#email-error")[0].text_content()
    assert "Ievadiet e-pasta adresi, piemēram, vards.uzvards@example.lv." in error
    email = tree.cssselect("#email")[0]
    assert email.get("value") == "anna-pie-example.lv"
    assert email.get("aria-invalid") == "true"
    assert email.get("aria-describedby") == "email-error"
    assert tree.cssselect("#full_name")[0].get("value") == "Anna Kalniņa"
    checked = tree.cssselect('input[name="notifications"][checked]')
    assert checked[0].get("value") == "daily"
    summary = tree.cssselect(".error-summary a")
    assert [a.get("href") for a in summary] == ["#email"]
    assert not tree.cssselect("#full_name-error")
    db_session.refresh(user)
    assert user.full_name == "Anna Bērziņa"


def test_missing_name_and_choice_errors(specialist: WebClient) -> None:
    page = specialist.submit(
        "/profile", {"full_name": "  ", "email": "a@b.lv", "language": "de"}
    ).get_data(as_text=True)
    assert "Ievadiet savu vārdu un uzvārdu." in page
    assert "Izvēlieties valodu." in page
    assert "Izvēlieties, kā saņemt paziņojumus." in page


def test_valid_profile_is_saved(
    make_user: Callable[..., User], login: Callable[..., WebClient], db_session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("anna")
    client = login(user)
    saved = client.submit("/profile", {**VALID, "language": "en"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/profile"
    page = client.get("/profile").get_data(as_text=True)
    assert "Your profile has been saved." in page and '<html lang="en">' in page
    db_session.refresh(user)
    assert (user.full_name, user.email, user.language, user.notifications) == (
        "Anna Kalniņa",
        "anna.kalnina@example.lv",
        "en",
        "daily",
    )
