# SPDX-License-Identifier: EUPL-1.2
"""``pkip pii``: keys, rotation and the retention rule for personal data at rest
(docs/personal-data.md). Registered on the ``pkip`` group in webapp/cli.py."""

from __future__ import annotations

import click

from webapp.cli_common import platform_of


@click.group("pii")
def pii() -> None:
    """Personal data at rest: keys, rotation, retention."""


@pii.command("new-key")
def new_key_cmd() -> None:
    """Print a fresh random key (for PKIP_PII_HASH_KEY, or an entry of
    PKIP_PII_KEYS as id:key)."""
    from core.pii import new_key

    click.echo(new_key())


@pii.command("rotate")
@click.option(
    "--rehash",
    is_flag=True,
    help="Also recompute every look-up hash (after PKIP_PII_HASH_KEY changed).",
)
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
@click.pass_context
def rotate_cmd(ctx: click.Context, rehash: bool, batch: int) -> None:
    """Re-encrypt every sealed value under the newest key of PKIP_PII_KEYS (and seal
    instance states still stored plain). Safe to run while PKIP serves."""
    from domain.privacy import rotate
    from pkip.schema import load_models

    platform = platform_of(ctx)
    with platform.transaction() as session:
        stats = rotate(session, platform.pii, load_models(), rehash=rehash, batch=batch)
    click.echo(f"key {platform.pii.current_key_id}: {stats.total} value(s) renewed")
    for name, count in sorted(stats.counts.items()):
        click.echo(f"  {name}: {count}")
    if stats.skipped:
        click.echo(
            f"  changed meanwhile (already under the newest key): {stats.skipped}"
        )


@pii.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list the cases, erase nothing.")
@click.option(
    "--years",
    type=click.IntRange(min=1),
    help="Years after closing (default: PKIP_PII_RETENTION_YEARS).",
)
@click.pass_context
def purge_cmd(ctx: click.Context, dry_run: bool, years: int | None) -> None:
    """Erase the personal data of cases closed longer ago than the retention
    period: the client's name and code, the process data, outbox parameters."""
    from domain.privacy import purge

    platform = platform_of(ctx)
    years = years or platform.settings.pii_retention_years
    with platform.transaction() as session:
        result = purge(platform.engine(session), years=years, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    cutoff = result.cutoff.strftime("%d.%m.%Y")
    click.echo(f"closed before {cutoff}: {verb} {len(result.numbers)} case(s)")
    for number in result.numbers:
        click.echo(f"  {number}")
