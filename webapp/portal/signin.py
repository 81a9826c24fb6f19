# SPDX-License-Identifier: EUPL-1.2
"""Signing in to the portal through latvija.lv (SAML 2.0 Web SSO, pysaml2).

``portal.sign_in`` sends the browser to the identity provider with a signed
AuthnRequest (HTTP-Redirect) and remembers the request in ``portal_sign_ins``;
``portal.acs`` takes the HTTP-POST Response: its signatures, audience, destination
and validity are checked by the client, that it answers a request of ours still
outstanding and that its assertion was never used before by the database (one
UPDATE: a replay, in this browser or another, gets nothing). The ACS is exempt from
CSRF (the identity provider posts it; the signed response is its proof) and needs
no cookie: SameSite=Lax keeps the session cookie off a cross-site POST, so nothing
of the check lives in the session.
"""

from __future__ import annotations

import base64
from typing import Any

import defusedxml.ElementTree as safe_xml
from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from connectors.errors import ConnectorError
from connectors.systems.latvija import LatvijaClient, SignInRefused, portal_client
from core.db import utcnow
from domain import portal
from engine.errors import NotFound
from webapp import transaction
from webapp.auth import public
from webapp.portal import resident as residents
from webapp.portal.blueprint import bp

ACS_PATH = "/portals/saml/acs"
METADATA_PATH = "/portals/saml/metadata"


def saml_client() -> LatvijaClient:
    """The service provider for the address this request came to (its keys in
    ``PKIP_LATVIJA_KEY_DIR``, where the simulator finds its metadata)."""
    return portal_client(
        request.url_root, acs_path=ACS_PATH, metadata_path=METADATA_PATH
    )


@bp.get("/saml/metadata")
@public
def metadata() -> Response:
    """Our service provider's metadata, for registering with latvija.lv."""
    return Response(
        saml_client().metadata_xml(),
        content_type="application/samlmetadata+xml; charset=utf-8",
    )


def _portal_path(target: str | None, code: str) -> str:
    """Where to go after signing in: a portal page of the same municipality."""
    home = url_for("portal.home", code=code.lower())
    if target and target.startswith(home) and "\\" not in target and "//" not in target:
        return target
    return home


@bp.get("/<code>/sign-in")
@public
def sign_in(code: str) -> Any:
    with transaction() as db:
        muni = portal.municipality(db, code).code
    try:
        request_id, url = saml_client().sign_in_url(relay_state=muni)
    except ConnectorError:
        return _failed(muni, "unavailable", 503)
    with transaction() as db:
        portal.begin_sign_in(
            db, request_id, muni, _portal_path(request.args.get("next"), muni), utcnow()
        )
    return redirect(url)


def _in_response_to(saml_response: str) -> str:
    try:
        root = safe_xml.fromstring(base64.b64decode(saml_response, validate=True))
    except Exception:  # noqa: BLE001 - anything unreadable is refused below
        return ""
    return str(root.get("InResponseTo") or "")


@bp.post("/saml/acs")
@public
def acs() -> Any:
    saml_response = request.form.get("SAMLResponse", "")
    request_id = _in_response_to(saml_response)
    now = utcnow()
    with transaction() as db:
        waiting = portal.outstanding(db, now)
    code = waiting.get(request_id)
    if code is None:
        return _failed(None, "unsolicited", 400)
    try:
        who = saml_client().identity(saml_response, {request_id: code})
    except SignInRefused as refused:
        return _failed(code, refused.reason, 400)
    except ConnectorError:
        return _failed(code, "unavailable", 503)
    with transaction() as db:
        row = portal.consume(db, request_id, who.assertion_id, now)
        target = row.next_path if row is not None else ""
    if row is None:
        return _failed(code, "replayed", 400)
    residents.sign_in(
        portal.Resident(
            personal_code=who.personal_code,
            name=who.full_name,
            company_code=who.company.registration_number if who.company else None,
            company_name=who.company.name if who.company else None,
        )
    )
    return redirect(_portal_path(target, code))


@bp.post("/<code>/sign-out")
@public
def sign_out(code: str) -> Any:
    residents.sign_out()
    return redirect(url_for("portal.home", code=code.lower()))


REASONS = {
    "cancelled": _l("You cancelled signing in at latvija.lv."),
    "signature": _l("The answer of latvija.lv did not pass the signature check."),
    "audience": _l("The answer of latvija.lv was meant for another service."),
    "unsolicited": _l(
        "This sign-in was not started here, or it has expired. Start again."
    ),
    "replayed": _l("This sign-in has already been used. Start again."),
    "expired": _l("The answer of latvija.lv has expired. Start again."),
    "attributes": _l("latvija.lv did not tell who you are."),
    "invalid": _l("The answer of latvija.lv could not be read."),
    "unavailable": _l("latvija.lv cannot be reached now. Try again later."),
}


def _failed(code: str | None, reason: str, status: int) -> tuple[str, int]:
    muni = None
    if code is not None:
        try:
            with transaction() as db:
                muni = portal.municipality(db, code)
        except NotFound:
            muni = None
    message = str(REASONS.get(reason, REASONS["invalid"]))
    current_app.logger.info("portal sign-in refused: %s", reason)
    return (
        render_template("portal/sign_in_failed.html", muni=muni, message=message),
        status,
    )
