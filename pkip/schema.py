# SPDX-License-Identifier: EUPL-1.2
"""Every room's tables in one metadata: for the migrations and for work that walks
all tables (``pkip pii rotate`` finds the sealed columns this way)."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

from core.db import Base

# Every room keeps its tables in a `models` module (or package). webapp has none.
ROOMS = ("domain", "engine", "connectors", "tasks")


def load_models() -> MetaData:
    """Import every room's ``models`` modules; the complete metadata."""
    for room in ROOMS:
        package = importlib.import_module(room)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{room}."):
            if info.name.rsplit(".", 1)[-1] == "models":
                importlib.import_module(info.name)
    return Base.metadata
