# SPDX-License-Identifier: EUPL-1.2
"""connectors.config.http_session: what a live system's session takes from the
settings and, once, from the environment."""

from __future__ import annotations

import pytest

from connectors.config import LIVE, SystemConfig, http_session


def _live(**kw: str) -> SystemConfig:
    return SystemConfig("DEPP", mode=LIVE, url="https://depp.example.lv/ws", **kw)


def test_the_environment_is_read_once_at_creation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.pasvaldiba.lv:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/pkip/ca.pem")
    session = http_session(_live(), simulator=lambda *a: [])
    assert session.trust_env is False  # no scan of the environment per call
    assert session.proxies["https"] == "http://proxy.pasvaldiba.lv:3128"
    assert session.verify == "/etc/pkip/ca.pem"


def test_no_proxy_and_configured_certificates_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.pasvaldiba.lv:3128")
    monkeypatch.setenv("NO_PROXY", ".example.lv")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/pkip/ca.pem")
    session = http_session(
        _live(
            client_cert="/etc/pkip/c.pem",
            client_key="/etc/pkip/k.pem",
            ca_bundle="/etc/pkip/valsts-ca.pem",
        ),
        simulator=lambda *a: [],
    )
    assert not session.proxies.get("https")
    assert session.verify == "/etc/pkip/valsts-ca.pem"
    assert session.cert == ("/etc/pkip/c.pem", "/etc/pkip/k.pem")
