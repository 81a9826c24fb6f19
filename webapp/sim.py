# SPDX-License-Identifier: EUPL-1.2
"""The simulators of the state's systems, mounted under /sim/<system>/ (not in
production).

Each system package may have a ``simulator`` module with ``default_simulator()``: the
process's one simulator, the same object its simulated client talks to in-process, so
its page (``GET /sim/<system>/``) shows what PKIP sent it — a resident's e-address
mailbox, PSPP's case statuses, payments. ``/sim/`` lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from html import escape
from typing import Any
from urllib.parse import urlsplit

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

WSGIApp = Callable[..., Any]

TITLES = {
    "depp": "DEPP — e-adrese",
    "div": "DIV — dokumentu apmaiņa starp iestādēm",
    "dvs": "Dokumentu vadības sistēma (Namejs, Lietvaris)",
    "finance": "Finanšu sistēma (Horizon, Ozols)",
    "idp": "Pašvaldības identitātes pakalpojums (OpenID Connect)",
    "latvija": "latvija.lv — identitātes pārbaude (SAML 2.0)",
    "payments": "Maksājumu modulis",
    "pspp": "PSPP — pakalpojumu platforma",
    "viss": "VISS un valsts reģistri",
}


def simulators() -> dict[str, WSGIApp]:
    """Every system's simulator, by system package name."""
    from connectors import systems

    found: dict[str, WSGIApp] = {}
    for info in pkgutil.iter_modules(systems.__path__):
        try:
            module = importlib.import_module(
                f"connectors.systems.{info.name}.simulator"
            )
        except ModuleNotFoundError:
            continue
        factory = getattr(module, "default_simulator", None)
        if factory is not None:
            found[info.name] = factory()
    return found


def _index(names: Iterable[str]) -> WSGIApp:
    items = "".join(
        f'<li><a href="/sim/{escape(n)}/">{escape(TITLES.get(n, n.upper()))}</a></li>'
        for n in sorted(names)
    )
    html = (
        '<!doctype html><html lang="lv"><head><meta charset="utf-8">'
        "<title>Simulatori — PKIP</title></head><body>"
        "<h1>Valsts sistēmu simulatori</h1>"
        "<p>Iebūvētajā režīmā PKIP sūta šiem simulatoriem; katra lapā redzams, ko tas "
        "saņēmis.</p>"
        f"<ul>{items}</ul></body></html>"
    )

    def index(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "/") not in ("", "/"):
            return Response("Nav atrasts", status=404)(environ, start_response)
        return Response(html, mimetype="text/html")(environ, start_response)

    return index


def deliver_payment_notifications(app: Any) -> None:
    """Let the payment simulator's signed notifications reach ``app``'s callback in
    the same process, as the real module's reach it over HTTPS (only the path of
    ``notify_url`` counts: the simulator talks to this app, whatever its address).
    A refused notification raises, so the simulator's page can tell."""
    from connectors.systems.payments.simulator import default_simulator

    def deliver(notification: Any) -> None:
        if not notification.notify_url:
            return
        path = urlsplit(notification.notify_url).path
        answer = app.test_client().post(
            path, data=notification.body, headers=notification.headers()
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"the callback answered {answer.status_code}")

    default_simulator().notify = deliver


def mount(wsgi_app: WSGIApp) -> WSGIApp:
    """Wrap the app's WSGI callable so /sim/<system>/ reaches the simulators."""
    apps = simulators()
    mounts: dict[str, WSGIApp] = {f"/sim/{name}": app for name, app in apps.items()}
    mounts["/sim"] = _index(apps)
    return DispatcherMiddleware(wsgi_app, mounts)
