# SPDX-License-Identifier: EUPL-1.2
"""Typed connector errors: what went wrong with an outside system, in four kinds.

The engine turns any of them into an incident; ``retryable`` tells the registry (for
look-ups) and the outbox (for deliveries) whether trying again can help.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of the connector errors; the message never holds personal data."""

    code = "error"
    retryable = False


class NotFound(ConnectorError):
    """The outside system has no such record (a person, a company, a parcel)."""

    code = "not_found"


class InvalidRequest(ConnectorError):
    """Our request was wrong: a missing or malformed parameter, a refused schema."""

    code = "invalid_request"


class Unavailable(ConnectorError):
    """Timeout, connection failure, 5xx, SOAP server fault or a malformed reply."""

    code = "unavailable"
    retryable = True


class Rejected(ConnectorError):
    """The system understood and refused (no right to the data, a business rule)."""

    code = "rejected"
