# SPDX-License-Identifier: EUPL-1.2
"""One package per outside system: client, simulator and ``register(registry)``.

The systems compose the default registry themselves, so the registry module knows no
system (the arrow points from each system to the registry, never back).
"""

from __future__ import annotations

import importlib
import pkgutil

from connectors.registry import AuditHook, Registry


def default_registry(audit: AuditHook | None = None) -> Registry:
    """Every system under ``connectors.systems`` registered.

    A system is a package in ``connectors/systems/`` whose ``operators`` module has a
    function ``register(registry)`` (the template in ``connectors/README.md``);
    adding one needs no change here.
    """
    registry = Registry(audit=audit)
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        module = importlib.import_module(f"{info.name}.operators")
        module.register(registry)
    return registry
