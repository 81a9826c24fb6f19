# SPDX-License-Identifier: EUPL-1.2
"""``pkip oidc``: the signing key and the systems that sign in through PKIP
(docs/sso.md). Registered on the ``pkip`` group in webapp/cli.py."""

from __future__ import annotations

import click

from webapp.cli_common import platform_of

OPTIONS = {
    "name": "--name",
    "redirect_uris": "--redirect-uri",
    "post_logout_redirect_uris": "--post-logout-uri",
    "backchannel_logout_uri": "--backchannel-uri",
}
"""The option of each registration field a refusal names."""


@click.group("oidc")
def oidc() -> None:
    """Single sign-on: PKIP as an OpenID Connect provider."""


@oidc.command("new-key")
def new_key_cmd() -> None:
    """Print a fresh RSA private key in PEM (for PKIP_OIDC_SIGNING_KEY)."""
    from domain.oidc.keys import new_pem

    click.echo(new_pem(), nl=False)


@oidc.command("clients")
@click.pass_context
def clients_cmd(ctx: click.Context) -> None:
    """List the registered systems."""
    from domain.oidc import services

    with platform_of(ctx).transaction(readonly=True) as db:
        for client in services.all_clients(db):
            state = "disabled" if client.disabled_at else "active"
            kind = "public" if client.is_public else "confidential"
            click.echo(
                f"{client.client_id}\t{client.municipality}\t{kind}\t{state}\t"
                f"{client.name}"
            )


@oidc.command("register")
@click.option("--name", required=True, help="The system's name.")
@click.option("--municipality", required=True, help="Whose staff sign in (code).")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--post-logout-uri", "post_logout_uris", multiple=True)
@click.option("--backchannel-uri", default="", help="Back-channel logout address.")
@click.option("--public", is_flag=True, help="No secret (a browser or mobile app).")
@click.option("--by", "created_by", default="cli", show_default=True)
@click.pass_context
def register_cmd(
    ctx: click.Context,
    name: str,
    municipality: str,
    redirect_uris: tuple[str, ...],
    post_logout_uris: tuple[str, ...],
    backchannel_uri: str,
    public: bool,
    created_by: str,
) -> None:
    """Register a system; prints its client id and (once) its secret."""
    from core.db import utcnow
    from domain.models import Municipality
    from domain.oidc import services

    platform = platform_of(ctx)
    with platform.transaction() as db:
        if db.get(Municipality, municipality) is None:
            raise click.BadParameter(
                "no such municipality", param_hint="--municipality"
            )
        try:
            client, secret = services.register_client(
                db,
                services.Registration(
                    name=name,
                    municipality=municipality,
                    redirect_uris=redirect_uris,
                    post_logout_redirect_uris=post_logout_uris,
                    backchannel_logout_uri=backchannel_uri,
                    public=public,
                ),
                created_by=created_by,
                now=utcnow(),
                allow_http=platform.settings.env != "production",
            )
        except services.ClientProblem as problem:
            option = OPTIONS.get(problem.field, problem.field)
            raise click.BadParameter(
                f"{problem.reason} {problem.value}".strip(), param_hint=option
            ) from None
        click.echo(f"client_id: {client.client_id}")
        if secret:
            click.echo(f"client_secret: {secret}")
