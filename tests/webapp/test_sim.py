# SPDX-License-Identifier: EUPL-1.2
"""The simulators are mounted under /sim/ and show what PKIP sent them."""

from __future__ import annotations

from core.contracts import CallContext
from pkip.platform import Platform
from tests.conftest import MUNI
from webapp import create_app


def test_sim_index_lists_the_simulators_and_each_page_shows_calls(
    committed: Platform,
) -> None:
    client = create_app(platform=committed).test_client()
    index = client.get("/sim/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert '<html lang="lv">' in html and "/sim/viss/" in html
    committed.connectors.call(
        "ldc.dogs", {"owner_code": "161175-19997"}, CallContext(municipality=MUNI)
    )
    page = client.get("/sim/viss/").get_data(as_text=True)
    assert "161175-*****" in page and "161175-19997" not in page
    assert client.get("/sim/nav-tada/").status_code == 404
