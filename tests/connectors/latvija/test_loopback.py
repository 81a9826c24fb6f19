# SPDX-License-Identifier: EUPL-1.2
"""The identity provider over a real loopback socket: metadata by URL (as a live
service provider reads latvija.lv's), the sign-in page, the signed answer."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from connectors.config import system_config
from connectors.simkit import serve
from connectors.systems.latvija.client import LatvijaClient, idp_metadata
from connectors.systems.latvija.simulator import LatvijaSimulator


def test_a_live_service_provider_reads_the_metadata_by_url(
    idp: LatvijaSimulator, saml_keys: Path
) -> None:
    with serve(idp) as base:
        config = system_config(
            "LATVIJA",
            None,
            {"PKIP_LATVIJA_MODE": "live", "PKIP_LATVIJA_URL": f"{base}/metadata"},
        )
        xml = idp_metadata("http://sp.loopback", config, idp)
        assert f'Location="{base}/sso"' in xml
        sp = LatvijaClient(
            base_url="http://sp.loopback",
            acs_path="/acs",
            metadata_path="/metadata",
            keys=saml_keys,
            idp_metadata=xml,
        )
        request_id, url = sp.sign_in_url("RIGA")
        assert url.startswith(f"{base}/sso?")
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "Pieteikties kā" in page.text
        saml_request = parse_qs(urlsplit(url).query)["SAMLRequest"][0]
        answer = requests.post(
            f"{base}/sso",
            data={"SAMLRequest": saml_request, "RelayState": "RIGA", "who": "p3"},
            timeout=10,
        )
        found = re.search(r'name="SAMLResponse" value="([^"]+)"', answer.text)
        assert found is not None
        who = sp.identity(unescape(found[1]), {request_id: "/"})
        assert who.full_name == "Ērika Šteina" and who.company is None
