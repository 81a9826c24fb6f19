# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from pkip.platform import Platform
from tests.conftest import PROCESS_DIR
from webapp import create_app


def test_status_page_lists_deployed_processes_in_latvian(committed: Platform) -> None:
    committed.seed_demo()
    committed.deploy([PROCESS_DIR])
    client = create_app(platform=committed).test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="lv">' in html
    assert "Suņu turēšanas nodeva" in html and "Koku ciršanas atļauja" in html
    assert "Demo pašvaldība" in html
    assert client.get("/healthz").get_json() == {"status": "ok"}
