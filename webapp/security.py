# SPDX-License-Identifier: EUPL-1.2
"""Security headers on every answer, and the client's real address behind a proxy.

**Content-Security-Policy.** Every page gets a strict policy: scripts, styles,
images, fonts and requests only from this site (``'self'``), no inline script or
style, no plugins, no framing (``frame-ancestors 'none'``), forms post only here.
The pages need nothing more: their scripts are static files (JSON data travels in
``<script type="application/json">`` blocks, which are never run) and bpmn-js
works under it. Endpoints that need more say so in ``ROUTE_POLICIES``, the least
that works: the API reference (ReDoc) writes its styles at run time and starts
its search worker from a ``blob:`` URL.

**HSTS** (``Strict-Transport-Security``) in production only: a development
server on http://127.0.0.1 must not teach the browser to insist on HTTPS.

**Client address.** Behind a reverse proxy every request comes from the proxy's
address. With ``PKIP_TRUSTED_PROXIES=N`` the address the proxies append to
``X-Forwarded-For`` (and the scheme of ``X-Forwarded-Proto``) is believed for the
last N hops (werkzeug's ``ProxyFix``); without it the header is ignored, since
anyone can send one. ``client_address()`` is None when proxies are trusted but
the request came without the header — straight from the proxy or a neighbour on
its network: such a request must not count against the proxy's own address, or
anyone could lock every user out through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

BASE_POLICY: Mapping[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # bpmn-js draws its watermark and icons as data: URIs
    "font-src": "'self' data:",  # bpmn-font's embedded CSS carries its font inline
    "connect-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

ROUTE_POLICIES: Mapping[str, Mapping[str, str]] = {
    # ReDoc (styled-components) inserts <style> elements and runs its search
    # index in a worker made from a blob: URL.
    "api_reference.index": {
        "style-src": "'self' 'unsafe-inline'",
        "worker-src": "'self' blob:",
    },
}
"""Endpoints that need more than ``BASE_POLICY``, with the directives they replace."""

SIMULATOR_POLICY: Mapping[str, str] = {"style-src": "'self' 'unsafe-inline'"}
"""The simulators' pages under /sim/ (development and tests only) are plain HTML
from ``connectors.simkit`` with an inline <style> element and no script."""

HSTS = "max-age=31536000; includeSubDomains"
FORWARDED_FOR = "X-Forwarded-For"


def policy_for(endpoint: str | None) -> str:
    """The Content-Security-Policy header of an endpoint."""
    return _header(ROUTE_POLICIES.get(endpoint or "", {}))


def _header(changes: Mapping[str, str]) -> str:
    directives = {**BASE_POLICY, **changes}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def with_simulator_headers(wsgi_app: Any) -> Any:
    """The headers for what answers outside Flask (the simulators mounted beside
    the app): added where the answer has none."""
    policy = _header(SIMULATOR_POLICY)

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            names = {name.lower() for name, _ in headers}
            if "content-security-policy" not in names:
                headers = [
                    *headers,
                    ("Content-Security-Policy", policy),
                    ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"),
                ]
            return start_response(status, headers, *exc)

        result: Iterable[bytes] = wsgi_app(environ, start)
        return result

    return app


def init_app(app: Flask, *, production: bool, trusted_proxies: int) -> None:
    """Trust ``trusted_proxies`` proxies' headers; set the headers on every answer;
    in production, refuse to answer through werkzeug's development server."""
    app.extensions["pkip_trusted_proxies"] = trusted_proxies
    if production:
        app.wsgi_app = NoDevelopmentServer(app.wsgi_app)  # type: ignore[method-assign]
    if trusted_proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies
        )

    def headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", policy_for(request.endpoint))
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for old browsers
        h.setdefault("Referrer-Policy", "same-origin")
        if production:
            h.setdefault("Strict-Transport-Security", HSTS)
        return response

    app.after_request(headers)


def client_address() -> str | None:
    """The address of the client of this request, as far as it can be known.

    Without trusted proxies: the connection's peer. With N trusted proxies: the
    address the N-th proxy from here saw (``ProxyFix``), or None when the request
    lacks it (fewer than N addresses in ``X-Forwarded-For``): then the peer is a
    proxy, not the client.
    """
    trusted: int = current_app.extensions.get("pkip_trusted_proxies", 0)
    if trusted <= 0:
        return request.remote_addr
    forwarded = request.headers.get(FORWARDED_FOR, "")
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    if len(hops) < trusted:
        return None
    return request.remote_addr


DEVELOPMENT_SERVER = "Werkzeug/"
"""How werkzeug's development server names itself in ``SERVER_SOFTWARE``."""


class NoDevelopmentServer:
    """Production never serves through werkzeug's development server (``flask
    run``, ``app.run``): not made for untrusted clients nor for load. ``pkip
    serve`` runs gunicorn in production; anything that bypasses it gets 503 on
    every request instead of a quietly weaker server."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if str(environ.get("SERVER_SOFTWARE", "")).startswith(DEVELOPMENT_SERVER):
            body = (
                b"PKIP_ENV=production: werkzeug's development server is refused; "
                b"start the web app with `pkip serve` (gunicorn).\n"
            )
            start_response(
                "503 Service Unavailable",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        result: Iterable[bytes] = self.app(environ, start_response)
        return result
