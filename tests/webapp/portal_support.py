# SPDX-License-Identifier: EUPL-1.2
"""Signing in to the portal in web tests: the browser's round trip through the
simulated latvija.lv (mounted at /sim/latvija/), by test client."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from connectors.systems.latvija import fixtures

_FIELD = re.compile(r'name="(SAMLResponse|RelayState|SAMLRequest)" value="([^"]*)"')


def choice(code: str, company: str | None = None) -> str:
    """The simulator page's radio value for a person (and a company)."""
    for i, person in enumerate(fixtures.PERSONS):
        if person.personal_code == code:
            if company is None:
                return f"p{i}"
            return f"p{i}c{person.companies.index(company)}"
    raise KeyError(code)


def saml_response(
    client: FlaskClient, muni: str, code: str, company: str | None = None
) -> dict[str, str]:
    """Start signing in to ``muni``'s portal and pick the person at the identity
    provider: the form the browser would post to the ACS."""
    start = client.get(f"/portals/{muni.lower()}/sign-in")
    assert start.status_code == 302, start.get_data(as_text=True)
    target = urlsplit(start.headers["Location"])
    page = client.get(target.path, query_string=target.query)
    assert page.status_code == 200, page.get_data(as_text=True)
    fields = dict(_FIELD.findall(page.get_data(as_text=True)))
    fields = {k: unescape(v) for k, v in fields.items()}
    fields["who"] = choice(code, company)
    answer = client.post(target.path, data=fields)
    html = answer.get_data(as_text=True)
    return {k: unescape(v) for k, v in _FIELD.findall(html)}


def sign_in(
    client: FlaskClient, muni: str, code: str, company: str | None = None
) -> TestResponse:
    form = saml_response(client, muni, code, company)
    return client.post("/portals/saml/acs", data=form)
