# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from connectors.config import SystemConfig
from connectors.systems.idp import IdpClient, IdpSimulator, SignIn

CALLBACK = "https://pkip.example/login/municipality/callback"


@pytest.fixture(scope="module")
def simulator() -> IdpSimulator:
    return IdpSimulator()  # one RSA key per module: generating one takes a while


@pytest.fixture
def sim(simulator: IdpSimulator) -> IdpSimulator:
    simulator.reset()
    return simulator


@pytest.fixture
def client(sim: IdpSimulator) -> IdpClient:
    return IdpClient(SystemConfig(system="IDP"), sim)


def choose(sim: IdpSimulator, sign_in: SignIn, sub: str) -> str:
    """The browser on the provider's page: pick an employee; returns the code."""
    query = parse_qs(urlsplit(sign_in.url).query)
    form: dict[str, Any] = {k: v[0] for k, v in query.items()}
    form["sub"] = sub
    answer = Client(sim).post("/authorize", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == [sign_in.state]
    return back["code"][0]
