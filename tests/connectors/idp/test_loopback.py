# SPDX-License-Identifier: EUPL-1.2
"""The client against the simulator over a real socket, configured as a live
provider: discovery, the browser's pick, the code exchange — and a provider that
does not answer in time."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.config import SystemConfig
from connectors.errors import Unavailable
from connectors.simkit import serve
from connectors.systems.idp import IdpClient, IdpSimulator
from connectors.systems.idp.contract import SIMULATED_SECRET
from tests.connectors.idp.conftest import CALLBACK


def _live(url: str, timeout: float = 5.0) -> IdpClient:
    config = SystemConfig(
        system="IDP", mode="live", url=url, password=SIMULATED_SECRET, timeout=timeout
    )
    return IdpClient(config)


def test_a_sign_in_over_http(simulator: IdpSimulator) -> None:
    simulator.reset()
    with serve(simulator) as url:
        simulator.issuer = url
        client = _live(url)
        sign_in = client.start(CALLBACK)
        assert sign_in.url.startswith(f"{url}/authorize?")
        query = {k: v[0] for k, v in parse_qs(urlsplit(sign_in.url).query).items()}
        picked = requests.get(
            f"{url}/authorize",
            params={**query, "sub": "emp-specialists"},
            allow_redirects=False,
            timeout=5,
        )
        code = parse_qs(urlsplit(picked.headers["Location"]).query)["code"][0]
        claims = client.finish(code, CALLBACK, sign_in)
        assert claims["preferred_username"] == "specialists"
        assert claims["iss"] == url


def test_a_provider_that_does_not_answer_in_time_is_unavailable() -> None:
    slow = IdpSimulator(stall_seconds=2.0)
    with serve(slow) as url:
        slow.issuer = url
        client = _live(url, timeout=0.5)
        sign_in = client.start(CALLBACK)
        query = {k: v[0] for k, v in parse_qs(urlsplit(sign_in.url).query).items()}
        picked = requests.get(
            f"{url}/authorize",
            params={**query, "sub": "emp-lietvede"},
            allow_redirects=False,
            timeout=5,
        )
        code = parse_qs(urlsplit(picked.headers["Location"]).query)["code"][0]
        slow.inject("token", "timeout")
        with pytest.raises(Unavailable):
            client.finish(code, CALLBACK, sign_in)
        slow.faults.release()
