# SPDX-License-Identifier: EUPL-1.2
"""PKIP's relying-party client against the simulated municipal provider: the code
flow with PKCE, the ID token's checks, and the provider's refusals and faults."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from connectors.config import ConnectorConfigError, SystemConfig
from connectors.errors import Rejected, Unavailable
from connectors.systems.idp import IdpClient, IdpSimulator
from connectors.systems.idp.contract import credentials, match_claim
from tests.connectors.idp.conftest import CALLBACK, choose


def test_a_picked_employee_comes_back_as_checked_claims(
    client: IdpClient, sim: IdpSimulator
) -> None:
    sign_in = client.start(CALLBACK)
    query = parse_qs(urlsplit(sign_in.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] == [sign_in.nonce]
    assert sign_in.url.startswith("http://idp.sim.pkip/authorize?")
    code = choose(sim, sign_in, "emp-lietvede")
    claims = client.finish(code, CALLBACK, sign_in)
    assert claims["email"] == "lietvede@demo.pkip.example"
    assert claims["name"] == "Līga Lietvede"
    assert claims["aud"] == "pkip"
    assert sim.sign_ins[-1]["employee"] == "Līga Lietvede"


def test_the_browser_goes_to_the_simulator_mounted_in_pkip(client: IdpClient) -> None:
    sign_in = client.start(CALLBACK, browser_base="http://localhost/sim/idp")
    assert sign_in.url.startswith("http://localhost/sim/idp/authorize?")


def test_the_page_lists_the_employees_in_latvian(
    sim: IdpSimulator, client: IdpClient
) -> None:
    sign_in = client.start(CALLBACK)
    page = Client(sim).get(sign_in.url.removeprefix("http://idp.sim.pkip"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Izvēlieties testa darbinieku" in text and "Kārlis Nezināmais" in text


def test_a_code_is_used_once_and_needs_its_pkce_verifier(
    client: IdpClient, sim: IdpSimulator
) -> None:
    sign_in = client.start(CALLBACK)
    code = choose(sim, sign_in, "emp-vaditaja")
    stolen = type(sign_in)(sign_in.url, sign_in.state, sign_in.nonce, "x" * 48)
    with pytest.raises(Rejected):
        client.finish(code, CALLBACK, stolen)
    with pytest.raises(Rejected):  # the failed attempt spent it
        client.finish(code, CALLBACK, sign_in)


def test_an_id_token_for_another_sign_in_is_refused(
    client: IdpClient, sim: IdpSimulator
) -> None:
    sign_in = client.start(CALLBACK)
    code = choose(sim, sign_in, "emp-admins")
    replayed = type(sign_in)(sign_in.url, sign_in.state, "other", sign_in.code_verifier)
    with pytest.raises(Rejected, match="nonce"):
        client.finish(code, CALLBACK, replayed)


def test_an_unknown_redirect_address_is_refused_by_the_provider(
    sim: IdpSimulator, client: IdpClient
) -> None:
    sign_in = client.start("https://evil.example/steal")
    page = Client(sim).get(sign_in.url.removeprefix("http://idp.sim.pkip"))
    assert page.status_code == 400
    assert "atgriešanās adrese" in page.get_data(as_text=True)


def test_a_wrong_client_secret_is_refused(sim: IdpSimulator) -> None:
    intruder = IdpClient(SystemConfig(system="IDP"), sim)
    intruder._secret = "guessed"
    sign_in = intruder.start(CALLBACK)
    code = choose(sim, sign_in, "emp-lietvede")
    with pytest.raises(Rejected):
        intruder.finish(code, CALLBACK, sign_in)


@pytest.mark.parametrize("fault", ["http500", "malformed"])
def test_faults_of_the_token_endpoint_become_connector_errors(
    client: IdpClient, sim: IdpSimulator, fault: str
) -> None:
    sign_in = client.start(CALLBACK)
    code = choose(sim, sign_in, "emp-lietvede")
    sim.inject("token", fault)
    with pytest.raises((Rejected, Unavailable)):
        client.finish(code, CALLBACK, sign_in)


def test_settings_live_needs_the_secret_and_a_known_claim() -> None:
    live = SystemConfig(system="IDP", mode="live", url="https://id.riga.lv")
    with pytest.raises(ConnectorConfigError, match="PKIP_IDP_PASSWORD"):
        credentials(live)
    assert match_claim("RIGA", {}) == "email"
    assert (
        match_claim("RIGA", {"PKIP_IDP__RIGA_MATCH_CLAIM": "preferred_username"})
        == "preferred_username"
    )
    with pytest.raises(ConnectorConfigError):
        match_claim("RIGA", {"PKIP_IDP_MATCH_CLAIM": "personas_kods"})
