# SPDX-License-Identifier: EUPL-1.2
"""Payments for finance (blueprint ``payments``): the municipality's payment
requests of a period by state, their sums, the mismatches with the payment module's
own listing, and a CSV export."""

from webapp.payments.views import bp

__all__ = ["bp"]
