# SPDX-License-Identifier: EUPL-1.2
"""HTTP without a socket: a ``requests`` adapter that hands requests to a WSGI app.

In the embedded mode and in tests a connector's client talks to its simulator through
the real protocol (the same SOAP envelopes, the same JSON), but the simulator is a WSGI
app in the same process, mounted under a host name of its own. In production the
same client gets a plain ``requests.Session`` pointed at the real endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

WSGIApp = Callable[..., Any]


class WSGIAdapter(BaseAdapter):
    """Sends each request to ``app`` as a WSGI call and builds the response."""

    def __init__(self, app: WSGIApp) -> None:
        super().__init__()
        self.client = Client(app)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        wsgi_response = self.client.open(
            path=parts.path or "/",
            query_string=parts.query,
            method=request.method or "GET",
            headers=list((request.headers or {}).items()),
            data=body or b"",
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        response = requests.Response()
        response.status_code = wsgi_response.status_code
        response.headers = CaseInsensitiveDict(dict(wsgi_response.headers))
        response._content = wsgi_response.get_data()
        response.encoding = wsgi_response.mimetype_params.get("charset") or "utf-8"
        response.url = request.url or ""
        response.request = request
        response.reason = wsgi_response.status.split(" ", 1)[-1]
        return response

    def close(self) -> None:
        pass


def in_process_session(base_url: str, app: WSGIApp) -> requests.Session:
    """A session whose requests to ``base_url`` go to ``app`` without a socket."""
    session = requests.Session()
    # No proxies, netrc or CA bundles from the environment apply to an in-process
    # app, and looking them up costs more than the call itself.
    session.trust_env = False
    session.mount(base_url.rstrip("/") + "/", WSGIAdapter(app))
    return session
