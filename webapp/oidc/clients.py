# SPDX-License-Identifier: EUPL-1.2
"""The platform admin registers the municipality's systems that sign people in
through PKIP: the client id and secret are shown once; redirect URIs must match
exactly; a client serves the people of one municipality."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from domain.accounts.models import PLATFORM_ADMIN
from domain.models import Municipality
from domain.oidc import services
from domain.oidc.models import OidcClient
from webapp import platform_of, transaction
from webapp.auth import current_user, roles_required
from webapp.oidc import bp
from webapp.oidc.server import _now, issuer

REASONS = {
    "required": _l("Fill in this field."),
    "too_long": _l("The text is too long."),
    "not_absolute": _l("Give a full address beginning with https://."),
    "fragment": _l("An address may not contain a # fragment."),
    "not_https": _l("Use https:// (plain http only for localhost)."),
    "too_many": _l("At most 10 addresses."),
}


class ClientForm(FlaskForm):
    name = StringField(
        _l("System name"),
        validators=[
            DataRequired(message=_l("Name the system.")),
            Length(max=255, message=_l("At most 255 characters.")),
        ],
    )
    municipality = SelectField(_l("Municipality whose staff sign in"))
    kind = RadioField(
        _l("Kind of system"),
        choices=[
            SelectChoice("confidential", _l("Server application (keeps a secret)")),
            SelectChoice(
                "public", _l("Browser or mobile application (no secret, PKCE)")
            ),
        ],
        default="confidential",
    )
    redirect_uris = TextAreaField(
        _l("Redirect addresses"),
        validators=[DataRequired(message=_l("Give at least one redirect address."))],
    )
    post_logout_redirect_uris = TextAreaField(_l("Addresses after signing out"))
    backchannel_logout_uri = StringField(_l("Back-channel logout address"))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _form(db: Any, **kwargs: Any) -> ClientForm:
    form = ClientForm(**kwargs)
    form.municipality.choices = [
        SelectChoice(m.code, m.name)
        for m in db.scalars(select(Municipality).order_by(Municipality.name))
    ]
    return form


def _page(db: Any, form: ClientForm, created: Any = None, status: int = 200) -> Any:
    clients = services.all_clients(db)
    names = {m.code: m.name for m in db.scalars(select(Municipality))}
    response = make_response(
        render_template(
            "oidc/clients.html",
            form=form,
            clients=clients,
            names=names,
            backlog=services.logout_backlog(db),
            created=created,
            discovery=issuer() + url_for("oidc.discovery"),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # a secret may be on it
    return response


@bp.get("/admin/oidc/")
@roles_required(PLATFORM_ADMIN)
def clients() -> Any:
    with transaction() as db:
        return _page(db, _form(db))


@bp.post("/admin/oidc/")
@roles_required(PLATFORM_ADMIN)
def register_client() -> Any:
    user = current_user()
    assert user is not None
    with transaction() as db:
        form = _form(db)
        if not form.validate_on_submit():
            return _page(db, form, status=422)
        registration = services.Registration(
            name=form.name.data or "",
            municipality=form.municipality.data or "",
            redirect_uris=_lines(form.redirect_uris.data),
            post_logout_redirect_uris=_lines(form.post_logout_redirect_uris.data),
            backchannel_logout_uri=form.backchannel_logout_uri.data or "",
            public=form.kind.data == "public",
        )
        production = platform_of(current_app).settings.env == "production"
        try:
            client, secret = services.register_client(
                db,
                registration,
                created_by=user.username,
                now=_now(),
                allow_http=not production,
            )
        except services.ClientProblem as problem:
            field = getattr(form, problem.field)
            reason = REASONS.get(problem.reason, problem.reason)
            message = f"{reason} ({problem.value})" if problem.value else str(reason)
            field.errors = [*field.errors, message]
            return _page(db, form, status=422)
        created = {"client_id": client.client_id, "secret": secret, "name": client.name}
        flash(
            _(
                "System %(name)s registered. Copy its credentials now: the secret "
                "is not shown again.",
                name=client.name,
            ),
            "success",
        )
        return _page(db, _form(db, formdata=None), created=created)


@bp.post("/admin/oidc/<int:client_pk>/disable")
@roles_required(PLATFORM_ADMIN)
def disable_client(client_pk: int) -> Any:
    with transaction() as db:
        client = db.get(OidcClient, client_pk)
        if client is None:
            return redirect(url_for("oidc.clients"))
        services.disable_client(db, client, now=_now())
        name = client.name
    flash(_("System %(name)s can no longer sign anyone in.", name=name), "success")
    return redirect(url_for("oidc.clients"))
