# SPDX-License-Identifier: EUPL-1.2
"""The universal workplace: navigation per role, placeholders, language, dates,
the platform admin's municipality switch, accessibility basics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask, url_for
from lxml import html as lxml_html

from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SERVICE_OWNER,
    SPECIALIST,
    SUPERVISOR,
    VPVKAC_CLERK,
)
from tests.conftest import OTHER_MUNI
from tests.webapp.conftest import WebClient
from webapp.i18n import lvdate, lvdatetime
from webapp.nav import APPS

LABELS = {
    "inbox.index": "Iesūtne",
    "cases.index": "Lietas",
    "start.index": "Uzsākt pakalpojumu",
    "intake.index": "Ienākošie",
    "intake.vpvkac": "VPVKAC",
    "dashboard.index": "Pārraudzība",
    "documents.print_queue": "Drukas rinda",
    "documents.templates": "Dokumentu veidnes",
    "modeler.index": "Modelētājs",
    "forms_editor.index": "Formas",
    "services.index": "Pakalpojumu iestatīšana",
    "admin.index": "Administrēšana",
    "catalogue.index": "Pakalpojumu katalogs",
    "street_trade.places": "Ielu tirdzniecības vietas",
}
ALLOWED = {
    # specialists sign in here in lietvedis (the registry): Ienākošie is theirs
    SPECIALIST: {
        "inbox.index",
        "cases.index",
        "start.index",
        "documents.print_queue",
        "intake.index",
    },
    SUPERVISOR: {
        "inbox.index",
        "cases.index",
        "start.index",
        "dashboard.index",
        "documents.print_queue",
        "intake.index",
        "catalogue.index",
        "services.index",
    },
    ANALYST: {
        "modeler.index",
        "documents.templates",
        "catalogue.index",
        "forms_editor.index",
        "services.index",
        "street_trade.places",
    },
    MUNICIPALITY_ADMIN: {
        "street_trade.places",
        "catalogue.index",
        "cases.index",
        "dashboard.index",
        "admin.index",
        "documents.templates",
        "intake.index",
    },
    PLATFORM_ADMIN: {
        "modeler.index",
        "admin.index",
        "forms_editor.index",
        "services.index",
    },
    VPVKAC_CLERK: {"intake.vpvkac"},
    SERVICE_OWNER: {"inbox.index", "catalogue.index"},
}
PATHS = {app.endpoint: app.path for app in APPS}


def _nav_labels(page: str) -> set[str]:
    tree = lxml_html.fromstring(page)
    return {a.text_content().strip() for a in tree.cssselect("nav.apps a")}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_navigation_shows_only_the_allowed_applications(
    role: str, as_role: Callable[..., WebClient], app: Flask
) -> None:
    client = as_role(role)
    profile = client.get("/profile")
    assert profile.status_code == 200
    assert _nav_labels(profile.get_data(as_text=True)) == {
        LABELS[e] for e in ALLOWED[role]
    }
    for endpoint, path in PATHS.items():
        with app.test_request_context():
            url = url_for(endpoint)
        page = client.get(url)
        if endpoint not in ALLOWED[role]:
            assert page.status_code == 403, url
            assert "Jums nav piekļuves šai lapai." in page.get_data(as_text=True)
        elif getattr(app.view_functions[endpoint], "_pkip_placeholder", False):
            assert page.status_code == 200, url
            assert url == path
            assert "Vēl nav pieejams." in page.get_data(as_text=True)
        else:  # a real view has replaced the placeholder
            assert page.status_code < 400, url


def test_user_with_several_roles_sees_the_union(
    make_user: Callable[..., object], login: Callable[..., WebClient]
) -> None:
    client = login(make_user(roles=(SPECIALIST, ANALYST)))
    labels = _nav_labels(client.get("/profile").get_data(as_text=True))
    assert labels == {LABELS[e] for e in ALLOWED[SPECIALIST] | ALLOWED[ANALYST]}


def test_the_current_application_is_marked(specialist: WebClient) -> None:
    page = specialist.get("/inbox/", follow_redirects=True).get_data(as_text=True)
    current = lxml_html.fromstring(page).cssselect('nav.apps a[aria-current="page"]')
    assert [a.text_content() for a in current] == ["Iesūtne"]
    profile = lxml_html.fromstring(specialist.get("/profile").get_data(as_text=True))
    assert not profile.cssselect('nav.apps a[aria-current="page"]')


def test_home_shows_the_name_municipality_and_logout(
    analyst: WebClient,
) -> None:
    # users without the inbox's roles keep the overview of their applications
    tree = lxml_html.fromstring(analyst.get("/").get_data(as_text=True))
    assert "Labdien" in tree.cssselect("h1")[0].text_content()
    assert [a.text_content() for a in tree.cssselect(".cards a")] == [
        "Dokumentu veidnes",
        "Pakalpojumu katalogs",
        "Modelētājs",
        "Formas",
        "Pakalpojumu iestatīšana",
        "Ielu tirdzniecības vietas",
    ]
    assert "Rīgas valstspilsēta" in tree.cssselect(".who")[0].text_content()
    assert tree.cssselect('form[action="/logout"] button')


def test_english_switch_for_a_signed_in_user_is_remembered(
    as_role: Callable[..., WebClient], login: Callable[..., WebClient], db_session
) -> None:  # type: ignore[no-untyped-def]
    client = as_role(SPECIALIST, username="janis")
    switched = client.submit("/language", {"lang": "en", "next": "/profile"})
    assert switched.headers["Location"] == "/profile"
    page = client.get("/profile").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert _nav_labels(page) == {
        "Inbox",
        "Cases",
        "Start a service",
        "Print queue",
        "Incoming",
    }
    assert "Notifications about new work" in page and "Sign out" in page
    again = login("janis")  # the next sign-in starts in English too
    assert '<html lang="en">' in again.get("/profile").get_data(as_text=True)
    client.submit("/language", {"lang": "lv"})
    assert '<html lang="lv">' in client.get("/profile").get_data(as_text=True)


def test_english_switch_on_the_login_page(client: WebClient) -> None:
    client.submit("/language", {"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Username" in page
    client.submit("/language", {"lang": "xx"})  # unknown: ignored
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_dates_are_dd_mm_yyyy_in_riga_time() -> None:
    late_evening_utc = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    assert lvdate(late_evening_utc) == "02.03.2026"
    assert lvdatetime(late_evening_utc) == "02.03.2026 00:30"
    assert lvdate(date(2026, 12, 24)) == "24.12.2026"
    assert lvdate(None) == "" and lvdatetime(None) == ""


def test_platform_admin_chooses_the_municipality(
    platform_admin: WebClient, specialist: WebClient
) -> None:
    page = platform_admin.get("/profile").get_data(as_text=True)
    assert '<label for="municipality-switch">Pašvaldība</label>' in page
    switched = platform_admin.submit(
        "/municipality", {"municipality": OTHER_MUNI, "next": "/profile"}
    )
    assert switched.headers["Location"] == "/profile"
    page = platform_admin.get("/profile").get_data(as_text=True)
    assert "Tagad strādājat pašvaldībā: Jelgavas pilsēta." in page
    who = lxml_html.fromstring(page).cssselect(".who")[0].text_content()
    assert "Jelgavas pilsēta" in who
    unknown = platform_admin.submit("/municipality", {"municipality": "NAV"})
    assert unknown.status_code == 302
    assert "Jelgavas pilsēta" in platform_admin.get("/profile").get_data(as_text=True)

    assert "municipality-switch" not in specialist.get("/profile").get_data(
        as_text=True
    )
    assert (
        specialist.submit("/municipality", {"municipality": OTHER_MUNI}).status_code
        == 403
    )


@pytest.mark.parametrize("path", ["/login", "/profile", "/"])
def test_every_input_has_a_label_and_pages_need_no_javascript(
    path: str, analyst: WebClient, client: WebClient
) -> None:
    who = client if path == "/login" else analyst
    page = who.get(path).get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert not tree.cssselect("script"), "the workplace shell works without JS"
    assert tree.cssselect("a.skip-link")[0].get("href") == "#main"
    labels = {label.get("for") for label in tree.cssselect("label")}
    for control in tree.cssselect("input, select, textarea"):
        if control.get("type") in ("hidden", "submit"):
            continue
        assert control.get("id") in labels, lxml_html.tostring(control)
    for button in tree.cssselect("button"):
        assert button.text_content().strip()


def test_unknown_pages_are_404_in_latvian(specialist: WebClient) -> None:
    page = specialist.get("/nav-tadas-lapas")
    assert page.status_code == 404
    assert "Tādas lapas vai ieraksta nav." in page.get_data(as_text=True)


def test_healthz_is_public(client: WebClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_static_files_are_public(client: WebClient) -> None:
    with client.get("/static/pkip.css") as css:
        assert css.status_code == 200 and b"--focus" in css.data


def test_favicon_is_served_to_everyone_and_named_by_every_page(
    client: WebClient, specialist: WebClient
) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    response.close()
    page = specialist.get("/cases/")
    links = lxml_html.fromstring(page.data).xpath("//head/link[@rel='icon']/@href")
    assert links and links[0].endswith("favicon.ico")
