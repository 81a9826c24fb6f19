# SPDX-License-Identifier: EUPL-1.2
"""``pkip users …`` and ``pkip departments …``: user administration from the
shell, with the same rules and the same administration log as the pages.

Whoever runs the CLI has the server's shell, so acts as a platform administrator
of the municipality named with ``--municipality``; the log names them
``cli:<operating-system user>``. Registered on the ``pkip`` group in webapp/cli.py.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from webapp.cli_common import platform_of

MUNICIPALITY = click.option(
    "--municipality",
    "-m",
    required=True,
    envvar="PKIP_MUNICIPALITY",
    help="The municipality's code (or PKIP_MUNICIPALITY).",
)


def _admin(municipality: str) -> Any:
    from domain.accounts.admin import Admin

    return Admin(f"cli:{getpass.getuser()}", municipality, platform=True)


@contextmanager
def _session(ctx: click.Context, municipality: str) -> Iterator[Any]:
    """A committed transaction; a refusal is a Latvian message and exit code 1."""
    from domain.accounts.admin import MESSAGES_LV, AdminError
    from domain.models import Municipality

    platform = platform_of(ctx)
    try:
        with platform.transaction() as db:
            if db.get(Municipality, municipality) is None:
                raise click.ClickException(f"nav pašvaldības {municipality!r}")
            yield db
    except AdminError as exc:
        message = MESSAGES_LV.get(exc.code, exc.code)
        detail = f" ({exc.detail})" if exc.detail else ""
        raise click.ClickException(f"{exc.field}: {message}{detail}") from exc


def _split(values: tuple[str, ...]) -> list[str]:
    """``-r a -r b`` and ``-r a,b`` alike."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


# -- users ---------------------------------------------------------------------------
@click.group("users")
def users() -> None:
    """Users of a municipality: list, create, disable, enable, roles, import."""


@users.command("list")
@MUNICIPALITY
@click.option("--active-only", is_flag=True, help="Leave out disabled users.")
@click.pass_context
def users_list(ctx: click.Context, municipality: str, active_only: bool) -> None:
    """Every user with their roles and departments."""
    from domain.accounts.admin import list_users

    with _session(ctx, municipality) as db:
        rows = list_users(db, municipality, active=True if active_only else None)
        for u in rows:
            state = "aktīvs" if u.active else "atspējots"
            roles = ",".join(sorted(u.roles)) or "-"
            depts = ",".join(sorted(u.department_keys)) or "-"
            click.echo(
                f"{u.username:<20} {state:<10} {roles:<30} {depts:<24} {u.full_name}"
            )
        click.echo(f"lietotāji: {len(rows)}")


@users.command("create")
@MUNICIPALITY
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Name and surname.")
@click.option("--email", default="", help="E-mail address.")
@click.option("--role", "-r", "roles", multiple=True, help="A role (repeat or a,b).")
@click.option("--department", "-d", "departments", multiple=True, help="A key.")
@click.pass_context
def users_create(
    ctx: click.Context,
    municipality: str,
    username: str,
    full_name: str,
    email: str,
    roles: tuple[str, ...],
    departments: tuple[str, ...],
) -> None:
    """Create a user; prints the one-time password (changed at first sign-in)."""
    from domain.accounts.admin import create_user

    with _session(ctx, municipality) as db:
        user, password = create_user(
            db,
            _admin(municipality),
            username=username,
            full_name=full_name,
            email=email,
            roles=_split(roles),
            departments=_split(departments),
        )
        click.echo(f"izveidots: {user.username}")
        click.echo(f"vienreizējā parole: {password}")


def _set_active(ctx: click.Context, municipality: str, username: str, on: bool) -> None:
    from domain.accounts import admin, handover

    with _session(ctx, municipality) as db:
        user = admin.user_by_username(db, _admin(municipality), username)
        if on:
            admin.enable_user(db, _admin(municipality), user)
            click.echo(f"iespējots: {user.username}")
            return
        admin.disable_user(db, _admin(municipality), user)
        click.echo(f"atspējots: {user.username}")
        tasks = handover.open_tasks(db, municipality, user.username)
        if tasks:
            click.echo(f"atvērtie uzdevumi, kas jānodod citam ({len(tasks)}):")
            for task in tasks:
                click.echo(f"  {task.id}  {task.candidate_group or '-'}  {task.name}")


@users.command("disable")
@MUNICIPALITY
@click.argument("username")
@click.pass_context
def users_disable(ctx: click.Context, municipality: str, username: str) -> None:
    """Disable a user (never deleted); lists their open tasks to reassign."""
    _set_active(ctx, municipality, username, False)


@users.command("enable")
@MUNICIPALITY
@click.argument("username")
@click.pass_context
def users_enable(ctx: click.Context, municipality: str, username: str) -> None:
    """Enable a disabled user again."""
    _set_active(ctx, municipality, username, True)


@users.command("roles")
@MUNICIPALITY
@click.argument("username")
@click.option("--set", "set_", multiple=True, help="Exactly these roles.")
@click.option("--add", multiple=True, help="Add a role.")
@click.option("--remove", multiple=True, help="Remove a role.")
@click.pass_context
def users_roles(
    ctx: click.Context,
    municipality: str,
    username: str,
    set_: tuple[str, ...],
    add: tuple[str, ...],
    remove: tuple[str, ...],
) -> None:
    """Show or change a user's roles (applies from their next request)."""
    from domain.accounts import admin

    with _session(ctx, municipality) as db:
        user = admin.user_by_username(db, _admin(municipality), username)
        if set_ or add or remove:
            wanted = set(_split(set_)) if set_ else set(user.roles)
            wanted = (wanted | set(_split(add))) - set(_split(remove))
            admin.update_user(db, _admin(municipality), user, roles=wanted)
        click.echo(f"{user.username}: {', '.join(sorted(user.roles)) or '-'}")


@users.command("import")
@MUNICIPALITY
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def users_import(ctx: click.Context, municipality: str, path: Path) -> None:
    """Create users from a CSV file, all or nothing; errors by line and column."""
    from domain.accounts import csv_import

    with _session(ctx, municipality) as db:
        with path.open("rb") as handle:
            data = handle.read(csv_import.MAX_BYTES + 1)
        result = csv_import.import_users(db, _admin(municipality), data)
        if not result.ok:
            for error in result.errors:
                click.echo(str(error), err=True)
            raise click.ClickException(
                f"nekas nav importēts: {len(result.errors)} kļūda(s)"
            )
        for user, password in result.created:
            click.echo(f"{user.username:<20} {password}  {user.full_name}")
        click.echo(f"importēti: {len(result.created)}")


# -- departments ---------------------------------------------------------------------
@click.group("departments")
def departments() -> None:
    """Departments of a municipality: list, create, members, head."""


@departments.command("list")
@MUNICIPALITY
@click.pass_context
def departments_list(ctx: click.Context, municipality: str) -> None:
    from domain.accounts import departments as depts
    from domain.accounts.services import departments_of

    with _session(ctx, municipality) as db:
        counts = depts.member_counts(db, municipality)
        for d in departments_of(db, municipality):
            head = d.head.username if d.head else "-"
            click.echo(f"{d.key:<20} {counts.get(d.id, 0):>3}  {head:<20} {d.name}")


@departments.command("create")
@MUNICIPALITY
@click.argument("key")
@click.argument("name")
@click.option("--head", help="The head's username.")
@click.pass_context
def departments_create(
    ctx: click.Context, municipality: str, key: str, name: str, head: str | None
) -> None:
    from domain.accounts import departments as depts

    with _session(ctx, municipality) as db:
        made = depts.create_department(
            db, _admin(municipality), key=key, name=name, head=head
        )
        click.echo(f"izveidota: {made.key}")


@departments.command("members")
@MUNICIPALITY
@click.argument("key")
@click.option("--set", "set_", multiple=True, help="Exactly these usernames.")
@click.option("--add", multiple=True, help="Add a username.")
@click.option("--remove", multiple=True, help="Remove a username.")
@click.pass_context
def departments_members(
    ctx: click.Context,
    municipality: str,
    key: str,
    set_: tuple[str, ...],
    add: tuple[str, ...],
    remove: tuple[str, ...],
) -> None:
    """Show or change a department's members."""
    from domain.accounts import departments as depts

    with _session(ctx, municipality) as db:
        admin = _admin(municipality)
        department = depts.department_by_key(db, admin, key)
        current = {u.username for u in depts.members(db, department)}
        if set_ or add or remove:
            wanted = set(_split(set_)) if set_ else set(current)
            wanted = (wanted | set(_split(add))) - set(_split(remove))
            depts.set_members(db, admin, department, wanted)
            current = wanted
        click.echo(f"{department.key}: {', '.join(sorted(current)) or '-'}")


@departments.command("head")
@MUNICIPALITY
@click.argument("key")
@click.argument("username", required=False)
@click.option("--none", "clear", is_flag=True, help="The department has no head.")
@click.pass_context
def departments_head(
    ctx: click.Context, municipality: str, key: str, username: str | None, clear: bool
) -> None:
    """Show or set the department's head."""
    from domain.accounts import departments as depts

    with _session(ctx, municipality) as db:
        admin = _admin(municipality)
        department = depts.department_by_key(db, admin, key)
        if username or clear:
            depts.update_department(
                db, admin, department, head=username, clear_head=clear
            )
        head = department.head.username if department.head else "-"
        click.echo(f"{department.key}: {head}")
