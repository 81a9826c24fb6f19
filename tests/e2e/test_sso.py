# SPDX-License-Identifier: EUPL-1.2
"""Single sign-on in a real browser: a clerk opens the municipality's second
system, signs in through PKIP's Latvian sign-in page, and signing out of PKIP
signs her out of that system too (back-channel logout through the outbox)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from playwright.sync_api import expect

from connectors.simkit import serve
from core.db import utcnow
from domain.accounts.services import DEMO_PASSWORD
from domain.oidc import services
from pkip.platform import Platform
from tests.conftest import drain_outbox
from tests.e2e.conftest import shot
from tests.e2e.support import CLERK, demo_municipality
from tests.webapp.oidc_rp import make_rp_app


class _Later:
    """A WSGI app served before it exists (its address goes into its own
    registration)."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@contextmanager
def second_system(live_server: str, committed: Platform) -> Iterator[str]:
    """The municipality's document system on a socket of its own, registered with
    PKIP; yields its address."""
    later = _Later()
    with serve(later) as rp_url:
        with committed.transaction() as db:
            client, secret = services.register_client(
                db,
                services.Registration(
                    name="Dokumentu vadības sistēma",
                    municipality=demo_municipality(committed),
                    redirect_uris=[f"{rp_url}/callback"],
                    post_logout_redirect_uris=[f"{rp_url}/signed-out"],
                    backchannel_logout_uri=f"{rp_url}/backchannel-logout",
                ),
                created_by="platforma",
                now=utcnow(),
                allow_http=True,
            )
            client_id = client.client_id
        later.app = make_rp_app(
            issuer=live_server,
            client_id=client_id,
            client_secret=secret,
            base=rp_url,
            http=requests.Session,
        )
        yield rp_url


def test_a_clerk_signs_in_to_a_second_system_through_pkip_and_out_everywhere(
    page: Any, live_server: str, committed: Platform
) -> None:
    with second_system(live_server, committed) as rp_url:
        page.goto(f"{rp_url}/login")  # → PKIP's sign-in page
        expect(page.get_by_role("heading", name="Pieteikties")).to_be_visible()
        page.get_by_label("Lietotājvārds").fill(CLERK)
        page.get_by_label("Parole").fill(DEMO_PASSWORD)
        with page.expect_navigation(url=f"{rp_url}/"):
            page.get_by_role("button", name="Pieteikties").click()
        expect(page.locator("#who")).to_have_text("Sveiki, Līga Lietvede (DEMO)")
        shot(page, "sso-1-second-system")

        page.goto(f"{live_server}/")
        with page.expect_navigation():
            page.locator("form[action='/logout'] button").click()
        expect(page.get_by_text("Jūs esat izgājis")).to_be_visible()
        assert drain_outbox(committed) == 1  # the back-channel logout

        page.goto(f"{rp_url}/")
        expect(page.get_by_text("Nav pieteicies")).to_be_visible()
        shot(page, "sso-2-signed-out-everywhere")


def test_a_clerk_signs_in_with_the_municipality_account_on_the_way(
    page: Any, live_server: str, committed: Platform
) -> None:
    """The municipality's own provider (simulated) signs her in to PKIP, and PKIP
    signs her in to the second system: one sign-in, three systems."""
    with second_system(live_server, committed) as rp_url:
        page.goto(f"{rp_url}/login")
        page.get_by_role("link", name="Ienākt ar pašvaldības kontu").click()
        expect(page.get_by_text("Izvēlieties testa darbinieku")).to_be_visible()
        shot(page, "sso-3-municipal-provider")
        with page.expect_navigation(url=f"{rp_url}/"):
            page.get_by_role("link", name="Ienākt kā Līga Lietvede").click()
        expect(page.locator("#who")).to_have_text("Sveiki, Līga Lietvede (DEMO)")
        page.goto(f"{live_server}/profile")
        expect(page.get_by_text("Līga Lietvede").first).to_be_visible()
