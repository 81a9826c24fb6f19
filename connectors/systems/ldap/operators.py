# SPDX-License-Identifier: EUPL-1.2
"""No diagram calls the directory: the sync is a job (tasks/directory.py) and
signing in is no step of a process (webapp/account). ``register`` exists because
every system folder has one (connectors/systems/__init__.py calls it)."""

from __future__ import annotations

from typing import Any

from connectors.registry import Registry


def register(registry: Registry, **_options: Any) -> None:
    """Registers nothing: the directory offers no operator to diagrams."""
