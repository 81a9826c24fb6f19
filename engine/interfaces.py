# SPDX-License-Identifier: EUPL-1.2
"""What the engine needs from the outside, as protocols.

The engine never imports a concrete connector or the web layer: it is handed objects
that satisfy these protocols (the connector registry, the form catalogue, a clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from core.contracts import FieldError

__all__ = ["Clock", "FormCatalogue"]


class FormCatalogue(Protocol):
    """The JSON-schema forms that user tasks refer to by key."""

    def has(self, key: str) -> bool:
        """True when a form with this key exists."""
        ...

    def schema(self, key: str) -> dict[str, Any]:
        """A copy of form ``key``'s JSON schema; ``KeyError`` for an unknown key."""
        ...

    def validate(self, key: str, data: Mapping[str, Any]) -> list[FieldError]:
        """Return the field errors of ``data`` against form ``key`` (empty = valid)."""
        ...


Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime."""
