# SPDX-License-Identifier: EUPL-1.2
"""Accounts: departments, users with roles, and API tokens (no Flask here)."""
