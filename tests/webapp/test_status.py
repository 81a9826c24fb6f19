# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from tests.webapp.conftest import WebClient


def test_status_page_for_platform_admins(
    platform_admin: WebClient, deployed: dict[str, int]
) -> None:
    page = platform_admin.get("/admin/status")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="lv">' in html and "Platformas stāvoklis" in html
    assert "Suņu turēšanas nodeva" in html and "Koku ciršanas atļauja" in html
    assert "Rīgas valstspilsēta" in html and "Jelgavas pilsēta" in html
    assert 'href="/admin/status"' in platform_admin.get("/profile").get_data(
        as_text=True
    )


def test_status_page_is_closed_to_others(
    municipality_admin: WebClient, client: WebClient
) -> None:
    assert municipality_admin.get("/admin/status").status_code == 403
    assert client.get("/admin/status").status_code == 302
