# SPDX-License-Identifier: EUPL-1.2
"""What every ``pkip`` command group shares (webapp/cli.py and its sibling groups)."""

from __future__ import annotations

from typing import Any

import click


def platform_of(ctx: click.Context) -> Any:
    """The command's Platform, made once per invocation and disposed at its end."""
    from pkip.platform import Platform

    root = ctx.find_root()
    if "platform" not in root.obj:
        platform = Platform(root.obj["settings"])
        root.obj["platform"] = platform
        root.call_on_close(platform.dispose)  # close pooled connections on exit
    return root.obj["platform"]
