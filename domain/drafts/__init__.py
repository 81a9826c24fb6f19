# SPDX-License-Identifier: EUPL-1.2
"""Draft models: diagrams imported from other modelers and fixed before deploy."""
