# SPDX-License-Identifier: EUPL-1.2
"""API tokens of the municipality: create (the plaintext is shown once), list,
revoke. For municipality administrators (and platform administrators, for the
municipality chosen in the switch)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts import services as accounts
from domain.accounts.models import ApiToken
from domain.accounts.tokens import actor_labels, grantable_scopes, token_rights
from webapp import platform_of, transaction
from webapp.admin import bp
from webapp.admin.common import ADMIN_ROLES
from webapp.admin.forms import SCOPE_LABELS, TokenForm
from webapp.auth import (
    current_municipality,
    current_user,
    roles_required,
    token_cache,
)
from webapp.i18n import TIMEZONE
from webapp.scoping import get_scoped_or_404

ROLES = ADMIN_ROLES  # not the auditors the administration page also admits


def _now() -> datetime:
    now: datetime = platform_of(current_app).engine_config.clock()
    return now


def _page(form: TokenForm, plaintext: str | None = None, status: int = 200) -> Any:
    with transaction() as db:
        tokens = accounts.api_tokens_of(db, current_municipality())
        creator_names = actor_labels(db, [t.created_by for t in tokens])
        # what each token may do now: its creator's rights may have shrunk since
        lost = {t.id: _lost_scopes(db, t) for t in tokens if t.revoked_at is None}
        for token in tokens:
            db.expunge(token)
    response = make_response(
        render_template(
            "admin/tokens.html",
            form=form,
            tokens=tokens,
            plaintext=plaintext,
            now=_now(),
            scope_labels=SCOPE_LABELS,
            creator_names=creator_names,
            lost=lost,
            one_second=timedelta(seconds=1),  # expiry is midnight after the last day
        ),
        status,
    )
    # a page that shows a token's plaintext is never stored by the browser
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(**kwargs: Any) -> TokenForm:
    """The form, knowing which scopes the signed-in person may grant."""
    user = current_user()
    assert user is not None  # behind roles_required
    return TokenForm(
        today=_now().astimezone(TIMEZONE).date(),
        grantable=grantable_scopes(user.roles),
        **kwargs,
    )


def _lost_scopes(db: Any, token: ApiToken) -> list[str]:
    """The token's scopes its creator no longer lets it use."""
    allowed = token_rights(db, token).scopes
    return [s for s in token.scopes if s not in allowed]


@bp.get("/tokens")
@roles_required(*ROLES)
def tokens() -> Any:
    return _page(_form())


@bp.post("/tokens")
@roles_required(*ROLES)
def create_token() -> Any:
    form = _form()
    if not form.validate_on_submit():
        return _page(form)
    user = current_user()
    assert user is not None
    expires_at = None
    if form.expires_on.data is not None:  # valid through that day, Riga time
        day_after = form.expires_on.data + timedelta(days=1)
        expires_at = datetime.combine(day_after, time(0, 0), tzinfo=TIMEZONE)
    try:
        with transaction() as db:
            plaintext, token = accounts.create_api_token(
                db,
                municipality=current_municipality(),
                name=form.name.data or "",
                scopes=form.scopes.data or [],
                created_by=user.username,
                expires_at=expires_at,
                now=_now(),
            )
            name = token.name
    except accounts.AccountError as exc:  # e.g. a role lost since the page loaded
        field = form.scopes if exc.field == "scopes" else form.name
        field.errors = [*field.errors, _("You may not create this token.")]
        return _page(form)
    flash(
        _("Token %(name)s created. Copy it now: it is not shown again.", name=name),
        "success",
    )
    return _page(_form(formdata=None), plaintext=plaintext)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(*ROLES)
def revoke_token(token_id: int) -> Any:
    with transaction() as db:
        token = get_scoped_or_404(db, ApiToken, token_id)
        accounts.revoke_api_token(token, now=_now())
        name = token.name
    token_cache().clear()  # here at once; other processes within seconds
    flash(_("Token %(name)s revoked.", name=name), "success")
    return redirect(url_for("admin.tokens"))
