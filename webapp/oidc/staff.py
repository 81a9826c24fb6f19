# SPDX-License-Identifier: EUPL-1.2
"""Staff sign in to PKIP through their municipality's own OpenID Connect provider
("Ienākt ar pašvaldības kontu"). The provider's ID token names the person by a
configured claim (connectors/systems/idp/contract.py: e-mail by default), matched
to an existing, active PKIP user of that municipality; nobody is created."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select

from connectors.config import ConnectorConfigError, system_config
from connectors.errors import ConnectorError
from connectors.systems.idp import IdpClient, SignIn
from connectors.systems.idp.contract import match_claim
from domain.accounts.models import User
from domain.models import Municipality
from webapp import platform_of, transaction
from webapp.audit import trail
from webapp.auth import login_user, public, safe_next
from webapp.oidc import bp
from webapp.oidc.server import _now

log = logging.getLogger(__name__)
PENDING = "idp_sign_in"


def _eligible() -> list[Municipality]:
    """Municipalities whose staff may sign in through their own provider: a live
    one configured, or (outside production) the simulator."""
    production = platform_of(current_app).settings.env == "production"
    with transaction() as db:
        found = []
        for municipality in db.scalars(
            select(Municipality).order_by(Municipality.name)
        ):
            try:
                config = system_config("IDP", municipality.code)
            except ConnectorConfigError:
                continue
            if not (production and config.simulated):
                db.expunge(municipality)
                found.append(municipality)
        return found


@bp.get("/login/municipality")
@public
def staff_login() -> Any:
    municipalities = _eligible()
    next_page = request.args.get("next", "")
    if len(municipalities) == 1:
        return redirect(
            url_for("oidc.staff_start", code=municipalities[0].code, next=next_page)
        )
    return render_template(
        "oidc/municipality.html", municipalities=municipalities, next_page=next_page
    )


@bp.get("/login/municipality/<code>")
@public
def staff_start(code: str) -> Any:
    if code not in {m.code for m in _eligible()}:
        flash(_("This municipality has no sign-in of its own in PKIP."), "error")
        return redirect(url_for("account.login"))
    redirect_uri = url_for("oidc.staff_callback", _external=True)
    try:
        sign_in = IdpClient.for_municipality(code).start(
            redirect_uri, browser_base=request.url_root.rstrip("/") + "/sim/idp"
        )
    except (ConnectorError, ConnectorConfigError) as exc:
        log.warning("municipal sign-in of %s unavailable: %s", code, exc)
        flash(
            _(
                "The municipality's sign-in service does not answer. Try again "
                "later or sign in with your PKIP password."
            ),
            "error",
        )
        return redirect(url_for("account.login"))
    session[PENDING] = {
        "municipality": code,
        "next": request.args.get("next", ""),
        **asdict(sign_in),
    }
    return redirect(sign_in.url)


@bp.get("/login/municipality/callback")
@public
def staff_callback() -> Any:
    pending = session.pop(PENDING, None)
    if not pending or request.args.get("state") != pending.get("state"):
        flash(
            _(
                "The sign-in through the municipality's account has expired. "
                "Start again."
            ),
            "error",
        )
        return redirect(url_for("account.login"))
    if request.args.get("error") or not request.args.get("code"):
        flash(_("The municipality's sign-in service did not sign you in."), "error")
        return redirect(url_for("account.login"))
    code = str(pending["municipality"])
    sign_in = SignIn(
        pending["url"], pending["state"], pending["nonce"], pending["code_verifier"]
    )
    try:
        claims = IdpClient.for_municipality(code).finish(
            request.args["code"],
            url_for("oidc.staff_callback", _external=True),
            sign_in,
        )
        claim = match_claim(code)
    except (ConnectorError, ConnectorConfigError) as exc:
        log.warning("municipal sign-in of %s refused: %s", code, exc)
        flash(_("The municipality's sign-in service did not sign you in."), "error")
        return redirect(url_for("account.login"))
    value = str(claims.get(claim) or "").strip().lower()
    with transaction() as db:
        user = _match(db, code, claim, value) if value else None
        if user is None:
            trail.record(
                db,
                "signin.failure",
                actor=value[:100] or "?",
                municipality=code,
                subject_kind="user",
                subject_id=value[:100],
                details={"method": "municipal_sso", "reason": "not_linked"},
            )
            flash(
                _(
                    "Your municipality's account is not linked to any PKIP user of "
                    "the municipality. Ask the administrator to add you."
                ),
                "error",
            )
            return redirect(url_for("account.login"))
        if not user.active:
            trail.record(
                db,
                "signin.failure",
                actor=user.username,
                municipality=user.municipality,
                subject_kind="user",
                subject_id=user.id,
                details={"method": "municipal_sso", "reason": "inactive"},
            )
            flash(_("Your PKIP account is closed. Ask the administrator."), "error")
            return redirect(url_for("account.login"))
        user.last_login_at = _now()
        trail.record(
            db,
            "signin.success",
            actor=user.username,
            municipality=user.municipality,
            subject_kind="user",
            subject_id=user.id,
            details={"method": "municipal_sso"},
        )
        login_user(user)
    return redirect(safe_next(pending.get("next")))


def _match(db: Any, municipality: str, claim: str, value: str) -> User | None:
    column = User.email if claim == "email" else User.username
    found = list(
        db.scalars(
            select(User).where(
                User.municipality == municipality, func.lower(column) == value
            )
        )
    )
    return found[0] if len(found) == 1 else None  # two matches: nobody, not a guess
