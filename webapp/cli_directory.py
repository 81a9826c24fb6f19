# SPDX-License-Identifier: EUPL-1.2
"""``pkip directory …``: the municipality's LDAP directory from the shell — its
settings, the mapping of its groups to roles and departments, and the sync
(docs/directory.md). Like ``pkip users``, whoever runs it acts as a platform
administrator of ``--municipality`` and is logged as ``cli:<os user>``; the
sync's own changes are logged as ``directory``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from webapp.cli_common import platform_of
from webapp.cli_users import _admin, _session

OPTIONAL_MUNICIPALITY = click.option(
    "--municipality",
    "-m",
    default=None,
    envvar="PKIP_MUNICIPALITY",
    help="One municipality's code (default: every configured directory).",
)
MUNICIPALITY = click.option(
    "--municipality",
    "-m",
    required=True,
    envvar="PKIP_MUNICIPALITY",
    help="The municipality's code (or PKIP_MUNICIPALITY).",
)


def _refused(exc: Any) -> click.ClickException:
    from domain.accounts.directory import MESSAGES_LV

    detail = f" ({exc.detail})" if exc.detail else ""
    return click.ClickException(
        f"{exc.field}: {MESSAGES_LV.get(exc.code, exc.code)}{detail}"
    )


@contextmanager
def _dsession(ctx: click.Context, municipality: str) -> Iterator[Any]:
    """``pkip users``' transaction, a directory refusal worded in Latvian."""
    from domain.accounts.directory import DirectoryError

    with _session(ctx, municipality) as db:
        try:
            yield db
        except DirectoryError as exc:
            raise _refused(exc) from exc


@click.group()
def directory() -> None:
    """The municipality's LDAP directory: settings, group mapping, sync."""


@directory.command("sync")
@OPTIONAL_MUNICIPALITY
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@click.pass_context
def sync_cmd(ctx: click.Context, municipality: str | None, as_json: bool) -> None:
    """Synchronise users from the directory now; prints what changed. Exit code 1
    when a directory could not be read (nothing was changed for it)."""
    from domain.accounts.directory import DirectoryError
    from pkip.directory import sync_all, sync_municipality

    platform = platform_of(ctx)
    try:
        outcomes = (
            [sync_municipality(platform, municipality)]
            if municipality
            else sync_all(platform)
        )
    except DirectoryError as exc:
        raise _refused(exc) from exc
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "municipality": o.municipality,
                        "ok": o.ok,
                        "error": o.error,
                        "report": o.report.as_dict() if o.report else None,
                    }
                    for o in outcomes
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for o in outcomes:
            if o.report is None:
                click.echo(
                    f"{o.municipality}: katalogs nav nolasāms, "
                    f"nekas netika mainīts ({o.error})"
                )
                continue
            r = o.report
            click.echo(
                f"{o.municipality}: izveidoti {len(r.created)}, "
                f"mainīti {len(r.updated)}, "
                f"atspējoti {len(r.disabled)}, iespējoti {len(r.enabled)}, "
                f"bez izmaiņām {r.unchanged}, konflikti {len(r.conflicts)}"
            )
            for label, names in (
                ("izveidots", r.created),
                ("mainīts", r.updated),
                ("atspējots", r.disabled),
                ("iespējots", r.enabled),
                ("konflikts", r.conflicts),
            ):
                for name in names:
                    click.echo(f"  {label}: {name}")
    if not outcomes:
        click.echo("nevienai pašvaldībai katalogs nav iestatīts")
    if any(not o.ok for o in outcomes):
        ctx.exit(1)


@directory.command("configure")
@MUNICIPALITY
@click.option("--url", required=True, help="ldap://host:port or ldaps://…")
@click.option(
    "--user-base", required=True, help="Where people are, e.g. ou=people,dc=x"
)
@click.option(
    "--bind-dn", default="", help="The service account's DN (empty: anonymous)."
)
@click.option(
    "--password-env",
    default="",
    help="The environment variable holding the service account's password.",
)
@click.option("--user-filter", default="", help="Default: the preset's.")
@click.option("--group-base", default="", help="Where groups are (OpenLDAP).")
@click.option("--preset", type=click.Choice(["openldap", "ad"]), default="openldap")
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    help="KEY=NAME overriding the preset (username, full_name, email, member_of, "
    "uac, locked).",
)
@click.option(
    "--disabled-group", default="", help="Members of this group are disabled."
)
@click.option("--timeout", type=int, default=5)
@click.option("--disable", "disabled", is_flag=True, help="Keep it, but do not sync.")
@click.pass_context
def configure(
    ctx: click.Context,
    municipality: str,
    url: str,
    user_base: str,
    bind_dn: str,
    password_env: str,
    user_filter: str,
    group_base: str,
    preset: str,
    attributes: tuple[str, ...],
    disabled_group: str,
    timeout: int,
    disabled: bool,
) -> None:
    """Set the municipality's directory."""
    from domain.accounts.directory import DirectoryError, save_config

    pairs: dict[str, str] = {}
    for item in attributes:
        key, sep, name = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: KEY=NAME", param_hint="--attribute")
        pairs[key.strip()] = name.strip()
    try:
        with _dsession(ctx, municipality) as db:
            save_config(
                db,
                _admin(municipality),
                url=url,
                user_base=user_base,
                bind_dn=bind_dn,
                password_env=password_env,
                user_filter=user_filter,
                group_base=group_base,
                preset=preset,
                attributes=pairs,
                disabled_group=disabled_group,
                enabled=not disabled,
                timeout=timeout,
            )
    except DirectoryError as exc:
        raise _refused(exc) from exc
    click.echo(f"{municipality}: katalogs iestatīts ({url})")


@directory.command("show")
@MUNICIPALITY
@click.pass_context
def show(ctx: click.Context, municipality: str) -> None:
    """The directory's settings, mapping and last sync."""
    from domain.accounts.directory import config_of, mappings

    with _dsession(ctx, municipality) as db:
        config = config_of(db, municipality)
        if config is None:
            raise click.ClickException("pašvaldībai katalogs nav iestatīts")
        state = "" if config.enabled else ", izslēgts"
        click.echo(f"URL: {config.url}  ({config.preset}{state})")
        click.echo(f"lietotāji: {config.user_base} {config.user_filter}")
        click.echo(
            f"grupas: {config.group_base or '-'}; "
            f"atspējoto grupa: {config.disabled_group or '-'}"
        )
        click.echo(
            f"pieslēgšanās: {config.bind_dn or 'anonīmi'} "
            f"(parole no {config.password_env or '-'})"
        )
        last = config.last_sync_at.isoformat() if config.last_sync_at else "nekad"
        click.echo(f"pēdējā sinhronizācija: {last} {config.last_error}")
        for row in mappings(db, municipality):
            click.echo(f"  #{row.id} {row.group_dn} → {row.kind} {row.value}")


@directory.command("map")
@MUNICIPALITY
@click.argument("group_dn")
@click.option("--role", default=None)
@click.option("--department", default=None)
@click.pass_context
def map_cmd(
    ctx: click.Context,
    municipality: str,
    group_dn: str,
    role: str | None,
    department: str | None,
) -> None:
    """Members of GROUP_DN get --role or join --department."""
    from domain.accounts.directory import DirectoryError, add_mapping

    if (role is None) == (department is None):
        raise click.UsageError("norādiet vai nu --role, vai --department")
    kind, value = ("role", role) if role is not None else ("department", department)
    try:
        with _dsession(ctx, municipality) as db:
            row = add_mapping(db, _admin(municipality), group_dn, kind, value or "")
            click.echo(f"#{row.id} {row.group_dn} → {kind} {value}")
    except DirectoryError as exc:
        raise _refused(exc) from exc


@directory.command("unmap")
@MUNICIPALITY
@click.argument("mapping_id", type=int)
@click.pass_context
def unmap(ctx: click.Context, municipality: str, mapping_id: int) -> None:
    """Remove a mapping (its number from ``show``)."""
    from domain.accounts.directory import DirectoryError, remove_mapping

    try:
        with _dsession(ctx, municipality) as db:
            remove_mapping(db, _admin(municipality), mapping_id)
    except DirectoryError as exc:
        raise _refused(exc) from exc
    click.echo(f"#{mapping_id} noņemts")
