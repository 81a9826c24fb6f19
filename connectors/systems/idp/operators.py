# SPDX-License-Identifier: EUPL-1.2
"""No diagram calls the identity provider: signing in is not a step of a process
(webapp/oidc/staff.py uses the client directly). ``register`` exists because every
system folder has one (connectors/systems/__init__.py calls it)."""

from __future__ import annotations

from typing import Any

from connectors.registry import Registry


def register(registry: Registry, **_options: Any) -> None:
    """Registers nothing: the provider offers no operator to diagrams."""
