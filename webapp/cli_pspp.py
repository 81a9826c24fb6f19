# SPDX-License-Identifier: EUPL-1.2
"""``pkip pspp reconcile``: cases whose history at PSPP differs from ours, and
sending them again (docs/cases.md, "Case accounting"). Registered on the ``pkip``
group in webapp/cli.py."""

from __future__ import annotations

import click

from webapp.cli_common import platform_of


@click.group("pspp")
def pspp() -> None:
    """PSPP, the state's service platform: the case status feed."""


@pspp.command("reconcile")
@click.option("--municipality", help="Only this municipality's cases (its code).")
@click.option(
    "--requeue",
    is_flag=True,
    help="Send again, in order, the events PSPP lacks (the delivery job sends them).",
)
@click.pass_context
def reconcile_cmd(ctx: click.Context, municipality: str | None, requeue: bool) -> None:
    """List the cases whose events at PSPP are not exactly ours (ids, order,
    statuses), with the reason; exits 1 when there are some and --requeue was not
    given."""
    from domain import accounting

    platform = platform_of(ctx)
    with platform.transaction() as session:
        found = accounting.find_divergent(
            session, platform.connectors, municipality or None
        )
        for divergence in found:
            ours = " ".join(f"{n}:{s}" for n, s in divergence.ours)
            theirs = " ".join(f"{n}:{s}" for n, s in divergence.theirs) or "—"
            line = f"{divergence.case_number}: {divergence.reason}"
            if requeue:
                count = accounting.requeue(
                    session, divergence, now=platform.engine(session).now()
                )
                line += (
                    f"; nosūtīs atkārtoti: {count}"
                    if count
                    else "; nevar nosūtīt atkārtoti (PSPP ir svešs notikums)"
                )
            click.echo(line)
            click.echo(f"  mums: {ours}")
            click.echo(f"  PSPP: {theirs}")
    click.echo(f"atšķiras: {len(found)} gadījum(i)")
    if found and not requeue:
        ctx.exit(1)
