# SPDX-License-Identifier: EUPL-1.2
"""The municipality administrator connects the LDAP directory in the browser (a
real OpenLDAP, tests/ldap_server.py): a wrong address is refused by the field,
the right one saved, a group mapped to a role, "sync now" reports the people made;
a directory user then signs in with the directory's password."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from pkip.platform import Platform
from tests.e2e.conftest import shot
from tests.e2e.support import sign_in
from tests.ldap_server import PASSWORDS, RIGA

ADMIN = "admins"  # Andris Administrators, municipality_admin (demo)


def test_admin_connects_the_directory_and_its_user_signs_in(
    page: Any, live_server: str, committed: Platform, slapd: Any
) -> None:
    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="Katalogs (LDAP)").click()
    page.get_by_label("Kataloga adrese").fill("http://nav-ldap")
    page.get_by_label("Kur atrodas personas (bāzes DN)").fill(f"ou=people,{RIGA}")
    page.get_by_label("Kur atrodas grupas (bāzes DN)").fill(f"ou=groups,{RIGA}")
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt").click()
    expect(page.locator(".field-invalid")).to_contain_text("ldap://resursdators:ports")
    page.get_by_label("Kataloga adrese").fill(slapd.url)
    with page.expect_navigation():
        page.get_by_role("button", name="Saglabāt").click()
    expect(page.get_by_text("Kataloga iestatījumi saglabāti.")).to_be_visible()

    page.get_by_label("Kataloga grupa (DN)").fill(f"cn=specialisti,ou=groups,{RIGA}")
    page.get_by_label("Piešķir").select_option(label="Loma: speciālists")
    with page.expect_navigation():
        page.get_by_role("button", name="Sasaistīt grupu").click()
    expect(page.get_by_text("Grupa sasaistīta.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Sinhronizēt tagad").click()
    expect(page.get_by_text("Sinhronizēts: 4 izveidoti")).to_be_visible()
    expect(page.locator("dl")).to_contain_text("anna.liepa")
    shot(page, "directory-1-synced")
    with page.expect_navigation():
        page.get_by_role("button", name="Iziet").click()

    sign_in(page, live_server, "anna.liepa", PASSWORDS["anna.liepa"])
    expect(page.locator(".who")).to_contain_text("Anna Liepa")
