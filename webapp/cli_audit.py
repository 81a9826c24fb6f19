# SPDX-License-Identifier: EUPL-1.2
"""``pkip audit``: the central audit chain's key, checkpoints and verification
(docs/audit.md). Registered on the ``pkip`` group in webapp/cli.py."""

from __future__ import annotations

from pathlib import Path

import click

from webapp.cli_common import platform_of


@click.group("audit")
def audit() -> None:
    """The central, hash-chained audit log."""


@audit.command("new-key")
def new_key_cmd() -> None:
    """Print a fresh random key for PKIP_AUDIT_KEY."""
    from domain.audit.checkpoints import new_key

    click.echo(new_key())


@audit.command("checkpoint")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Sign every chain's head, also those unchanged since the last checkpoint.",
)
@click.pass_context
def checkpoint_cmd(ctx: click.Context, everything: bool) -> None:
    """Sign the head of every chain with PKIP_AUDIT_KEY and append it to
    PKIP_AUDIT_EXPORT_DIR/audit-checkpoints.jsonl (the file an auditor keeps)."""
    from domain.audit.checkpoints import FILE_NAME, checkpoint

    platform = platform_of(ctx)
    with platform.transaction(readonly=True) as session:
        points = checkpoint(
            session,
            platform.audit_key,
            platform.audit_export_dir,
            only_changed=not everything,
        )
    for point in points:
        click.echo(f"{point.municipality}: #{point.seq} {point.hash}")
    target = platform.audit_export_dir / FILE_NAME
    click.echo(f"{len(points)} checkpoint(s) appended to {target}")


@audit.command("verify")
@click.option(
    "--checkpoints",
    "source",
    type=click.Path(exists=True, path_type=Path),
    help="A checkpoint file or a directory of them (default: PKIP_AUDIT_EXPORT_DIR "
    "when it exists).",
)
@click.option("--municipality", help="Verify one chain only (its code, * = platform).")
@click.pass_context
def verify_cmd(
    ctx: click.Context, source: Path | None, municipality: str | None
) -> None:
    """Recompute every chain and hold it against the signed checkpoints: finds
    altered, removed, inserted and reordered records and a chain rewritten after a
    checkpoint. Exits with 1 when anything is found."""
    from domain.audit import checkpoints
    from domain.audit.chain import verify

    platform = platform_of(ctx)
    if source is None and platform.audit_export_dir.exists():
        source = platform.audit_export_dir
    points: list[dict[str, object]] = []
    bad_lines: list[checkpoints.BadLine] = []
    if source is not None:
        points, bad_lines = checkpoints.read(source, platform.audit_key)
    with platform.transaction(readonly=True) as session:
        report = verify(session, points, municipality)
    for chain, length in sorted(report.chains.items()):
        click.echo(f"{chain}: {length} record(s)")
    click.echo(f"{report.checkpoints} signed checkpoint(s) checked")
    for line in bad_lines:
        click.echo(f"CHECKPOINT REFUSED {line}", err=True)
    for finding in report.findings:
        click.echo(f"TAMPERED {finding}", err=True)
    if report.findings or bad_lines:
        raise SystemExit(1)
    click.echo("the audit chain is intact")
