# SPDX-License-Identifier: EUPL-1.2
"""Signing in and out, the profile, the language and municipality switches."""

from webapp.account.views import bp

__all__ = ["bp"]
