# SPDX-License-Identifier: EUPL-1.2
"""Errors the engine raises to its callers (the web layer maps them to HTTP codes)."""

from __future__ import annotations


class EngineError(Exception):
    """Base of the engine's own errors; the message is safe to show to a user."""


class NotFound(EngineError):
    """No such definition, instance, task or incident in the caller's municipality."""


class Conflict(EngineError):
    """Someone else changed the instance or the task first; reload and try again."""


class InvalidOperation(EngineError):
    """The operation is not allowed in the current state (finished, suspended, …)."""
