# SPDX-License-Identifier: EUPL-1.2
"""The composition root: builds the platform's parts from settings (no Flask here)."""
